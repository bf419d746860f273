import { describe, expect, it } from 'vitest'
import { hmacSha256, hmacSha256Portable } from '../hashing/hmac-sha256'
import { toHex } from '../signing/hex'
import {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  signWebhookPayload,
  verifyWebhookSignature,
} from './verify-webhook-signature'

describe('webhook signatures', () => {
  const secret = 'whsec_test'
  const body = '{"type":"approval.decided","data":{"approval_id":"a1"}}'
  const timestamp = 1_790_000_000
  const now = timestamp * 1000 + 10_000
  const encoder = new TextEncoder()

  it('signs HMAC-SHA256 over "{timestamp}.{body}" (known vectors, checked with openssl)', () => {
    // printf '1790000000.{...}' | openssl dgst -sha256 -hmac whsec_test
    expect(signWebhookPayload({ secret, timestamp, body })).toBe(
      'sha256=ad3ba1bfccf3fef895dab688829e09ffd39cf20d9b78bb7a741b0451664d7cb6',
    )
    expect(signWebhookPayload({ secret, timestamp: String(timestamp), body })).toBe(
      'sha256=ad3ba1bfccf3fef895dab688829e09ffd39cf20d9b78bb7a741b0451664d7cb6',
    )
    // Non-ASCII secret and body are UTF-8: printf '1790000000.{...café...}' | openssl dgst -sha256 -hmac 'whsec_ünï'
    expect(
      signWebhookPayload({
        secret: 'whsec_ünï',
        timestamp,
        body: '{"type":"gate.failed","data":{"note":"café"}}',
      }),
    ).toBe('sha256=f22e12d52c4dd9f393bf9ab86f570c2a56ec93946fe4c0bcd09f0d25cf25a048')
  })

  it('gives the same MAC on the node:crypto fast path and the portable @noble/hashes path', () => {
    const parts = [`${timestamp}.`, body]
    expect(toHex(hmacSha256Portable(secret, parts))).toBe(
      'ad3ba1bfccf3fef895dab688829e09ffd39cf20d9b78bb7a741b0451664d7cb6',
    )
    expect(toHex(hmacSha256(secret, parts))).toBe(toHex(hmacSha256Portable(secret, parts)))
    expect(toHex(hmacSha256(encoder.encode(secret), [encoder.encode(`${timestamp}.${body}`)]))).toBe(
      'ad3ba1bfccf3fef895dab688829e09ffd39cf20d9b78bb7a741b0451664d7cb6',
    )
  })

  it('verifies a genuine delivery from a string or the raw bytes', () => {
    const signature = signWebhookPayload({ secret, timestamp, body })
    expect(verifyWebhookSignature({ secret, body, signature, timestamp: String(timestamp), now })).toBe(true)
    expect(verifyWebhookSignature({ secret, body: encoder.encode(body), signature, timestamp, now })).toBe(
      true,
    )
    expect(
      verifyWebhookSignature({
        secret,
        body,
        signature: signature.toUpperCase().replace('SHA256', 'sha256'),
        timestamp,
        now,
      }),
    ).toBe(true)
  })

  it('refuses a tampered body, a wrong secret, another timestamp and malformed headers', () => {
    const signature = signWebhookPayload({ secret, timestamp, body })
    expect(
      verifyWebhookSignature({ secret, body: body.replace('a1', 'a2'), signature, timestamp, now }),
    ).toBe(false)
    expect(verifyWebhookSignature({ secret, body: `${body} `, signature, timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret: 'other', body, signature, timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret: '', body, signature, timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature, timestamp: timestamp + 1, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature: undefined, timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature: null, timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature: '', timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature: 'sha256=zz', timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature: signature.slice(0, -2), timestamp, now })).toBe(
      false,
    )
    expect(verifyWebhookSignature({ secret, body, signature: signature.slice(7), timestamp, now })).toBe(
      false,
    )
    expect(verifyWebhookSignature({ secret, body, signature, timestamp: undefined, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature, timestamp: '17900000.5', now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature, timestamp: '-1', now })).toBe(false)
  })

  it('refuses timestamps outside the tolerance on either side, and honours a custom tolerance', () => {
    const signature = signWebhookPayload({ secret, timestamp, body })
    const at = (offsetSeconds: number, toleranceSeconds?: number): boolean =>
      verifyWebhookSignature({
        secret,
        body,
        signature,
        timestamp,
        now: (timestamp + offsetSeconds) * 1000,
        ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
      })
    expect(DEFAULT_SIGNATURE_TOLERANCE_SECONDS).toBe(300)
    expect(at(300)).toBe(true)
    expect(at(-300)).toBe(true)
    expect(at(301)).toBe(false)
    expect(at(-301)).toBe(false)
    expect(at(60, 30)).toBe(false)
    expect(at(20, 30)).toBe(true)
    expect(at(10 * 365 * 86_400, Number.POSITIVE_INFINITY)).toBe(true)
  })

  it('accepts any one of several comma-separated signatures (secret rotation) and only a correct one', () => {
    const signature = signWebhookPayload({ secret, timestamp, body })
    const oldSecret = signWebhookPayload({ secret: 'whsec_old', timestamp, body })
    expect(
      verifyWebhookSignature({
        secret,
        body,
        signature: `sha256=${'0'.repeat(64)}, ${signature}`,
        timestamp,
        now,
      }),
    ).toBe(true)
    expect(
      verifyWebhookSignature({ secret, body, signature: `${signature},${oldSecret}`, timestamp, now }),
    ).toBe(true)
    expect(
      verifyWebhookSignature({
        secret: 'whsec_old',
        body,
        signature: `${signature},${oldSecret}`,
        timestamp,
        now,
      }),
    ).toBe(true)
    expect(
      verifyWebhookSignature({ secret, body, signature: `${oldSecret}, garbage, sha256=`, timestamp, now }),
    ).toBe(false)
  })
})
