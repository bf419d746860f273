import type { Context, Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { ServerEvent } from '../events/event-bus'
import { type AppEnv, type Principal, readJsonObject, requireWorkspace } from '../http/context'
import { apiKeyCheck, watchCredential } from '../http/credential-watch'
import { httpError } from '../http/errors'
import type { ApprovalRow } from './approval-store'
import { APPROVAL_EVENTS, type ApprovalsService } from './approvals-service'

/** The header a server sets when it held a `?wait=` request (clients fall back to polling without it). */
export const LONG_POLL_HEADER = 'Mima-Long-Poll'

const BASE = '/workspaces/:ws/governance/approvals'

/**
 * The JSON form of an approval: the reference's field names (S5/S6, `approvals list`,
 * `approvals decide`). `token` is included only for the requesting key, once approved and unused.
 */
export function approvalToWire(
  row: ApprovalRow,
  principal: Principal,
  service: ApprovalsService,
): Record<string, unknown> {
  const decided = row.status === 'approved' || row.status === 'rejected' || row.status === 'cancelled'
  const token =
    row.status === 'approved' && row.consumed_at === null && row.requested_by_key_id === principal.keyId
      ? service.tokenFor(row)
      : undefined
  return {
    id: row.approval_id,
    approval_id: row.approval_id,
    status: row.status,
    action_type: row.action_type,
    context: row.context,
    context_hash: row.context_hash,
    description: row.description,
    system_name: row.system_name,
    agent_name: row.agent_name,
    approver_hint: row.approver_hint,
    requested_by: row.requested_by,
    requested_for: row.requested_for,
    requested_at: row.requested_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    decided_by: decided ? row.decided_by : null,
    // The Python SDK reads approved_by (also for the rejecting approver) and rejection_reason.
    approved_by: decided ? row.decided_by : null,
    decided_at: row.decided_at?.toISOString() ?? null,
    unblocked_at: decided ? (row.decided_at?.toISOString() ?? null) : null,
    reason: row.reason,
    rejection_reason: row.status === 'rejected' ? row.reason : null,
    ledger_leaf_index: row.decision_leaf_index,
    token_expires_at: row.token_expires_at?.toISOString() ?? null,
    consumed_at: row.consumed_at?.toISOString() ?? null,
    redeemed_at: row.redeemed_at?.toISOString() ?? null,
    ...(token === undefined ? {} : { token }),
  }
}

function parseWait(context: Context<AppEnv>): number | undefined {
  const raw = context.req.query('wait')
  if (raw === undefined || raw === '') return undefined
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw httpError('validation_failed', 'wait must be a number of seconds from 0 to 3600.', {
      field: 'wait',
    })
  }
  return seconds
}

interface NodeBindings {
  incoming?: { socket?: { end(): void } }
  outgoing?: { once(event: 'finish', listener: () => void): unknown }
}

/** During shutdown, closes the connection once this response is done (no keep-alive to wait out). */
function closeConnectionAfter(context: Context<AppEnv>): void {
  const env = context.env as NodeBindings | undefined
  env?.outgoing?.once('finish', () => env.incoming?.socket?.end())
}

function eventData(event: ServerEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, occurred_at: event.occurredAt, ...event.data })
}

/** Registers the approvals routes (paths without `/api`; the app mounts them under both). */
export function registerApprovalsRoutes(api: Hono<AppEnv>, service: ApprovalsService): void {
  api.post(BASE, async (c) => {
    const principal = requireWorkspace(c)
    const row = await service.create(principal, await readJsonObject(c))
    return c.json(approvalToWire(row, principal, service), 201)
  })

  // Before an approved action runs: consumes its token once, or answers 422 approval_token_invalid.
  api.post(`${BASE}/redeem`, async (c) => {
    const principal = requireWorkspace(c)
    const redemption = await service.redeem(principal, await readJsonObject(c))
    return c.json({
      status: 'redeemed',
      approval_id: redemption.approvalId,
      redemption_id: redemption.redemptionId,
      action_type: redemption.actionType,
      context_hash: redemption.contextHash,
      approved_by: redemption.approvedBy,
      redeemed_at: redemption.redeemedAt.toISOString(),
    })
  })

  api.get(BASE, async (c) => {
    const principal = requireWorkspace(c)
    const { rows, nextCursor } = await service.list(principal, {
      status: c.req.query('status'),
      limit: c.req.query('limit'),
      cursor: c.req.query('cursor'),
    })
    return c.json({
      approvals: rows.map((row) => approvalToWire(row, principal, service)),
      next_cursor: nextCursor ?? null,
    })
  })

  api.get(`${BASE}/stream`, (c) => {
    const principal = requireWorkspace(c)
    // Revoking the key ends the stream (on every replica within the key cache's lifetime).
    const credential = watchCredential(apiKeyCheck(c))
    return streamSSE(c, async (stream) => {
      const queue: ServerEvent[] = []
      let wake: (() => void) | undefined
      const unsubscribe = service.events.subscribe((event) => {
        if (event.workspaceId !== principal.workspaceId || !APPROVAL_EVENTS.includes(event.type)) return
        queue.push(event)
        wake?.()
      })
      const closed = service.closed
      stream.onAbort(() => {
        unsubscribe()
        wake?.()
      })
      try {
        await stream.writeSSE({
          event: 'ready',
          data: JSON.stringify({ workspace_id: principal.workspaceId }),
        })
        let lastWrite = Date.now()
        while (!stream.aborted && !service.isClosed) {
          if (queue.length > 0 && !(await credential.stillValid())) break
          while (queue.length > 0 && !stream.aborted) {
            const event = queue.shift() as ServerEvent
            await stream.writeSSE({ id: event.id, event: event.type, data: eventData(event) })
            lastWrite = Date.now()
          }
          if (queue.length > 0) continue
          let timer: ReturnType<typeof setTimeout> | undefined
          const idle = await Promise.race([
            new Promise<boolean>((resolve) => {
              wake = () => resolve(false)
              timer = setTimeout(() => resolve(true), Math.max(0, lastWrite + 15_000 - Date.now()))
            }),
            closed.then(() => false),
            credential.revoked.then(() => false),
          ])
          clearTimeout(timer)
          wake = undefined
          if (!(await credential.stillValid())) break
          if (idle && !stream.aborted) {
            await stream.write(': keep-alive\n\n')
            lastWrite = Date.now()
          }
        }
        if (!stream.aborted && !service.isClosed && !(await credential.stillValid())) {
          await stream.writeSSE({
            event: 'revoked',
            data: JSON.stringify({ reason: 'The API key of this stream was revoked.' }),
          })
        }
      } finally {
        credential.stop()
        unsubscribe()
        if (service.isClosed) closeConnectionAfter(c)
      }
    })
  })

  api.get(`${BASE}/:id`, async (c) => {
    const principal = requireWorkspace(c)
    const wait = parseWait(c)
    const id = await service.resolveId(principal, c.req.param('id'))
    const row = await service.get(principal, id, {
      ...(wait === undefined ? {} : { waitSeconds: wait }),
      signal: AbortSignal.any([c.req.raw.signal, service.shutdownSignal]),
    })
    if (wait !== undefined) c.header(LONG_POLL_HEADER, String(service.maxWaitFor(wait)))
    if (service.isClosed) c.header('Connection', 'close')
    return c.json(approvalToWire(row, principal, service))
  })

  api.post(`${BASE}/:id/decide`, async (c) => {
    const principal = requireWorkspace(c)
    const body = await readJsonObject(c)
    const row = await service.decide(principal, await service.resolveId(principal, c.req.param('id')), body)
    return c.json(approvalToWire(row, principal, service))
  })

  api.post(`${BASE}/:id/cancel`, async (c) => {
    const principal = requireWorkspace(c)
    const row = await service.cancel(principal, await service.resolveId(principal, c.req.param('id')))
    return c.json(approvalToWire(row, principal, service))
  })
}
