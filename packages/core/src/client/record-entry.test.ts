import { describe, expect, it } from 'vitest'
import { verifyAttestationSignature } from '../attestation/sign-attestation'
import { MimaError } from '../errors/mima-error'
import { toHashable } from '../hashing/hashable-value'
import { hashValue } from '../hashing/sha256'
import { generateSigningKey } from '../signing/ed25519'
import { createTestMima } from '../testing'

describe('mima.record', () => {
  it('queues a record that is hashed, signed and sent only when the outbox drains', async () => {
    const { mima, recorder } = createTestMima({ signingKey: generateSigningKey() })
    const prompt = { messages: [{ role: 'user', content: 'hi' }] }
    const key = mima.record({
      toolName: 'ai-sdk:generate',
      input: prompt,
      output: { text: 'hello' },
      modelId: 'gpt-test',
      durationMs: 12.5,
      metadata: { usage: { input_tokens: 3, output_tokens: 2 }, finish_reason: 'stop' },
    })
    const child = mima.record({ toolName: 'ai-sdk:tool:search', input: { q: 1 }, parentIdempotencyKey: key })
    expect(recorder.attestations).toHaveLength(0)
    expect(mima.pending).toBe(2)
    await mima.flush()
    const [parent, tool] = recorder.attestations
    expect(parent).toMatchObject({
      tool_name: 'ai-sdk:generate',
      idempotency_key: key,
      input_hash: hashValue(prompt),
      output_hash: hashValue({ text: 'hello' }),
      model_id: 'gpt-test',
      duration_ms: 12.5,
      metadata: { usage: { input_tokens: 3, output_tokens: 2 }, finish_reason: 'stop' },
    })
    expect(tool).toMatchObject({ parent_idempotency_key: key, idempotency_key: child, output_hash: '' })
    // The v2 signature covers the metadata and the parent link.
    expect(verifyAttestationSignature(parent as never)).toBe('valid')
    expect(verifyAttestationSignature({ ...(parent as object), metadata: {} } as never)).toBe('invalid')
    await mima.close()
  })

  it('records a failed call with its error type and hashes values JSON cannot hold', async () => {
    const { mima, recorder } = createTestMima()
    mima.record({ toolName: 'step', input: { image: new Uint8Array([1, 2, 3]) }, errorType: 'TypeError' })
    await mima.flush()
    expect(recorder.attestations[0]).toMatchObject({
      outcome: 'error',
      error_type: 'TypeError',
      input_hash: hashValue(toHashable({ image: new Uint8Array([1, 2, 3]) })),
    })
    await mima.close()
  })

  it('refuses a record without a tool name or with a malformed hash', () => {
    const { mima } = createTestMima()
    expect(() => mima.record({ toolName: ' ' })).toThrow(MimaError)
    expect(() => mima.record({ toolName: 'x', inputHash: 'nope' })).toThrow(/inputHash/)
  })
})

describe('toHashable', () => {
  it('turns values JSON cannot hold into tagged JSON that still tells them apart', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    expect(
      toHashable({
        bytes: new Uint8Array([1]),
        big: 10n,
        nan: Number.NaN,
        map: new Map([['k', 1]]),
        set: new Set([2]),
        url: new URL('https://example.com/a'),
        when: new Date(0),
        gone: undefined,
        fn: () => 1,
        list: [undefined, 'x\ud800'],
        cyclic,
        error: new TypeError('bad'),
      }),
    ).toEqual({
      bytes: {
        $bytes: { sha256: '4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a', length: 1 },
      },
      big: { $bigint: '10' },
      nan: { $number: 'NaN' },
      map: { $map: [['k', 1]] },
      set: { $set: [2] },
      url: 'https://example.com/a',
      when: '1970-01-01T00:00:00.000Z',
      list: [null, 'x\ufffd'],
      cyclic: { a: 1, self: { $ref: 'cycle' } },
      error: { $error: 'TypeError', message: 'bad' },
    })
    expect(hashValue(toHashable({ b: new Uint8Array([1]) }))).not.toBe(
      hashValue(toHashable({ b: new Uint8Array([2]) })),
    )
  })
})
