import { createHmac, timingSafeEqual } from 'node:crypto'

/** Deliveries older (or further in the future) than this are refused by default, in seconds. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300

/**
 * The `X-Mima-Signature` value for a delivery: `sha256=` and the lowercase hex HMAC-SHA256, keyed
 * with the webhook's secret, of `"{timestamp}.{body}"` (`timestamp` is the `X-Mima-Timestamp`
 * header, Unix seconds; `body` the exact request body bytes).
 */
export function signWebhookPayload(options: {
  secret: string
  timestamp: number | string
  body: string
}): string {
  const mac = createHmac('sha256', options.secret)
    .update(`${options.timestamp}.`)
    .update(options.body)
    .digest('hex')
  return `sha256=${mac}`
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

/**
 * Checks a webhook delivery on the receiving side: the HMAC-SHA256 of `"{timestamp}.{body}"` with
 * the shared secret matches `X-Mima-Signature` (constant-time compare) and the timestamp is within
 * the tolerance, so a captured delivery cannot be replayed later. Returns false on any mismatch or
 * malformed header; it never throws.
 *
 * @example
 * ```ts
 * import { verifyWebhookSignature } from '@mima/server'
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
  const timestampText = typeof timestamp === 'number' ? String(timestamp) : timestamp
  if (typeof timestampText !== 'string' || !/^\d{1,12}$/.test(timestampText)) return false
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS
  const nowSeconds = (options.now ?? Date.now()) / 1000
  if (Math.abs(nowSeconds - Number(timestampText)) > tolerance) return false
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body
  const expected = createHmac('sha256', options.secret).update(`${timestampText}.`).update(body).digest()
  for (const candidate of signature.split(',')) {
    const match = /^\s*sha256=([0-9a-fA-F]{64})\s*$/.exec(candidate)
    if (match?.[1] === undefined) continue
    if (timingSafeEqual(Buffer.from(match[1], 'hex'), expected)) return true
  }
  return false
}
