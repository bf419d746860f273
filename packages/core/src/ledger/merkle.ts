import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { nodeCrypto } from '../internal/node-crypto'

// RFC 9162 §2.1.1: leaves and interior nodes are domain-separated by one prefix byte.
const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

// node:crypto hashes short inputs several times faster than the portable code (full-ledger
// verification hashes every node); both give identical digests.
const node = nodeCrypto()
const sha256: (input: Uint8Array) => Uint8Array = node
  ? (input) => {
      const digest = node.createHash('sha256').update(input).digest()
      return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
    }
  : nobleSha256

const NODE_INPUT = new Uint8Array(65)
NODE_INPUT[0] = NODE_PREFIX

// Character code → nibble value (or 255), for a fast hex decoder.
const NIBBLE = new Uint8Array(128).fill(255)
for (let index = 0; index < 16; index += 1) {
  NIBBLE['0123456789abcdef'.charCodeAt(index)] = index
  NIBBLE['0123456789ABCDEF'.charCodeAt(index)] = index
}

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** Bytes of a lowercase or uppercase hex string; throws on anything else. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError(`Not a hex string: "${hex.slice(0, 80)}"`)
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index += 1) {
    const high = NIBBLE[hex.charCodeAt(index * 2)] ?? 255
    const low = NIBBLE[hex.charCodeAt(index * 2 + 1)] ?? 255
    if (high === 255 || low === 255) throw new TypeError(`Not a hex string: "${hex.slice(0, 80)}"`)
    bytes[index] = high * 16 + low
  }
  return bytes
}

/** A 32-byte hash, given as bytes or as hex (the wire form). */
export type HashInput = Uint8Array | string

function toHash(value: HashInput, what: string): Uint8Array {
  const bytes = typeof value === 'string' ? hexToBytes(value) : value
  if (bytes.length !== 32) throw new TypeError(`${what} must be a 32-byte SHA-256 hash`)
  return bytes
}

/**
 * The RFC 9162 leaf hash `SHA-256(0x00 ‖ data)`. Strings are UTF-8 encoded.
 *
 * @example
 * ```ts
 * bytesToHex(leafHash('')) // '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'
 * ```
 */
export function leafHash(data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  const input = new Uint8Array(bytes.length + 1)
  input[0] = LEAF_PREFIX
  input.set(bytes, 1)
  return sha256(input)
}

/** The RFC 9162 interior node hash `SHA-256(0x01 ‖ left ‖ right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // One reusable input buffer: hashing is synchronous, so no call can see another's bytes.
  NODE_INPUT.set(left, 1)
  NODE_INPUT.set(right, 33)
  return sha256(NODE_INPUT)
}

/** The root of the empty tree, `SHA-256()` (RFC 9162 §2.1.1). */
export function emptyRootHash(): Uint8Array {
  return sha256(new Uint8Array(0))
}

function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false
  let difference = 0
  for (let index = 0; index < left.length; index += 1) difference |= (left[index] ?? 0) ^ (right[index] ?? 0)
  return difference === 0
}

// Tree sizes exceed 2^32, so no bitwise operators on them.
const half = (value: number): number => Math.floor(value / 2)
const isOdd = (value: number): boolean => value % 2 === 1

/** What {@link verifyInclusionProof} checks. */
export interface InclusionProofInput {
  /** The leaf's hash (`leafHash(data)`), not the data. */
  leafHash: HashInput
  /** Zero-based index of the leaf. */
  leafIndex: number
  /** Size of the tree the proof is for. */
  treeSize: number
  /** The audit path, from the leaf upward (RFC 9162 `inclusion_path`). */
  proof: readonly HashInput[]
  /** The root hash of the tree of `treeSize` leaves (from a signed tree head). */
  rootHash: HashInput
}

/**
 * Verifies an RFC 9162 §2.1.3.2 inclusion proof: the leaf is at `leafIndex` in the tree whose
 * root is `rootHash`. Returns false for any mismatch or malformed input.
 */
export function verifyInclusionProof(input: InclusionProofInput): boolean {
  try {
    const { leafIndex, treeSize } = input
    if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize)) return false
    if (leafIndex < 0 || leafIndex >= treeSize) return false
    let fn = leafIndex
    let sn = treeSize - 1
    let result = toHash(input.leafHash, 'leafHash')
    for (const element of input.proof) {
      const sibling = toHash(element, 'proof element')
      if (sn === 0) return false
      if (isOdd(fn) || fn === sn) {
        result = nodeHash(sibling, result)
        if (!isOdd(fn)) {
          while (!isOdd(fn) && fn !== 0) {
            fn = half(fn)
            sn = half(sn)
          }
        }
      } else {
        result = nodeHash(result, sibling)
      }
      fn = half(fn)
      sn = half(sn)
    }
    return sn === 0 && equalBytes(result, toHash(input.rootHash, 'rootHash'))
  } catch {
    return false
  }
}

/** What {@link verifyConsistencyProof} checks. */
export interface ConsistencyProofInput {
  firstSize: number
  secondSize: number
  firstRootHash: HashInput
  secondRootHash: HashInput
  /** RFC 9162 `consistency_path`. */
  proof: readonly HashInput[]
}

/**
 * Verifies an RFC 9162 §2.1.4.2 consistency proof: the tree of `secondSize` leaves extends the
 * tree of `firstSize` leaves without changing any of them. An empty first tree is consistent
 * with everything (empty proof); equal sizes need equal roots and an empty proof.
 */
export function verifyConsistencyProof(input: ConsistencyProofInput): boolean {
  try {
    const { firstSize, secondSize } = input
    if (!Number.isSafeInteger(firstSize) || !Number.isSafeInteger(secondSize)) return false
    if (firstSize < 0 || firstSize > secondSize) return false
    const firstRoot = toHash(input.firstRootHash, 'firstRootHash')
    const secondRoot = toHash(input.secondRootHash, 'secondRootHash')
    const proof = input.proof.map((element) => toHash(element, 'proof element'))
    if (firstSize === 0) return proof.length === 0
    if (firstSize === secondSize) return proof.length === 0 && equalBytes(firstRoot, secondRoot)
    if (proof.length === 0) return false
    const path = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : proof
    let fn = firstSize - 1
    let sn = secondSize - 1
    while (isOdd(fn)) {
      fn = half(fn)
      sn = half(sn)
    }
    const [head, ...rest] = path
    if (head === undefined) return false
    let fr = head
    let sr = head
    for (const element of rest) {
      if (sn === 0) return false
      if (isOdd(fn) || fn === sn) {
        fr = nodeHash(element, fr)
        sr = nodeHash(element, sr)
        if (!isOdd(fn)) {
          while (!isOdd(fn) && fn !== 0) {
            fn = half(fn)
            sn = half(sn)
          }
        }
      } else {
        sr = nodeHash(sr, element)
      }
      fn = half(fn)
      sn = half(sn)
    }
    return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot)
  } catch {
    return false
  }
}

function isPowerOfTwo(value: number): boolean {
  let remaining = value
  while (remaining > 1) {
    if (isOdd(remaining)) return false
    remaining = half(remaining)
  }
  return remaining === 1
}

/** Where {@link rootFromLeafHashes} reads leaf hashes from. */
export type LeafHashSource = Iterable<HashInput> | AsyncIterable<HashInput>

/** The result of {@link rootFromLeafHashes}. */
export interface TreeRoot {
  treeSize: number
  rootHash: Uint8Array
}

/**
 * Recomputes the RFC 9162 root over a stream of leaf hashes in order, in O(log n) memory,
 * so a whole ledger (millions of leaves fetched page by page) can be checked against a
 * signed tree head.
 *
 * @example
 * ```ts
 * const { treeSize, rootHash } = await rootFromLeafHashes(pages())
 * ok = treeSize === head.tree_size && bytesToHex(rootHash) === head.root_hash
 * ```
 */
export async function rootFromLeafHashes(leaves: LeafHashSource): Promise<TreeRoot> {
  // frontier[i] holds the hash of a complete subtree of 2^levels[i] leaves, left to right.
  const frontier: Uint8Array[] = []
  const levels: number[] = []
  let treeSize = 0
  const push = (value: HashInput): void => {
    let hash = toHash(value, 'leaf hash')
    let level = 0
    while (levels.length > 0 && levels[levels.length - 1] === level) {
      levels.pop()
      hash = nodeHash(frontier.pop() as Uint8Array, hash)
      level += 1
    }
    frontier.push(hash)
    levels.push(level)
    treeSize += 1
  }
  if (Symbol.asyncIterator in leaves) {
    for await (const leaf of leaves) push(leaf)
  } else {
    for (const leaf of leaves) push(leaf)
  }
  return { treeSize, rootHash: foldFrontier(frontier) }
}

/**
 * The root over complete-subtree hashes listed left to right (largest first), folding from the
 * right as RFC 9162's MTH does for a size that is not a power of two.
 */
export function foldFrontier(frontier: readonly Uint8Array[]): Uint8Array {
  let root = frontier[frontier.length - 1]
  if (root === undefined) return emptyRootHash()
  for (let index = frontier.length - 2; index >= 0; index -= 1) {
    root = nodeHash(frontier[index] as Uint8Array, root)
  }
  return root
}
