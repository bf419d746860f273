import { randomUUID } from 'node:crypto'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ApprovalToken, createApprovals, requireApproval, TimeoutToken } from '@mima/approvals'
import { createMima, hashValue, type Mima, MimaError } from '@mima/core'
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
    // The approver sees whom the agent acts for: the core client's authorisedBy identity.
    expect(pending.requestedFor).toBe('alice@example.com')
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

  /** The approval's consumption columns (white box). */
  async function consumption(approvalId: string): Promise<{
    consumed_by: string | null
    redeemed_at: unknown
    consumed_at: unknown
  }> {
    const { rows } = await fixture.server.server.database.query<{
      consumed_by: string | null
      redeemed_at: unknown
      consumed_at: unknown
    }>(
      'select consumed_by, redeemed_at, consumed_at from approvals where workspace_id = $1 and approval_id = $2',
      [fixture.server.workspaceId, approvalId],
    )
    return rows[0] as { consumed_by: string | null; redeemed_at: unknown; consumed_at: unknown }
  }

  /** Redeems `token` for `toolName` straight through the route (as an SDK does before the action). */
  async function redeem(
    token: string,
    toolName: string,
    options: { apiKey?: string; workspaceId?: string; redemptionId?: string } = {},
  ): Promise<{ status: number; code: string | undefined; body: Record<string, unknown> }> {
    const response = await fetch(
      `${fixture.server.baseUrl}/api/workspaces/${options.workspaceId ?? fixture.server.workspaceId}/governance/approvals/redeem`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.apiKey ?? fixture.agentKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          token,
          tool_name: toolName,
          ...(options.redemptionId === undefined ? {} : { redemption_id: options.redemptionId }),
        }),
      },
    )
    const body = (await response.json()) as Record<string, unknown> & { error?: { code?: string } }
    return { status: response.status, code: body.error?.code, body }
  }

  it('the approved path redeems before the action, runs it once, and the attestation links the approval', async () => {
    const context = { order: 'A-1042', amount: 120 }
    const token = await approvedToken('refund', context)
    expect(token.contextHash).toBe(hashValue(context))
    let runs = 0
    let consumedWhileRunning: unknown
    const issueRefund = mima.attest({ toolName: 'refund', approvalToken: token }, async (order: string) => {
      runs++
      // The gate: the token is already consumed (redeemed) when the action runs.
      consumedWhileRunning = (await consumption(token.approvalId)).consumed_at
      return `refunded ${order}`
    })
    expect(await issueRefund('A-1042')).toBe('refunded A-1042')
    expect(runs).toBe(1)
    expect(consumedWhileRunning).not.toBeNull()
    const approval = await fixture.bob.get(token.approvalId)
    expect(approval.consumedAt).toBeInstanceOf(Date)
    expect(approval.redeemedAt).toBeInstanceOf(Date)
    // The attestation that followed is linked to the approval.
    const row = await consumption(token.approvalId)
    expect(row.redeemed_at).not.toBeNull()
    const { rows: linked } = await fixture.server.server.database.query<{
      tool_name: string
      record: { approval_token?: string }
    }>('select tool_name, record from attestations where workspace_id = $1 and attestation_id = $2', [
      fixture.server.workspaceId,
      row.consumed_by,
    ])
    expect(linked).toHaveLength(1)
    expect(linked[0]?.tool_name).toBe('refund')
    expect(linked[0]?.record.approval_token).toBe(token.token)
    const rows = await oversightRecords()
    const approvedRecord = rows.find((record) => record.payload.approval_id === token.approvalId)
    // Approved: the human-oversight controls are earned.
    expect(approvedRecord?.mapped_controls).toContain('eu_ai_act:art_14')
    expect(rows.map((record) => record.payload)).toContainEqual({
      oversight_status: 'approved',
      approval_id: token.approvalId,
      approved_by: 'bob@example.com',
      action_type: 'refund',
      tool_name: 'refund',
    })
  })

  it('a second attest with the same token never runs the function (fail closed, whatever onError says)', async () => {
    const token = await approvedToken('refund_twice', { order: 'A-7' })
    const silent = createMima({
      apiKey: fixture.agentKey,
      baseUrl: fixture.server.baseUrl,
      systemName: 'payments-agent',
      onError: 'silent',
      flushOnExit: false,
      outbox: { directory: false },
    })
    try {
      let runs = 0
      const refundTwice = silent.attest(
        { toolName: 'refund_twice', approvalToken: token },
        async () => ++runs,
      )
      expect(await refundTwice()).toBe(1)
      const before = await attestationCount()
      const again = await rejectionOf(refundTwice())
      expect(MimaError.isInstance(again) && again.code).toBe('approval_token_invalid')
      expect(MimaError.isInstance(again) && again.status).toBe(422)
      expect(runs).toBe(1)
      expect(await attestationCount()).toBe(before)
    } finally {
      await silent.close()
    }
  })

  it('a token for another tool never runs the function, and stays usable for its own', async () => {
    const token = await approvedToken('delete_user', { user: 'u-1' })
    let runs = 0
    const other = mima.attest({ toolName: 'export_user', approvalToken: token }, async () => ++runs)
    const refused = await rejectionOf(other())
    expect(MimaError.isInstance(refused) && refused.code).toBe('approval_token_invalid')
    expect(runs).toBe(0)
    expect((await consumption(token.approvalId)).consumed_at).toBeNull()
    expect(
      await mima.attest({ toolName: 'delete_user', approvalToken: token }, async () => 'deleted')(),
    ).toBe('deleted')
  })

  it('100 concurrent calls of a gated function with one token run it exactly once', async () => {
    const token = await approvedToken('bulk_payout', { run: 1 })
    let runs = 0
    const payout = mima.attest({ toolName: 'bulk_payout', approvalToken: token }, async () => ++runs)
    const settled = await Promise.allSettled(Array.from({ length: 100 }, () => payout()))
    expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    const refusals = settled.filter(
      (result) =>
        result.status === 'rejected' &&
        MimaError.isInstance(result.reason) &&
        result.reason.code === 'approval_token_invalid',
    )
    expect(refusals).toHaveLength(99)
    expect(runs).toBe(1)
  })

  it('the redeem route refuses reuse, forgery, another tool and another workspace (422 approval_token_invalid)', async () => {
    const token = await approvedToken('rotate_keys', { env: 'prod' })
    expect(await redeem(token.token, 'rotate_other')).toMatchObject({
      status: 422,
      code: 'approval_token_invalid',
    })
    const [prefix, claims] = token.token.split('.') as [string, string, string]
    const forged = `${prefix}.${claims}.${Buffer.alloc(64, 7).toString('base64url')}`
    expect(await redeem(forged, 'rotate_keys')).toMatchObject({ status: 422, code: 'approval_token_invalid' })
    // Another workspace, with that workspace's own key.
    const created = await fetch(`${fixture.server.baseUrl}/api/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `other ${randomUUID()}` }),
    })
    const other = (await created.json()) as { workspace_id: string; admin_key: { key: string } }
    expect(
      await redeem(token.token, 'rotate_keys', {
        apiKey: other.admin_key.key,
        workspaceId: other.workspace_id,
      }),
    ).toMatchObject({ status: 422, code: 'approval_token_invalid' })
    expect((await consumption(token.approvalId)).consumed_at).toBeNull()
    // Redeemed once; a retry of the same redemption is answered again, anything else is reuse.
    const first = await redeem(token.token, 'rotate_keys', { redemptionId: 'r-1' })
    expect(first).toMatchObject({ status: 200, body: { status: 'redeemed', approval_id: token.approvalId } })
    expect((await redeem(token.token, 'rotate_keys', { redemptionId: 'r-1' })).status).toBe(200)
    expect(await redeem(token.token, 'rotate_keys', { redemptionId: 'r-2' })).toMatchObject({
      status: 422,
      code: 'approval_token_invalid',
    })
    expect(await redeem(token.token, 'rotate_keys')).toMatchObject({
      status: 422,
      code: 'approval_token_invalid',
    })
    // The redeemed token links exactly one attestation of its own tool; once linked, the retry id is spent too.
    expect(await present(token.token, 'rotate_other')).toEqual({
      status: 422,
      code: 'approval_token_invalid',
    })
    expect((await present(token.token, 'rotate_keys')).status).toBeLessThan(300)
    expect(await present(token.token, 'rotate_keys')).toEqual({ status: 422, code: 'approval_token_invalid' })
    expect(await redeem(token.token, 'rotate_keys', { redemptionId: 'r-1' })).toMatchObject({
      status: 422,
      code: 'approval_token_invalid',
    })
  })

  it('Python compatibility: an attestation with an unredeemed token still consumes it at ingest, once', async () => {
    const token = await approvedToken('python_action', { n: 1 })
    expect((await present(token.token, 'python_action')).status).toBeLessThan(300)
    const row = await consumption(token.approvalId)
    expect(row.redeemed_at).toBeNull()
    expect(row.consumed_by).not.toBeNull()
    expect(await present(token.token, 'python_action')).toEqual({
      status: 422,
      code: 'approval_token_invalid',
    })
    // …and a token consumed at ingest can no longer be redeemed.
    expect(await redeem(token.token, 'python_action')).toMatchObject({
      status: 422,
      code: 'approval_token_invalid',
    })
  })

  it('a TimeoutToken attests without a token and pushes timeout_unblocked evidence', async () => {
    const timeout = await requireApproval(mima, {
      actionType: 'notify_users',
      timeoutSeconds: 1,
      onTimeout: 'proceed',
    })
    expect(timeout).toBeInstanceOf(TimeoutToken)
    // With an approval (even a timeout that proceeded) the call is a promise; nothing is redeemed.
    expect(await mima.attest({ toolName: 'notify_users', approvalToken: timeout }, () => 'sent')()).toBe(
      'sent',
    )
    await mima.flush()
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
    // Redeeming it before an action is refused the same way.
    const expiredRedemption = await redeem(`mat1.${expiredClaims}.${expiredSignature}`, 'close_account')
    expect(expiredRedemption).toMatchObject({ status: 422, code: 'approval_token_invalid' })
    expect(JSON.stringify(expiredRedemption.body)).toMatch(/expired/)

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
