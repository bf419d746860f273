import { createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { useClientHarness } from '../../test/create-mima-harness'
import { startTestServer } from '../../test/mima-test-server'
import type { AttestationPayload } from '../attestation/attestation-payload'
import { attestationSigningMessage } from '../attestation/sign-attestation'
import { getAttestedContext } from '../context/attested-context'
import { MimaError } from '../errors/mima-error'
import { verifyGrcSignature } from '../grc/sign-grc-record'
import { canonicalJson } from '../hashing/canonical-json'
import { sha256HexPortable } from '../hashing/sha256'
import { generateSigningKey, verifyingKeyHex } from '../signing/ed25519'

// What createMima puts on the record and around it: signatures, trace, GRC evidence, approval
// tokens (and the fail-closed gate that redeems them), usage.

const harness = useClientHarness()
const { client, attestationRequests } = harness

/** An Ed25519 verifying key (32 bytes, hex) as a node:crypto key: SPKI DER is a fixed prefix and the key. */
function ed25519PublicKey(hex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  })
}

describe('signatures, trace, evidence and approvals', () => {
  it('signs every attestation (v2) so that node:crypto verifies it independently, and the server says verified', async () => {
    const seed = generateSigningKey()
    const mima = client({ signingKey: seed })
    const result = await mima.push('signed', 'a'.repeat(64), 'b'.repeat(64), { modelId: 'm' })
    expect(result.trustTier).toBe('verified')
    const record = harness.server.recorder.attestations[0] as AttestationPayload
    expect(record.sig_alg).toBe('ed25519-jcs-v2')
    expect(record.verifying_key_hex).toBe(verifyingKeyHex(seed))
    const { witness_sig, verifying_key_hex, ...rest } = record
    const message = Buffer.from(canonicalJson(rest))
    expect(Buffer.from(attestationSigningMessage(record)).equals(message)).toBe(true)
    const key = ed25519PublicKey(verifying_key_hex as string)
    expect(nodeVerify(null, message, key, Buffer.from(witness_sig as string, 'hex'))).toBe(true)
  })

  it('trace records input, output and model, with a callback or `await using`', async () => {
    const mima = client()
    const value = await mima.trace('pipeline', async (trace) => {
      expect(getAttestedContext()?.toolName).toBe('pipeline')
      trace.setInput({ docs: 2 })
      trace.setOutput('done')
      trace.setModelId('gpt-4o')
      return 42
    })
    expect(value).toBe(42)
    {
      await using trace = mima.trace('disposable')
      trace.setInput([1])
    }
    await expect(
      mima.trace('broken', () => {
        throw new TypeError('x')
      }),
    ).rejects.toThrow(TypeError)
    const [pipeline, disposable, broken] = harness.server.recorder.attestations
    expect(pipeline).toMatchObject({
      tool_name: 'pipeline',
      model_id: 'gpt-4o',
      input_hash: sha256HexPortable('{"docs":2}'),
      output_hash: sha256HexPortable('"done"'),
    })
    expect(disposable).toMatchObject({
      tool_name: 'disposable',
      input_hash: sha256HexPortable('[1]'),
      output_hash: '',
    })
    expect(broken).toMatchObject({ tool_name: 'broken', outcome: 'error', error_type: 'TypeError' })
  })

  it('pushEvidence signs with the resolved workspace (never null) and returns a GrcResult', async () => {
    const mima = client({ workspaceId: undefined as never, hmacKey: 'grc-key' })
    const result = await mima.pushEvidence({
      record_type: 'access_review',
      payload: { user: 'alice', granted: true },
      system_name: 'loan-scorer',
      occurred_at: '2026-06-20T12:00:00+00:00',
    })
    expect(result).toMatchObject({ recordType: 'access_review', mappedControls: [], detail: 'ok' })
    expect(result.recordId).not.toBe('')
    const sent = harness.server.recorder.evidence[0]
    expect(sent?.client_sig_algo).toBe('hmac-sha256')
    expect(verifyGrcSignature(sent!, { key: 'grc-key', workspaceId: 'ws-test' })).toBe(true)
    const request = harness.server.requests.find((entry) => entry.path.endsWith('/grc/evidence'))
    expect(request?.headers['idempotency-key']).toBe(sent?.idempotency_key)
    await expect(mima.pushEvidence({ record_type: '', payload: {}, system_name: 's' })).rejects.toThrow(
      /record_type/,
    )
  })

  it('sends the approval token and pushes the oversight evidence after the attestation is accepted', async () => {
    const mima = client()
    const approve = mima.attest(
      {
        toolName: 'wire_transfer',
        mode: 'batch',
        approvalToken: {
          token: 'apt_123',
          approvalId: 'apr_1',
          oversightEvidence: {
            record_type: 'human_oversight',
            payload: { oversight_status: 'approved', approval_id: 'apr_1' },
            system_name: 'loan-scorer',
          },
        },
      },
      async () => getAttestedContext()?.approvalId,
    )
    expect(await approve()).toBe('apr_1')
    const paths = harness.server.requests.map((request) => request.path.split('/governance/')[1])
    expect(paths).toEqual(['approvals/redeem', 'attestations/external', 'grc/evidence'])
    expect(harness.server.recorder.attestations[0]?.approval_token).toBe('apt_123')
    expect(harness.server.recorder.evidence[0]?.record_type).toBe('human_oversight')
  })

  it('sends attest metadata with an approved call: an object, or a function of the result', async () => {
    const mima = client()
    const gated = mima.attest(
      {
        toolName: 'wire_transfer',
        approvalToken: 'apt_meta',
        metadata: (result: { ok: boolean } | undefined) => ({ server: 'bank', ok: result?.ok ?? null }),
      },
      async () => ({ ok: true }),
    )
    await gated()
    expect(harness.server.recorder.attestations[0]).toMatchObject({
      approval_token: 'apt_meta',
      metadata: { server: 'bank', ok: true },
    })
    mima.attest({ toolName: 'lookup', metadata: { server: 'bank' } }, () => 1)()
    await mima.flush()
    expect(harness.server.recorder.attestations[1]?.metadata).toEqual({ server: 'bank' })
  })

  it('keeps the oversight evidence with its attestation when the server is down, and delivers both in order', async () => {
    for (let index = 0; index < 3; index++) harness.server.script({ match: /external$/, status: 503 })
    const mima = client({ onError: 'silent' })
    const result = await mima.push('wire_transfer', '', '', {
      approvalToken: {
        token: 'apt_9',
        oversightEvidence: {
          record_type: 'human_oversight',
          payload: { oversight_status: 'approved', approval_id: 'apr_9' },
          system_name: 'loan-scorer',
        },
      },
    })
    expect(result.status).toBe('queued')
    expect(mima.pending).toBe(2)
    await mima.flush()
    expect(harness.server.recorder.attestations[0]?.approval_token).toBe('apt_9')
    expect(harness.server.recorder.evidence[0]?.payload).toEqual({
      oversight_status: 'approved',
      approval_id: 'apr_9',
    })
    const order = harness.server.requests
      .filter((request) => request.method === 'POST')
      .map((request) => request.path.split('/governance/')[1])
    expect(order.slice(-2)).toEqual(['attestations/batch', 'grc/evidence'])
  })

  it('accepts a timeout that proceeded: no approval_token, only its oversight evidence (under this system)', async () => {
    const mima = client()
    const timeoutToken = {
      status: 'timeout_unblocked',
      token: '',
      approvalId: 'apr_7',
      get oversightEvidence() {
        return {
          record_type: 'human_oversight',
          system_name: '',
          occurred_at: '2026-06-20T12:00:00.000Z',
          payload: {
            oversight_status: 'timeout_unblocked',
            approval_id: 'apr_7',
            action_type: 'refund',
            tool_name: 'refund',
          },
        }
      },
    }
    await mima.attest({ toolName: 'refund', approvalToken: timeoutToken }, async () => 'done')()
    expect(harness.server.recorder.attestations[0]).not.toHaveProperty('approval_token')
    expect(harness.server.recorder.evidence[0]).toMatchObject({
      system_name: 'loan-scorer',
      payload: { oversight_status: 'timeout_unblocked' },
    })
    expect(() => mima.attest({ toolName: 'x', approvalToken: { token: '' } }, () => 1)).toThrow(
      /approvalToken/,
    )
  })

  it('validates pushed hashes', async () => {
    const mima = client()
    await expect(mima.push('t', 'XYZ', '')).rejects.toMatchObject({ code: 'validation_failed' })
  })
})

describe('approval gate (fail closed)', () => {
  const governed = (): string[] =>
    harness.server.requests.map((request) => request.path.split('/governance/')[1] ?? request.path)

  it('redeems the token before the function runs, then attests with it', async () => {
    const mima = client()
    let seenAtRun: string[] = []
    const refund = mima.attest({ toolName: 'refund', approvalToken: 'tok_1' }, (order: string) => {
      seenAtRun = governed()
      return `refunded ${order}`
    })
    expect(await refund('A-1')).toBe('refunded A-1')
    expect(seenAtRun).toEqual(['approvals/redeem'])
    expect(harness.server.requests[0]?.body).toMatchObject({ token: 'tok_1', tool_name: 'refund' })
    expect(governed()).toEqual(['approvals/redeem', 'attestations/external'])
    expect(harness.server.recorder.attestations[0]?.approval_token).toBe('tok_1')
  })

  it('never runs the function for a refused token, whatever onError says', async () => {
    for (const onError of ['silent', 'warn', 'raise'] as const) {
      harness.server.recorder.clear()
      const mima = client({ onError })
      let runs = 0
      const act = mima.attest({ toolName: 'payout', approvalToken: `tok_${onError}` }, () => ++runs)
      expect(await act()).toBe(1)
      const failure = await act().catch((error: unknown) => error)
      expect(MimaError.isInstance(failure) && failure.code).toBe('approval_token_invalid')
      expect((failure as MimaError).status).toBe(422)
      expect(runs).toBe(1)
      expect(harness.server.recorder.attestationsFor('payout')).toHaveLength(1)
    }
  })

  it('refuses what the server refuses (another tool) and gives the approval id to the attested context', async () => {
    harness.server.recorder.clear()
    const refusing = await startTestServer({
      refuseApproval: (_token, tool) => (tool === 'open_account' ? 'approves close_account' : undefined),
    })
    try {
      const mima = client({ baseUrl: refusing.url })
      let runs = 0
      const open = mima.attest({ toolName: 'open_account', approvalToken: 'tok_c' }, async () => ++runs)
      await expect(open()).rejects.toMatchObject({ code: 'approval_token_invalid' })
      expect(runs).toBe(0)
      const close = mima.attest({ toolName: 'close_account', approvalToken: 'tok_c' }, async () =>
        getAttestedContext(),
      )
      expect((await close())?.approvalId).toMatch(/^apr_/)
    } finally {
      await refusing.close()
    }
  })

  it('fails closed with a retryable network_error when the server is unreachable', async () => {
    const port = harness.server.port
    await harness.server.close()
    const mima = client({ retry: { limit: 0 }, onError: 'silent' })
    let runs = 0
    const act = mima.attest({ toolName: 'wire', approvalToken: 'tok_down' }, () => ++runs)
    const failure = await act().catch((error: unknown) => error)
    expect(MimaError.isInstance(failure) && failure.code).toBe('network_error')
    expect((failure as MimaError).retryable).toBe(true)
    expect(runs).toBe(0)
    harness.server = await startTestServer({}, port) // for afterEach
  })

  it('a retried redemption whose answer was lost still runs the function once', async () => {
    harness.server.script({ match: /approvals\/redeem$/, status: 503, thenRecord: true })
    const mima = client()
    let runs = 0
    const act = mima.attest({ toolName: 'refund', approvalToken: 'tok_lost' }, async () => ++runs)
    expect(await act()).toBe(1)
    const redeems = harness.server.requests.filter((request) => request.path.endsWith('approvals/redeem'))
    expect(redeems).toHaveLength(2)
    const ids = redeems.map((request) => (request.body as { redemption_id?: string }).redemption_id)
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(ids[1]).toBe(ids[0])
    expect(harness.server.recorder.redeemedTokens).toEqual(['tok_lost'])
  })

  it('raise on an input without a canonical form: rejects before redeeming, so no token is spent', async () => {
    const mima = client({ onError: 'raise' })
    let runs = 0
    const act = mima.attest({ toolName: 'big', approvalToken: 'tok_big' }, (_amount: bigint) => ++runs)
    const pending = act(1n)
    expect(pending).toBeInstanceOf(Promise)
    await expect(pending).rejects.toThrow(/bigint at \$\[0\]/)
    expect(runs).toBe(0)
    expect(harness.server.recorder.redeemedTokens).toEqual([])
  })

  it('does not redeem a timeout that proceeded (empty token)', async () => {
    const mima = client()
    const result = mima.attest(
      {
        toolName: 'notify',
        approvalToken: {
          token: '',
          oversightEvidence: {
            record_type: 'human_oversight',
            payload: { oversight_status: 'timeout_unblocked' },
            system_name: '',
          },
        },
      },
      () => 'sent',
    )()
    expect(await result).toBe('sent')
    expect(governed()).not.toContain('approvals/redeem')
  })
})

describe('usage on the record', () => {
  it('sends provider, tokens, cost, session, parent and metadata, signed with the record', async () => {
    const seed = generateSigningKey()
    const mima = client({ signingKey: seed })
    await mima.push('chat', '', '', {
      modelId: 'gpt-4o',
      usage: {
        provider: 'openai',
        operation: 'chat.completions',
        inputTokens: 12,
        outputTokens: 0,
        cachedTokens: 4,
        costUsd: 0.00002,
        sessionId: 'session-1',
        parentAttestationId: 'parent-1',
        metadata: { step: 2 },
      },
    })
    const record = attestationRequests()[0]?.body as unknown as AttestationPayload
    expect(record).toMatchObject({
      provider: 'openai',
      operation: 'chat.completions',
      input_tokens: 12,
      output_tokens: 0,
      cached_tokens: 4,
      cost_usd: 0.00002,
      session_id: 'session-1',
      parent_attestation_id: 'parent-1',
      metadata: { step: 2 },
    })
    const publicKey = ed25519PublicKey(verifyingKeyHex(seed))
    expect(
      nodeVerify(
        null,
        attestationSigningMessage(record),
        publicKey,
        Buffer.from(record.witness_sig as string, 'hex'),
      ),
    ).toBe(true)
    await mima.close()
  })

  it('refuses negative or fractional token counts and a negative cost', async () => {
    const mima = client()
    await expect(mima.push('chat', '', '', { usage: { inputTokens: -1 } })).rejects.toThrow(
      /non-negative integer/,
    )
    await expect(mima.push('chat', '', '', { usage: { outputTokens: 1.5 } })).rejects.toThrow(
      /non-negative integer/,
    )
    await expect(mima.push('chat', '', '', { usage: { costUsd: -0.1 } })).rejects.toThrow(
      /non-negative number/,
    )
    expect(attestationRequests()).toHaveLength(0)
    await mima.close()
  })
})
