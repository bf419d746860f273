import { randomUUID } from 'node:crypto'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ApprovalToken, createApprovals, requireApproval, TimeoutToken } from '@mima/approvals'
import { hashValue, type Mima, MimaError } from '@mima/core'
import { beforeAll, expect, it } from 'vitest'
import { type ApprovalsFixture, nextPending, rejectionOf, type SharedFixture } from './approvals-helpers'

const HASH = 'a'.repeat(64)

/** Registers these tests in the caller's describe block, over the shared fixture. */
export function tokenTests(shared: SharedFixture): void {
  let fixture: ApprovalsFixture
  let mima: Mima
  beforeAll(() => {
    fixture = shared.fixture
    mima = shared.mima
  })

  /** An approved token for `actionType`, obtained through a core client (no extra wiring). */
  async function approvedToken(
    actionType: string,
    context: Record<string, unknown> = {},
  ): Promise<ApprovalToken> {
    const waiting = requireApproval(mima, { actionType, context, timeoutSeconds: 60 })
    const pending = await nextPending(fixture.bob, actionType)
    await fixture.bob.decide(pending.id, 'approve')
    return waiting
  }

  /** Posts one attestation presenting `token`, straight to the ingest route. */
  async function present(
    token: string,
    toolName: string,
  ): Promise<{ status: number; code: string | undefined }> {
    const response = await fetch(
      `${fixture.server.baseUrl}/api/workspaces/${fixture.server.workspaceId}/governance/attestations/external`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${fixture.agentKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          system_name: 'payments-agent',
          tool_name: toolName,
          input_hash: HASH,
          output_hash: HASH,
          schema_version: 2,
          executed_at: new Date().toISOString(),
          idempotency_key: randomUUID(),
          approval_token: token,
        }),
      },
    )
    const body = (await response.json()) as { error?: { code?: string } }
    return { status: response.status, code: body.error?.code }
  }

  async function oversightRecords(): Promise<
    { payload: Record<string, unknown>; mapped_controls: string[] }[]
  > {
    const { rows } = await fixture.server.server.database.query<{
      payload: Record<string, unknown>
      mapped_controls: string[]
    }>(
      "select payload, mapped_controls from grc_evidence where workspace_id = $1 and record_type = 'human_oversight'",
      [fixture.server.workspaceId],
    )
    return rows
  }

  async function attestationCount(): Promise<number> {
    const { rows } = await fixture.server.server.database.query<{ count: number }>(
      'select count(*)::int as count from attestations where workspace_id = $1',
      [fixture.server.workspaceId],
    )
    return Number(rows[0]?.count)
  }

  it('works with a createMima client: attest presents the token once and pushes approved human_oversight evidence', async () => {
    const context = { order: 'A-1042', amount: 120 }
    const token = await approvedToken('refund', context)
    expect(token.contextHash).toBe(hashValue(context))
    const issueRefund = mima.attest(
      { toolName: 'refund', approvalToken: token },
      async (order: string) => `refunded ${order}`,
    )
    expect(await issueRefund('A-1042')).toBe('refunded A-1042')
    const approval = await fixture.bob.get(token.approvalId)
    expect(approval.consumedAt).toBeInstanceOf(Date)
    const rows = await oversightRecords()
    const approvedRecord = rows.find((row) => row.payload.approval_id === token.approvalId)
    // Approved: the human-oversight controls are earned.
    expect(approvedRecord?.mapped_controls).toContain('eu_ai_act:art_14')
    expect(rows.map((row) => row.payload)).toContainEqual({
      oversight_status: 'approved',
      approval_id: token.approvalId,
      approved_by: 'bob@example.com',
      action_type: 'refund',
      tool_name: 'refund',
    })
    // The same token again: refused, and nothing stored.
    const before = await attestationCount()
    const again = await rejectionOf(issueRefund('A-1042'))
    expect(MimaError.isInstance(again) && again.status).toBe(422)
    expect(await attestationCount()).toBe(before)
  })

  it('a TimeoutToken attests without a token and pushes timeout_unblocked evidence', async () => {
    const timeout = await requireApproval(mima, {
      actionType: 'notify_users',
      timeoutSeconds: 1,
      onTimeout: 'proceed',
    })
    expect(timeout).toBeInstanceOf(TimeoutToken)
    expect(mima.attest({ toolName: 'notify_users', approvalToken: timeout }, () => 'sent')()).toBe('sent')
    await mima.flush() // a sync function returns at once; its attestation and evidence follow
    const rows = await oversightRecords()
    // A timeout that proceeded earns nothing.
    expect(rows.find((row) => row.payload.approval_id === timeout.approvalId)?.mapped_controls).toEqual([])
    expect(rows.map((row) => row.payload)).toContainEqual({
      oversight_status: 'timeout_unblocked',
      approval_id: timeout.approvalId,
      action_type: 'notify_users',
      tool_name: 'notify_users',
    })
  })

  it('100 concurrent attempts to consume one token give exactly one success', async () => {
    const token = await approvedToken('payout', { batch: 7 })
    const before = await attestationCount()
    const results = await Promise.all(Array.from({ length: 100 }, () => present(token.token, 'payout')))
    const accepted = results.filter((result) => result.status >= 200 && result.status < 300)
    expect(accepted).toHaveLength(1)
    expect(
      results.filter((result) => result.status === 422 && result.code === 'approval_token_invalid'),
    ).toHaveLength(99)
    expect(await attestationCount()).toBe(before + 1)
  })

  it('a token is refused for a different action, when forged, altered or expired', async () => {
    const token = await approvedToken('close_account', { account: 'c-9' })
    const before = await attestationCount()
    expect(await present(token.token, 'open_account')).toEqual({
      status: 422,
      code: 'approval_token_invalid',
    })

    const [prefix, claims, signature] = token.token.split('.') as [string, string, string]
    const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>
    const altered = Buffer.from(JSON.stringify({ ...decoded, act: 'open_account' })).toString('base64url')
    expect(await present(`${prefix}.${altered}.${signature}`, 'open_account')).toEqual({
      status: 422,
      code: 'approval_token_invalid',
    })
    const forgedSignature = Buffer.alloc(64, 1).toString('base64url')
    expect(await present(`${prefix}.${claims}.${forgedSignature}`, 'close_account')).toEqual({
      status: 422,
      code: 'approval_token_invalid',
    })
    expect(await present('not-a-token', 'close_account')).toEqual({
      status: 400,
      code: 'approval_token_invalid',
    })

    // A correctly signed token whose expiry passed: sign it with the server's own key.
    const { createPrivateKey, sign } = await import('node:crypto')
    const { rows } = await fixture.server.server.database.query<{ value: string }>(
      "select value from server_settings where name = 'ledger_private_key_pkcs8'",
    )
    const key = createPrivateKey({
      key: Buffer.from(rows[0]?.value ?? '', 'hex'),
      format: 'der',
      type: 'pkcs8',
    })
    const expiredClaims = Buffer.from(
      JSON.stringify({ ...decoded, exp: Math.floor(Date.now() / 1000) - 60 }),
    ).toString('base64url')
    const expiredSignature = sign(null, Buffer.from(`mat1.${expiredClaims}`, 'ascii'), key).toString(
      'base64url',
    )
    const expired = await fetch(
      `${fixture.server.baseUrl}/api/workspaces/${fixture.server.workspaceId}/governance/attestations/external`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${fixture.agentKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          system_name: 'payments-agent',
          tool_name: 'close_account',
          input_hash: HASH,
          output_hash: HASH,
          approval_token: `mat1.${expiredClaims}.${expiredSignature}`,
        }),
      },
    )
    const body = (await expired.json()) as { error: { code: string; message: string } }
    expect(expired.status).toBe(422)
    expect(body.error.code).toBe('approval_token_invalid')
    expect(body.error.message).toMatch(/expired/)

    // None of that stored anything, and the genuine token still works once, for its own action.
    expect(await attestationCount()).toBe(before)
    expect((await present(token.token, 'close_account')).status).toBeLessThan(300)
    expect(await present(token.token, 'close_account')).toEqual({
      status: 422,
      code: 'approval_token_invalid',
    })
  })

  it('the client refuses a token the server bound to another action (fails closed)', async () => {
    const foreign = await approvedToken('foreign_action', { other: true })
    // A tampering proxy that answers every approval read with the foreign token.
    const target = new URL(fixture.server.baseUrl)
    const proxy = createServer((incoming, outgoing) => {
      const forward = httpRequest(
        new URL(incoming.url ?? '/', target),
        { method: incoming.method, headers: incoming.headers },
        (answer) => {
          const chunks: Buffer[] = []
          answer.on('data', (chunk: Buffer) => chunks.push(chunk))
          answer.on('end', () => {
            let body = Buffer.concat(chunks).toString('utf8')
            const parsed = JSON.parse(body || '{}') as Record<string, unknown>
            if (typeof parsed.token === 'string') body = JSON.stringify({ ...parsed, token: foreign.token })
            const { 'content-length': _length, ...headers } = answer.headers
            outgoing.writeHead(answer.statusCode ?? 502, headers)
            outgoing.end(body)
          })
        },
      )
      incoming.pipe(forward)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const agent = createApprovals({
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        apiKey: fixture.agentKey,
        workspaceId: fixture.server.workspaceId,
      })
      const waiting = rejectionOf(agent.requireApproval({ actionType: 'tampered_action', context: { n: 1 } }))
      const pending = await nextPending(fixture.bob, 'tampered_action')
      await fixture.bob.decide(pending.id, 'approve')
      const error = await waiting
      expect(MimaError.isInstance(error) && error.code).toBe('approval_token_invalid')
    } finally {
      await new Promise((resolve) => proxy.close(resolve))
    }
  })
}
