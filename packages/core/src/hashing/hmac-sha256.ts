import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { nodeCrypto } from '../internal/node-crypto'

const encoder = new TextEncoder()

/** A string is taken as its UTF-8 bytes. */
export type HmacInput = string | Uint8Array

function bytesOf(value: HmacInput): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value
}

/** HMAC-SHA256 of the concatenated `parts` with @noble/hashes (every runtime). */
export function hmacSha256Portable(key: HmacInput, parts: readonly HmacInput[]): Uint8Array {
  const mac = hmac.create(sha256, bytesOf(key))
  for (const part of parts) mac.update(bytesOf(part))
  return mac.digest()
}

/**
 * HMAC-SHA256 of the concatenated `parts`, keyed with `key`. Uses `node:crypto` when the runtime
 * has it (reached at run time, never imported), @noble/hashes otherwise; both give the same MAC.
 */
export function hmacSha256(key: HmacInput, parts: readonly HmacInput[]): Uint8Array {
  const node = nodeCrypto()
  if (!node) return hmacSha256Portable(key, parts)
  const mac = node.createHmac('sha256', bytesOf(key))
  for (const part of parts) mac.update(bytesOf(part))
  const digest = mac.digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function constantTimeEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false
  let difference = 0
  for (let index = 0; index < left.length; index++) {
    difference |= (left[index] as number) ^ (right[index] as number)
  }
  return difference === 0
}
