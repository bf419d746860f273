import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { nodeCrypto } from '../internal/node-crypto'
import { toHex } from '../signing/hex'
import type { GrcWireRecord } from './grc-record'
import { parseJsonNumberLiterals } from './json-number-literals'
import { pythonJson } from './python-json'

const encoder = new TextEncoder()

/** The HMAC key and the workspace the record is pushed to (both are part of the signature). */
export interface GrcSignatureOptions {
  /** The HMAC key: bytes, or a string taken as its UTF-8 bytes. Any length. */
  readonly key: string | Uint8Array
  /**
   * The workspace the record is pushed to. Must be known before signing. (The Python SDK signs
   * `null` here for a client's first record when it resolves the workspace lazily;
   * {@link verifyGrcSignature} accepts that form too.)
   */
  readonly workspaceId: string
}

/** {@link GrcSignatureOptions} plus, for checking, the record's JSON text as received. */
export interface GrcVerifyOptions extends GrcSignatureOptions {
  /**
   * The record's JSON text exactly as it arrived (a server passes the request body). When given,
   * the message is also built from the numbers as written: Python signs `1.0`, `0.0` and ints
   * above 2^53 literally, which parsed JavaScript numbers (`1`, `1.152921504606847e+18`) lose.
   */
  readonly sourceText?: string
}

/**
 * The exact message the Python SDK HMACs for a GRC record (reference §1.8):
 * `json.dumps({occurred_at, payload, record_type, system_name, workspace_id}, sort_keys=True,
 * separators=(",", ":"))` with `ensure_ascii`. `occurred_at` is `""` when absent. Not covered:
 * `identity`, `resource`, `environment`. `workspaceId: null` gives the form the Python SDK signs
 * before it has resolved its workspace (`"workspace_id":null`).
 */
export function grcSigningMessage(record: GrcWireRecord, workspaceId: string | null): string {
  return pythonJson({
    occurred_at: record.occurred_at ?? '',
    payload: record.payload,
    record_type: record.record_type,
    system_name: record.system_name,
    workspace_id: workspaceId,
  })
}

function hmacHex(key: string | Uint8Array, message: string): string {
  const keyBytes = typeof key === 'string' ? encoder.encode(key) : key
  const node = nodeCrypto()
  if (node) return node.createHmac('sha256', keyBytes).update(message, 'utf8').digest('hex')
  return toHex(hmac(sha256, keyBytes, encoder.encode(message)))
}

/**
 * Returns a copy of `record` with `client_sig` (HMAC-SHA256 hex of {@link grcSigningMessage},
 * exactly as the Python SDK computes it) and `client_sig_algo: 'hmac-sha256'`.
 *
 * @example
 * ```ts
 * const signed = signGrcRecord(record, { key: hmacKey, workspaceId: 'ws-uuid-1234' })
 * ```
 */
export function signGrcRecord(record: GrcWireRecord, options: GrcSignatureOptions): GrcWireRecord {
  return {
    ...record,
    client_sig: hmacHex(options.key, grcSigningMessage(record, options.workspaceId)),
    client_sig_algo: 'hmac-sha256',
  }
}

function sameHex(given: string, expected: string): boolean {
  let difference = 0
  for (let index = 0; index < 64; index++) difference |= given.charCodeAt(index) ^ expected.charCodeAt(index)
  return difference === 0
}

/**
 * Whether `record.client_sig` is the HMAC of the record for this key and workspace
 * (constant-time compare).
 *
 * Also accepted: the HMAC of the message built with `"workspace_id": null`. The Python SDK builds
 * and signs a GRC record *before* it resolves its workspace through `GET /api/me` (reference §1.8,
 * "ordering bug"), so a client configured without a workspace id signs its first record with
 * `null` while the record is posted to — and stored in — its real workspace. The `null` form is
 * still bound to the key, payload, type, system and time; it only lacks the workspace binding, which
 * the key itself provides (an HMAC key belongs to one workspace's configuration).
 *
 * With `sourceText` (the record's JSON as received) the numbers count as written, so a Python
 * client's `1.0` or `2**60` verifies; the parsed-number form (what {@link signGrcRecord} signs
 * for a JavaScript record) is checked too.
 *
 * @example
 * ```ts
 * const ok = verifyGrcSignature(JSON.parse(body), { key, workspaceId, sourceText: body })
 * ```
 */
export function verifyGrcSignature(record: GrcWireRecord, options: GrcVerifyOptions): boolean {
  const given = record.client_sig
  if (typeof given !== 'string' || given.length !== 64) return false
  const lowered = given.toLowerCase()
  const matches = (source: GrcWireRecord): boolean =>
    sameHex(lowered, hmacHex(options.key, grcSigningMessage(source, options.workspaceId))) ||
    sameHex(lowered, hmacHex(options.key, grcSigningMessage(source, null)))
  if (options.sourceText !== undefined) {
    let literal: unknown
    try {
      literal = parseJsonNumberLiterals(options.sourceText)
    } catch {
      return false
    }
    if (typeof literal === 'object' && literal !== null && !Array.isArray(literal)) {
      if (matches(literal as GrcWireRecord)) return true
    }
  }
  // Parsed numbers: what a JavaScript signer (signGrcRecord) covers.
  return matches(record)
}

/** HMAC-SHA256 with @noble/hashes only (used by tests to prove both paths agree). */
export function grcHmacPortable(key: string | Uint8Array, message: string): string {
  return toHex(hmac(sha256, typeof key === 'string' ? encoder.encode(key) : key, encoder.encode(message)))
}
