// Defect class 3 of issue #13: approval tokens had more than one valid spelling. A token must have
// exactly one: every altered spelling is refused, at redeem and in an attestation, and a token is
// spent once even when many callers race for it.
import { randomUUID } from 'node:crypto'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './support/http'

type Client = ReturnType<typeof client>
const HASH = 'a'.repeat(64)

/** Spellings of `token` that differ from it but decode to the same bytes under a lenient decoder. */
function alteredSpellings(token: string): Record<string, string> {
  const [prefix, claims, signature] = token.split('.') as [string, string, string]
  const last = signature.at(-1) as string
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  // 64 bytes in 86 characters: the last character's low 4 bits are unused.
  const sameBits = alphabet[alphabet.indexOf(last) + 1] as string
  const withSignature = (value: string) => `${prefix}.${claims}.${value}`
  return {
    'other unused bits': withSignature(`${signature.slice(0, -1)}${sameBits}`),
    'padding ==': withSignature(`${signature}==`),
    'appended !!': withSignature(`${signature}!!`),
    'inserted *': withSignature(`${signature.slice(0, 10)}*${signature.slice(10)}`),
    '+/ alphabet': withSignature(signature.replace(/-/g, '+').replace(/_/g, '/')),
    'claims padded': `${prefix}.${claims}=.${signature}`,
    'inserted space': withSignature(`${signature.slice(0, 20)} ${signature.slice(20)}`),
  }
}

describe.each(BACKENDS)('approval tokens on %s', (backend) => {
  let server: TestServer
  let agent: Client
  let approver: Client
  let base: string

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    base = `/api/workspaces/${server.workspaceId}/governance`
    agent = client(server.baseUrl, await server.createKey('ingest', 'agent'))
    approver = client(server.baseUrl, await server.createKey('approver', 'bob@example.com'))
  })
  afterAll(async () => {
    await server?.close()
  })

  async function approvedToken(actionType: string): Promise<string> {
    const created = await agent.post(`${base}/approvals`, { action_type: actionType, context: { n: 1 } })
    expect(created.status).toBe(201)
    const decided = await approver.post(`${base}/approvals/${created.json.id}/decide`, {
      decision: 'approve',
    })
    expect(decided.status).toBe(200)
    const read = await agent.get(`${base}/approvals/${created.json.id}`)
    expect(typeof read.json.token).toBe('string')
    return read.json.token as string
  }

  const attest = (token: string, toolName: string) =>
    agent.post(`${base}/attestations/external`, {
      system_name: 'payments',
      tool_name: toolName,
      input_hash: HASH,
      output_hash: HASH,
      executed_at: new Date().toISOString(),
      idempotency_key: randomUUID(),
      approval_token: token,
    })

  it('refuses every altered spelling, at redeem and in an attestation, and the original still works', async () => {
    // The '+/' spelling needs a '-' or '_' in the signature, which about one signature in 15 lacks.
    let token = await approvedToken('wire_transfer')
    for (let attempt = 0; !/[-_]/.test(token.split('.')[2] ?? '') && attempt < 20; attempt += 1) {
      token = await approvedToken('wire_transfer')
    }
    for (const [label, altered] of Object.entries(alteredSpellings(token))) {
      expect(altered, label).not.toBe(token)
      const redeemed = await agent.post(`${base}/approvals/redeem`, {
        token: altered,
        tool_name: 'wire_transfer',
      })
      expect([400, 422], `${label} at redeem: ${redeemed.text}`).toContain(redeemed.status)
      expect(redeemed.json.error.code, label).toBe('approval_token_invalid')
      const attested = await attest(altered, 'wire_transfer')
      expect([400, 422], `${label} in attestation: ${attested.text}`).toContain(attested.status)
    }
    expect((await attest(token, 'wire_transfer')).status).toBe(201)
  })

  it('refuses a forged signature and claims edited under the original signature', async () => {
    const token = await approvedToken('delete_user')
    const [prefix, claims, signature] = token.split('.') as [string, string, string]
    const edited = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>
    edited.act = 'delete_everything'
    const forgedClaims = Buffer.from(JSON.stringify(edited)).toString('base64url')
    const forged = [
      `${prefix}.${forgedClaims}.${signature}`,
      `${prefix}.${claims}.${Buffer.alloc(64, 7).toString('base64url')}`,
    ]
    for (const candidate of forged) {
      const attested = await attest(candidate, 'delete_everything')
      expect(attested.status, attested.text).toBe(422)
      expect(attested.json.error.code).toBe('approval_token_invalid')
    }
  })

  it('spends a token exactly once when twelve callers race for it', async () => {
    const summary = (answers: Array<{ status: number; text: string }>) =>
      answers.map((answer) => `${answer.status} ${answer.text.slice(0, 80)}`).join('\n')
    const succeeded = (answers: Array<{ status: number }>) =>
      answers.filter((answer) => answer.status === 200 || answer.status === 201)

    // Consumed by attestations directly (the Python SDK's path): one of twelve wins.
    const direct = await approvedToken('refund')
    const attested = await Promise.all(Array.from({ length: 12 }, () => attest(direct, 'refund')))
    expect(succeeded(attested), summary(attested)).toHaveLength(1)

    // Redeemed before the action (the TypeScript SDK's path): one of twelve redemptions wins, and
    // then exactly one of twelve attestations is linked to it.
    const redeemedFirst = await approvedToken('payout')
    const redeemed = await Promise.all(
      Array.from({ length: 12 }, () =>
        agent.post(`${base}/approvals/redeem`, { token: redeemedFirst, tool_name: 'payout' }),
      ),
    )
    expect(succeeded(redeemed), summary(redeemed)).toHaveLength(1)
    const linked = await Promise.all(Array.from({ length: 12 }, () => attest(redeemedFirst, 'payout')))
    expect(succeeded(linked), summary(linked)).toHaveLength(1)
    for (const answer of [...attested, ...redeemed, ...linked]) expect(answer.status).toBeLessThan(500)
  })
})
