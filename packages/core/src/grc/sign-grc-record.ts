import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { nodeCrypto } from '../internal/node-crypto'
import { toHex } from '../signing/hex'
import type { GrcWireRecord } from './grc-record'
import { pythonJson } from './python-json'

const encoder = new TextEncoder()

/** The HMAC key and the workspace the record is pushed to (both are part of the signature). */
export interface GrcSignatureOptions {
  /** The HMAC key: bytes, or a string taken as its UTF-8 bytes. Any length. */
  readonly key: string | Uint8Array
  /** The workspace the record is pushed to. Must be known before signing (the Python SDK signs `null` here for a client's first record when it resolves the workspace lazily). */
  readonly workspaceId: string
}

/**
 * The exact message the Python SDK HMACs for a GRC record (reference §1.8):
 * `json.dumps({occurred_at, payload, record_type, system_name, workspace_id}, sort_keys=True,
 * separators=(",", ":"))` with `ensure_ascii`. `occurred_at` is `""` when absent. Not covered:
 * `identity`, `resource`, `environment`.
 */
export function grcSigningMessage(record: GrcWireRecord, workspaceId: string): string {
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

/** Whether `record.client_sig` is the HMAC of the record for this key and workspace (constant-time compare). */
export function verifyGrcSignature(record: GrcWireRecord, options: GrcSignatureOptions): boolean {
  const given = record.client_sig
  if (typeof given !== 'string' || given.length !== 64) return false
  const expected = hmacHex(options.key, grcSigningMessage(record, options.workspaceId))
  let difference = 0
  const lowered = given.toLowerCase()
  for (let index = 0; index < 64; index++)
    difference |= lowered.charCodeAt(index) ^ expected.charCodeAt(index)
  return difference === 0
}

/** HMAC-SHA256 with @noble/hashes only (used by tests to prove both paths agree). */
export function grcHmacPortable(key: string | Uint8Array, message: string): string {
  return toHex(hmac(sha256, typeof key === 'string' ? encoder.encode(key) : key, encoder.encode(message)))
}
