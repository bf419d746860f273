/**
 * The browser-side proof checker, served at `/dashboard/assets/proofs.js` (plain JavaScript, no
 * build; the CSP allows only scripts from this server). It does not ask the server whether its
 * ledger is sound: it fetches the raw proof material and checks it with WebCrypto (SHA-256 and
 * Ed25519), against the server key this browser pinned the first time it saw it (localStorage).
 * When the server's key has changed, the pin moves only along a chain of handovers each signed by
 * the key it retires (`mima-key-rotation/1`, as `mima verify` follows them), starting from the
 * pinned key; an unsigned change is refused and the pin stays.
 *
 * - Record pages (`[data-proof-url]`): the record's RFC 8785 hash equals the leaf's `record_hash`;
 *   the leaf hash is SHA-256(0x00 ‖ leaf_data); the RFC 9162 inclusion path leads to the signed
 *   root; the tree head's Ed25519 signature verifies with the pinned key.
 * - The ledger page (`[data-consistency-url]`): the current signed head is consistent (RFC 9162
 *   consistency proof) with the last head this browser saw, which it then remembers.
 *
 * The algorithms mirror `@mima/core`'s `verifyInclusionProof`, `verifyConsistencyProof`,
 * `verifySignedTreeHead` and `canonicalJson`; `window.MimaProofs` exposes them, and the browser
 * tests check they agree with the core verifier on every leaf of trees of 1 to 33 leaves.
 */
export const PROOFS_SCRIPT: string = `"use strict";
(function () {
  var encoder = new TextEncoder();
  function hexToBytes(hex) {
    if (typeof hex !== "string" || !/^([0-9a-f]{2})*$/.test(hex)) throw new Error("not lowercase hex: " + String(hex).slice(0, 20));
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }
  function bytesToHex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function concat(parts) {
    var size = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(size), offset = 0;
    parts.forEach(function (p) { out.set(p, offset); offset += p.length; });
    return out;
  }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  function leafHash(data) { return sha256(concat([Uint8Array.of(0), encoder.encode(data)])); }
  function nodeHash(left, right) { return sha256(concat([Uint8Array.of(1), left, right])); }
  function equal(a, b) { if (a.length !== b.length) return false; for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; }
  var half = function (n) { return Math.floor(n / 2); };
  var odd = function (n) { return n % 2 === 1; };

  // RFC 8785: keys sorted by UTF-16 code units, ECMAScript number and string serialisation.
  function canonical(value) {
    if (value === null || typeof value !== "object") {
      if (typeof value === "number" && !isFinite(value)) throw new Error("non-finite number");
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    return "{" + Object.keys(value).sort().filter(function (k) { return value[k] !== undefined; })
      .map(function (k) { return JSON.stringify(k) + ":" + canonical(value[k]); }).join(",") + "}";
  }

  // RFC 9162 section 2.1.3.2.
  async function verifyInclusion(leaf, index, size, path, root) {
    if (!(index >= 0 && index < size)) return false;
    var fn = index, sn = size - 1, result = leaf;
    for (var i = 0; i < path.length; i++) {
      var sibling = hexToBytes(path[i]);
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        result = await nodeHash(sibling, result);
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        result = await nodeHash(result, sibling);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && equal(result, root);
  }

  // RFC 9162 section 2.1.4.2.
  async function verifyConsistency(first, second, firstRoot, secondRoot, proofHex) {
    if (!(first >= 0 && first <= second)) return false;
    var proof = proofHex.map(hexToBytes);
    if (first === 0) return proof.length === 0;
    if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
    if (proof.length === 0) return false;
    var path = (first & (first - 1)) === 0 ? [firstRoot].concat(proof) : proof;
    var fn = first - 1, sn = second - 1;
    while (odd(fn)) { fn = half(fn); sn = half(sn); }
    var fr = path[0], sr = path[0];
    for (var i = 1; i < path.length; i++) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        fr = await nodeHash(path[i], fr);
        sr = await nodeHash(path[i], sr);
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        sr = await nodeHash(sr, path[i]);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
  }

  async function verifyHead(head, publicKeyHex) {
    if (head.algorithm !== "ed25519" || !/^[0-9a-f]{64}$/.test(head.root_hash)) return false;
    var message = canonical({ root_hash: head.root_hash, timestamp: head.timestamp, tree_size: head.tree_size, v: "mima-sth/1", workspace_id: head.workspace_id });
    var key = await crypto.subtle.importKey("raw", hexToBytes(publicKeyHex), { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, hexToBytes(head.signature), encoder.encode(message));
  }

  async function fingerprint(publicKeyHex) {
    var hex = bytesToHex(await sha256(hexToBytes(publicKeyHex))).slice(0, 32);
    return hex.match(/.{4}/g).join(" ");
  }

  // A handover: the retiring key signs "mima-key-rotation/1", from, to and rotated_at, one a line.
  async function verifyRotation(rotation) {
    if (rotation === null || typeof rotation !== "object" || typeof rotation.rotated_at !== "string") return false;
    if (!/^[0-9a-f]{64}$/.test(rotation.from) || !/^[0-9a-f]{64}$/.test(rotation.to) || !/^[0-9a-f]{128}$/.test(rotation.signature)) return false;
    try {
      var message = ["mima-key-rotation/1", rotation.from, rotation.to, rotation.rotated_at].join(String.fromCharCode(10));
      var key = await crypto.subtle.importKey("raw", hexToBytes(rotation.from), { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, hexToBytes(rotation.signature), encoder.encode(message));
    } catch (ignored) {
      return false;
    }
  }

  // The shortest chain of validly signed handovers from the pinned key to the served one, or null.
  // Breadth-first over keys, so a cycle or a dead-end branch cannot hide a chain that exists.
  async function rotationChain(pinned, served, rotations) {
    var list = Array.isArray(rotations) ? rotations : [];
    var reached = Object.create(null);
    reached[pinned] = [];
    var queue = [pinned];
    while (queue.length > 0) {
      var current = queue.shift();
      if (current === served) return reached[current];
      for (var i = 0; i < list.length; i++) {
        var rotation = list[i];
        if (!rotation || rotation.from !== current || typeof rotation.to !== "string" || rotation.to in reached) continue;
        if (!(await verifyRotation(rotation))) continue;
        reached[rotation.to] = reached[current].concat([rotation]);
        queue.push(rotation.to);
      }
    }
    return null;
  }

  // The key this browser trusts: pinned on first sight, moved only along signed handovers.
  async function pinnedKey(workspace, served, rotations) {
    var name = "mima.pinned-server-key." + workspace;
    var pinned = localStorage.getItem(name);
    if (pinned === null) { localStorage.setItem(name, served); return { key: served, firstSeen: true }; }
    if (pinned === served) return { key: pinned, firstSeen: false };
    var chain = await rotationChain(pinned, served, rotations);
    if (chain === null) return { key: pinned, firstSeen: false, refused: true };
    localStorage.setItem(name, served);
    return { key: served, firstSeen: false, handovers: chain.length };
  }

  function show(box, state, message, steps) {
    box.setAttribute("data-state", state);
    box.querySelector(".result").textContent = message;
    var list = box.querySelector(".steps");
    if (list && steps) {
      list.textContent = "";
      steps.forEach(function (step) {
        var item = document.createElement("li");
        item.textContent = step[1];
        if (!step[0]) item.className = "fail";
        list.appendChild(item);
      });
    }
  }

  async function fetchJson(url) {
    var response = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error("the server answered " + response.status);
    return response.json();
  }

  async function showKey(box, workspace, served, rotations) {
    var pin = await pinnedKey(workspace, served, rotations);
    var target = box.querySelector(".fingerprint");
    if (target) target.textContent = await fingerprint(pin.key);
    var note = box.querySelector(".pin-note");
    if (note) note.textContent = pin.firstSeen ? "Pinned now: this browser had not seen this server's key before."
      : pin.refused ? "Pinned earlier by this browser. The server now uses another key, and no handover signed by this one leads to it."
      : pin.handovers ? "Moved to the server's new key along " + pin.handovers + " handover(s), each signed by the key it retires, from the key this browser pinned."
      : "Pinned earlier by this browser.";
    return pin;
  }

  // The step that says whether the server's key is the pinned one (or reached from it by handovers).
  function keyStep(pin) {
    if (pin.refused) return [false, "The server's key changed without a handover signed by the key this browser pinned: refused."];
    if (pin.handovers) return [true, "The server's key was rotated: " + pin.handovers + " signed handover(s) lead to it from the key this browser pinned."];
    return null;
  }

  async function checkRecord(box) {
    try {
      var proof = await fetchJson(box.getAttribute("data-proof-url"));
      var pin = await showKey(box, proof.tree_head.workspace_id, proof.server_public_key, proof.key_rotations);
      var steps = [];
      var rotated = keyStep(pin);
      if (rotated) steps.push(rotated);
      var leafData = JSON.parse(proof.leaf_data);
      var recordHash = proof.record === null ? null : bytesToHex(await sha256(encoder.encode(canonical(proof.record))));
      steps.push([recordHash === null || recordHash === leafData.record_hash, recordHash === null
        ? "This record was stored before records were kept as received; its leaf is checked below."
        : "The record hashes (RFC 8785, SHA-256) to the leaf's record_hash " + leafData.record_hash.slice(0, 16) + "…"]);
      steps.push([leafData.record_id === proof.record_id, "The leaf names this record (" + leafData.record_id + ")."]);
      var leaf = await leafHash(proof.leaf_data);
      steps.push([bytesToHex(leaf) === proof.leaf_hash, "Leaf hash SHA-256(0x00 ‖ leaf data) = " + bytesToHex(leaf).slice(0, 16) + "…"]);
      var included = await verifyInclusion(leaf, proof.leaf_index, proof.tree_head.tree_size, proof.inclusion_path, hexToBytes(proof.tree_head.root_hash));
      steps.push([included, "Inclusion path (" + proof.inclusion_path.length + " hashes) from leaf " + proof.leaf_index + " leads to the root of " + proof.tree_head.tree_size + " leaves."]);
      var signed = pin.key === proof.tree_head.public_key && await verifyHead(proof.tree_head, pin.key);
      steps.push([signed, signed ? "The tree head's Ed25519 signature verifies with the pinned server key." : "The tree head's signature does not verify with the pinned server key."]);
      var ok = steps.every(function (step) { return step[0]; });
      show(box, ok ? "verified" : "failed", ok ? "Verified in your browser" : "Verification FAILED in your browser", steps);
    } catch (error) {
      show(box, "failed", "Verification FAILED in your browser: " + (error && error.message), []);
    }
  }

  async function checkConsistency(box) {
    try {
      var workspace = box.getAttribute("data-workspace");
      var name = "mima.last-tree-head." + workspace;
      var last = null;
      try { last = JSON.parse(localStorage.getItem(name) || "null"); } catch (ignored) { last = null; }
      var from = last && Number.isSafeInteger(last.tree_size) ? last.tree_size : 0;
      var url = box.getAttribute("data-consistency-url") + "?from=" + from;
      var answer = await fetchJson(url);
      var pin = await showKey(box, workspace, answer.server_public_key, answer.key_rotations);
      var head = answer.tree_head;
      var steps = [];
      var rotated = keyStep(pin);
      if (rotated) steps.push(rotated);
      var signed = pin.key === head.public_key && await verifyHead(head, pin.key);
      steps.push([signed, signed ? "The current tree head (" + head.tree_size + " leaves) is signed by the pinned server key." : "The current tree head's signature does not verify with the pinned server key."]);
      if (last === null) {
        steps.push([true, "This browser had not seen this ledger before: it remembers this head for next time."]);
      } else {
        var consistent = await verifyConsistency(last.tree_size, head.tree_size, hexToBytes(last.root_hash), hexToBytes(head.root_hash), answer.consistency_path);
        steps.push([consistent, consistent
          ? "Consistent with the head this browser saw last (" + last.tree_size + " leaves, " + last.timestamp + "): nothing before it changed."
          : "NOT consistent with the head this browser saw last (" + last.tree_size + " leaves, root " + String(last.root_hash).slice(0, 16) + "…)."]);
      }
      var ok = steps.every(function (step) { return step[0]; });
      if (ok) localStorage.setItem(name, JSON.stringify({ tree_size: head.tree_size, root_hash: head.root_hash, timestamp: head.timestamp }));
      var since = box.querySelector(".last-seen");
      if (since) since.textContent = last === null ? "none" : last.tree_size + " leaves at " + last.timestamp;
      show(box, ok ? "verified" : "failed", ok ? "Verified in your browser" : "Verification FAILED in your browser", steps);
    } catch (error) {
      show(box, "failed", "Verification FAILED in your browser: " + (error && error.message), []);
    }
  }

  // For anyone who wants to re-run a check by hand in the console (and for the agreement tests).
  window.MimaProofs = Object.freeze({
    canonical: canonical,
    leafHash: async function (data) { return bytesToHex(await leafHash(data)); },
    verifyInclusion: async function (leafHex, index, size, path, rootHex) { return verifyInclusion(hexToBytes(leafHex), index, size, path, hexToBytes(rootHex)); },
    verifyConsistency: async function (first, second, firstRootHex, secondRootHex, path) { return verifyConsistency(first, second, hexToBytes(firstRootHex), hexToBytes(secondRootHex), path); },
    verifyHead: verifyHead,
    rotationChain: async function (pinned, served, rotations) { var chain = await rotationChain(pinned, served, rotations); return chain === null ? null : chain.length; },
  });

  function start() {
    document.querySelectorAll("[data-proof-url]").forEach(checkRecord);
    document.querySelectorAll("[data-consistency-url]").forEach(checkConsistency);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
`
