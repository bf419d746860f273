import { describe, expect, it } from 'vitest'
import { hashValue } from './hashing/sha256'
import { generateSigningKey } from './signing/ed25519'
import { createMimaRecorder, createTestMima } from './testing'

describe('@mima/core/testing', () => {
  it('records what a client attests, in memory, with the full client path', async () => {
    const { mima, recorder } = createTestMima({ systemName: 'loan-scorer', signingKey: generateSigningKey() })
    const classify = mima.attest(
      { toolName: 'classify', modelId: 'gpt-4o' },
      async (text: string) => text.length,
    )
    expect(await classify('hello')).toBe(5)
    mima.attest({ toolName: 'later', mode: 'batch' }, () => 'x')()
    expect(recorder.attestationsFor('later')).toHaveLength(0)
    await mima.flush()
    expect(recorder.attestationsFor('classify')).toEqual([
      expect.objectContaining({
        model_id: 'gpt-4o',
        input_hash: hashValue(['hello']),
        output_hash: hashValue(5),
        sig_alg: 'ed25519-jcs-v2',
      }),
    ])
    expect(recorder.attestationsFor('later')).toHaveLength(1)
    await mima.pushEvidence({ record_type: 'incident', payload: { title: 't' }, system_name: 'loan-scorer' })
    expect(recorder.evidence.map((record) => record.record_type)).toEqual(['incident'])
    recorder.clear()
    expect(recorder.attestations).toHaveLength(0)
  })

  it('rejects tampered signatures and stores each idempotency key once', async () => {
    const recorder = createMimaRecorder()
    const headers = { authorization: 'Bearer k' }
    const record = {
      system_name: 's',
      agent_name: 's',
      tool_name: 't',
      input_hash: '',
      output_hash: '',
      schema_version: 2,
      idempotency_key: 'k1',
      witness_sig: '0'.repeat(128),
      verifying_key_hex: '0'.repeat(64),
    }
    const path = '/api/workspaces/ws-test/governance/attestations/external'
    expect(recorder.handle('POST', path, headers, JSON.stringify(record)).status).toBe(422)
    const { witness_sig: _s, verifying_key_hex: _k, ...unsigned } = record
    expect(recorder.handle('POST', path, headers, JSON.stringify(unsigned)).status).toBe(201)
    expect(recorder.handle('POST', path, headers, JSON.stringify(unsigned)).status).toBe(200)
    expect(recorder.attestations).toHaveLength(1)
    expect(recorder.requests).toHaveLength(3)
    expect(recorder.handle('POST', path, {}, '{}').status).toBe(401)
  })

  it('redeems approval tokens once, echoing the tool and context, as the server does', async () => {
    const { mima, recorder } = createTestMima()
    const contextHash = hashValue({ order: 1 })
    let runs = 0
    const refund = mima.attest(
      { toolName: 'refund', approvalToken: { token: 'tok', approvalId: 'apr_x', contextHash } },
      () => ++runs,
    )
    expect(await refund()).toBe(1)
    await expect(refund()).rejects.toMatchObject({ code: 'approval_token_invalid' })
    expect(runs).toBe(1)
    expect(recorder.redeemedTokens).toEqual(['tok'])
    expect(recorder.attestationsFor('refund')).toEqual([expect.objectContaining({ approval_token: 'tok' })])
  })
})
