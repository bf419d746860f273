import { constantTimeEqual, hmacSha256 } from '../hashing/hmac-sha256'
import { toHex } from '../signing/hex'

/** Deliveries older (or further in the future) than this are refused by default, in seconds. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300

/** What {@link signWebhookPayload} signs. */
export interface SignWebhookPayloadOptions {
  /** The secret registered with the webhook. */
  secret: string
  /** The `X-Mima-Timestamp` header value (Unix seconds). */
  timestamp: number | string
  /** The exact request body. */
  body: string
}

/**
 * The `X-Mima-Signature` value for a delivery: `sha256=` and the lowercase hex HMAC-SHA256, keyed
 * with the webhook's secret, of `"{timestamp}.{body}"` (`timestamp` is the `X-Mima-Timestamp`
 * header, Unix seconds; `body` the exact request body bytes). The server signs its deliveries
 * with it; a receiver's tests can use it to build signed requests.
 *
 * @example
 * ```ts
 * import { signWebhookPayload } from '@mima/core'
 *
 * const signature = signWebhookPayload({ secret: 'whsec_test', timestamp: 1790000000, body: '{"type":"gate.failed"}' })
 * // 'sha256=<64 hex digits>'
 * ```
 */
export function signWebhookPayload(options: SignWebhookPayloadOptions): string {
  return `sha256=${toHex(hmacSha256(options.secret, [`${options.timestamp}.`, options.body]))}`
}

/** What {@link verifyWebhookSignature} checks. */
export interface VerifyWebhookSignatureOptions {
  /** The secret registered with the webhook. */
  secret: string
  /** The raw request body exactly as received (do not re-serialise parsed JSON). */
  body: string | Uint8Array
  /** The `X-Mima-Signature` header (`sha256=<hex>`; several comma-separated values are accepted). */
  signature: string | null | undefined
  /** The `X-Mima-Timestamp` header (Unix seconds). */
  timestamp: string | number | null | undefined
  /** Largest accepted clock difference, in seconds (default 300). `Infinity` turns the check off. */
  toleranceSeconds?: number
  /** The receiver's clock (default `Date.now()`), in milliseconds. */
  now?: number
}

const SIGNATURE_VALUE = /^\s*sha256=([0-9a-fA-F]{64})\s*$/

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  }
  return bytes
}

/**
 * Checks a Mima webhook delivery on the receiving side: the HMAC-SHA256 of `"{timestamp}.{body}"`
 * with the shared secret matches `X-Mima-Signature` (constant-time compare) and the timestamp is
 * within the tolerance, so a captured delivery cannot be replayed later. Returns false on any
 * mismatch or malformed header; it never throws. Runs in Node, Bun, Deno, browsers and edge
 * runtimes (`node:crypto` is used only when the runtime has it).
 *
 * @example
 * ```ts
 * import { verifyWebhookSignature } from '@mima/core'
 *
 * const ok = verifyWebhookSignature({
 *   secret: process.env.MIMA_WEBHOOK_SECRET!,
 *   body: rawBody,
 *   signature: request.headers['x-mima-signature'],
 *   timestamp: request.headers['x-mima-timestamp'],
 * })
 * if (!ok) return response.writeHead(401).end()
 * ```
 */
export function verifyWebhookSignature(options: VerifyWebhookSignatureOptions): boolean {
  const { signature, timestamp } = options
  if (typeof signature !== 'string' || signature === '') return false
  if (typeof options.secret !== 'string') return false
  const timestampText = typeof timestamp === 'number' ? String(timestamp) : timestamp
  if (typeof timestampText !== 'string' || !/^\d{1,12}$/.test(timestampText)) return false
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS
  const nowSeconds = (options.now ?? Date.now()) / 1000
  if (!(Math.abs(nowSeconds - Number(timestampText)) <= tolerance)) return false
  if (typeof options.body !== 'string' && !(options.body instanceof Uint8Array)) return false
  const expected = hmacSha256(options.secret, [`${timestampText}.`, options.body])
  let matched = false
  for (const candidate of signature.split(',')) {
    const match = SIGNATURE_VALUE.exec(candidate)
    if (match?.[1] === undefined) continue
    // Every candidate is compared (no early exit), so timing does not reveal which one matched.
    if (constantTimeEqual(hexBytes(match[1]), expected)) matched = true
  }
  return matched
}
