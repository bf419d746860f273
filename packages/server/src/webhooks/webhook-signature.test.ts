import { describe, expect, it } from 'vitest'
import { signWebhookPayload, verifyWebhookSignature } from './webhook-signature'

describe('webhook signatures', () => {
  const secret = 'whsec_test'
  const body = '{"type":"approval.decided","data":{"approval_id":"a1"}}'
  const timestamp = 1_790_000_000
  const now = timestamp * 1000 + 10_000

  it('signs HMAC-SHA256 over "{timestamp}.{body}" (known vector)', () => {
    // printf '1790000000.{...}' | openssl dgst -sha256 -hmac whsec_test
    expect(signWebhookPayload({ secret, timestamp, body })).toBe(
      'sha256=ad3ba1bfccf3fef895dab688829e09ffd39cf20d9b78bb7a741b0451664d7cb6',
    )
  })

  it('verifies a genuine delivery and refuses tampering, wrong secrets and stale timestamps', () => {
    const signature = signWebhookPayload({ secret, timestamp, body })
    expect(verifyWebhookSignature({ secret, body, signature, timestamp: String(timestamp), now })).toBe(true)
    expect(verifyWebhookSignature({ secret, body: Buffer.from(body), signature, timestamp, now })).toBe(true)
    expect(
      verifyWebhookSignature({ secret, body: body.replace('a1', 'a2'), signature, timestamp, now }),
    ).toBe(false)
    expect(verifyWebhookSignature({ secret: 'other', body, signature, timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature, timestamp: timestamp + 1, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature, timestamp, now: now + 600_000 })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature: undefined, timestamp, now })).toBe(false)
    expect(verifyWebhookSignature({ secret, body, signature: 'sha256=zz', timestamp, now })).toBe(false)
    expect(
      verifyWebhookSignature({
        secret,
        body,
        signature: `sha256=${'0'.repeat(64)}, ${signature}`,
        timestamp,
        now,
      }),
    ).toBe(true)
  })
})
