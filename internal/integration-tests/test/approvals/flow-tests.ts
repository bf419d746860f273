import {
  ApprovalCancelledError,
  ApprovalDeniedError,
  ApprovalTimeoutError,
  ApprovalToken,
  createApprovals,
  decodeApprovalToken,
  TimeoutToken,
} from '@mima/approvals'
import { hashValue, MimaError } from '@mima/core'
import { beforeAll, expect, it } from 'vitest'
import { type ApprovalsFixture, nextPending, rejectionOf, type SharedFixture } from './approvals-helpers'

/** Registers these tests in the caller's describe block, over the shared fixture. */
export function flowTests(shared: SharedFixture): void {
  let fixture: ApprovalsFixture
  beforeAll(() => {
    fixture = shared.fixture
  })

  it('approve: the waiting agent gets a server-signed token bound to the action; the decision is a ledger leaf', async () => {
    const context = { affected_users: 1200, policy: 'credit_v3' }
    const waiting = fixture.agent.requireApproval({
      actionType: 'credit_decision',
      context,
      timeoutSeconds: 60,
      description: 'Approve the credit_v3 rollout',
    })
    const pending = await nextPending(fixture.bob, 'credit_decision')
    expect(pending).toMatchObject({
      status: 'pending',
      context,
      contextHash: hashValue(context),
      requestedBy: 'agent-1',
      systemName: 'credit-engine',
      description: 'Approve the credit_v3 rollout',
      token: undefined,
    })
    const decided = await fixture.bob.decide(pending.id, 'approve', { reason: 'reviewed' })
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'bob@example.com', reason: 'reviewed' })
    expect(decided.token).toBeUndefined() // only the requesting key ever sees the token

    const token = await waiting
    expect(token).toBeInstanceOf(ApprovalToken)
    expect(token).toMatchObject({
      status: 'approved',
      approvalId: pending.id,
      actionType: 'credit_decision',
      approvedBy: 'bob@example.com',
      contextHash: hashValue(context),
    })
    expect(decodeApprovalToken(token.token)).toMatchObject({
      aid: pending.id,
      ws: fixture.server.workspaceId,
      act: 'credit_decision',
      ctx: hashValue(context),
      by: 'bob@example.com',
    })
    expect(token.oversightEvidence).toMatchObject({
      record_type: 'human_oversight',
      system_name: 'credit-engine',
      payload: {
        oversight_status: 'approved',
        approval_id: pending.id,
        approved_by: 'bob@example.com',
        action_type: 'credit_decision',
        tool_name: 'credit_decision',
      },
    })

    // Pending by default, everything with status=all; the decision is in the ledger.
    expect((await fixture.bob.list()).some((approval) => approval.id === pending.id)).toBe(false)
    expect(
      (await fixture.bob.list({ status: 'all' })).find((approval) => approval.id === pending.id)?.status,
    ).toBe('approved')
    const { server } = fixture.server
    const leafIndex = await server.ledger.leafIndexOf(server.database, fixture.server.workspaceId, pending.id)
    const [leaf] = await server.ledger.leaves(server.database, fixture.server.workspaceId, leafIndex, 1)
    expect(leaf).toMatchObject({ kind: 'approval_decision', record_id: pending.id })
  })

  it('reject: the agent gets ApprovalDeniedError with who and why, and a decision cannot be changed', async () => {
    const waiting = fixture.agent.requireApproval({
      actionType: 'wire_transfer',
      context: { amount: 50_000 },
    })
    const pending = await nextPending(fixture.carol, 'wire_transfer')
    await fixture.carol.decide(pending.id, 'reject', { reason: 'amount above policy' })
    const error = await rejectionOf(waiting)
    expect(error).toBeInstanceOf(ApprovalDeniedError)
    expect(error).toMatchObject({
      code: 'approval_denied',
      approvalId: pending.id,
      deniedBy: 'carol@example.com',
      reason: 'amount above policy',
    })
    const again = await rejectionOf(fixture.bob.decide(pending.id, 'approve'))
    expect(again).toMatchObject({ code: 'conflict', status: 409 })
    expect((await fixture.agent.get(pending.id)).status).toBe('rejected')
  })

  it("time out with onTimeout 'raise': ApprovalTimeoutError, and the request is expired on the server", async () => {
    const error = await rejectionOf(
      fixture.agent.requireApproval({ actionType: 'delete_records', timeoutSeconds: 1 }),
    )
    expect(error).toBeInstanceOf(ApprovalTimeoutError)
    const approvalId = (error as ApprovalTimeoutError).approvalId
    expect((error as ApprovalTimeoutError).timeoutSeconds).toBe(1)
    expect((await fixture.agent.get(approvalId)).status).toBe('expired')
    const late = await rejectionOf(fixture.bob.decide(approvalId, 'approve'))
    expect(late).toMatchObject({ code: 'conflict', status: 409 })
  })

  it("time out with onTimeout 'proceed': a TimeoutToken whose evidence earns nothing, and a warning", async () => {
    const warnings: string[] = []
    const agent = createApprovals(
      {
        baseUrl: fixture.server.baseUrl,
        apiKey: fixture.agentKey,
        workspaceId: fixture.server.workspaceId,
        systemName: 'credit-engine',
      },
      { onWarning: (message) => warnings.push(message) },
    )
    const token = await agent.requireApproval({
      actionType: 'send_email',
      timeoutSeconds: 1,
      onTimeout: 'proceed',
    })
    expect(token).toBeInstanceOf(TimeoutToken)
    expect(token.token).toBe('')
    expect(token.oversightEvidence.payload).toEqual({
      oversight_status: 'timeout_unblocked',
      approval_id: token.approvalId,
      action_type: 'send_email',
      tool_name: 'send_email',
    })
    expect(warnings.join('\n')).toMatch(/timeout_unblocked/)
  })

  it('cancel through an AbortSignal: ApprovalCancelledError and the request is cancelled on the server', async () => {
    const controller = new AbortController()
    const waiting = fixture.agent.requireApproval({ actionType: 'drop_table', signal: controller.signal })
    const pending = await nextPending(fixture.bob, 'drop_table')
    controller.abort(new Error('operator stopped the job'))
    const error = await rejectionOf(waiting)
    expect(error).toBeInstanceOf(ApprovalCancelledError)
    expect((error as ApprovalCancelledError).approvalId).toBe(pending.id)
    expect(((error as Error).cause as Error).message).toBe('operator stopped the job')
    expect((await fixture.bob.get(pending.id)).status).toBe('cancelled')
    // Already aborted: nothing is created.
    const before = (await fixture.bob.list({ status: 'all' })).length
    const early = await rejectionOf(
      fixture.agent.requireApproval({ actionType: 'x', signal: AbortSignal.abort() }),
    )
    expect(early).toBeInstanceOf(ApprovalCancelledError)
    expect((await fixture.bob.list({ status: 'all' })).length).toBe(before)
  })

  it('the approver hint restricts who may decide', async () => {
    const waiting = fixture.agent.requireApproval({ actionType: 'refund', approver: 'carol@example.com' })
    const pending = await nextPending(fixture.bob, 'refund')
    expect(pending.approverHint).toBe('carol@example.com')
    const refused = await rejectionOf(fixture.bob.decide(pending.id, 'approve'))
    expect(refused).toMatchObject({ code: 'forbidden', status: 403 })
    expect((refused as Error).message).toMatch(/carol@example.com/)
    expect((await fixture.bob.get(pending.id)).status).toBe('pending')
    await fixture.carol.decide(pending.id, 'approve')
    expect((await waiting).approvedBy).toBe('carol@example.com')
  })

  it('self-approval is refused, and an ingest key can never decide', async () => {
    // The admin requests; the same admin key cannot decide its own request.
    const waiting = fixture.admin.requireApproval({ actionType: 'rotate_keys', timeoutSeconds: 60 })
    const pending = await nextPending(fixture.bob, 'rotate_keys')
    const self = await rejectionOf(fixture.admin.decide(pending.id, 'approve'))
    expect(self).toMatchObject({ code: 'forbidden', status: 403 })
    expect((self as Error).message).toMatch(/requested/)
    const ingest = await rejectionOf(fixture.ingestDecider.decide(pending.id, 'approve'))
    expect(ingest).toMatchObject({ code: 'forbidden', status: 403 })
    expect((ingest as Error).message).toMatch(/ingest/)
    const requester = await rejectionOf(fixture.agent.decide(pending.id, 'approve'))
    expect(requester).toMatchObject({ code: 'forbidden', status: 403 })
    expect((await fixture.bob.get(pending.id)).status).toBe('pending')
    await fixture.bob.decide(pending.id, 'reject', { reason: 'not now' })
    expect(await rejectionOf(waiting)).toBeInstanceOf(ApprovalDeniedError)
  })

  it('bad input gets a clear 4xx and changes nothing', async () => {
    const post = (body: unknown) =>
      fetch(`${fixture.server.baseUrl}/workspaces/${fixture.server.workspaceId}/governance/approvals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fixture.agentKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const before = (await fixture.bob.list({ status: 'all' })).length
    for (const body of [
      {},
      { action_type: '' },
      { action_type: 'x', context: [1, 2] },
      { action_type: 'x', timeout_seconds: 0 },
      { action_type: 'x', timeout_seconds: 1.5 },
      { action_type: 'x', approver_hint: 42 },
    ]) {
      const response = await post(body)
      expect(response.status).toBe(422)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('validation_failed')
    }
    expect((await fixture.bob.list({ status: 'all' })).length).toBe(before)
    expect(await rejectionOf(fixture.bob.decide('no-such-id', 'approve'))).toMatchObject({ status: 404 })
    expect(await rejectionOf(fixture.bob.list({ status: 'nonsense' as 'all' }))).toMatchObject({
      status: 422,
    })
    const client = await rejectionOf(
      fixture.agent.requireApproval({ actionType: 'x', onTimeout: 'later' as 'raise' }),
    )
    expect(MimaError.isInstance(client) && client.code).toBe('validation_failed')
  })
}
