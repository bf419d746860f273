/**
 * The live approvals queue: the page, approve/reject/cancel forms and the SSE stream that keeps the
 * queue current. Decisions go through `ApprovalsService`, so the dashboard applies exactly the
 * API's rules.
 */
import { MimaError } from '@mima/core'
import type { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { PasskeySignature } from '../approvals/approval-record'
import type { ApprovalRow } from '../approvals/approval-store'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import { APPROVAL_EVENTS, type ApprovalsService } from '../approvals/approvals-service'
import type { ServerEvent } from '../events/event-bus'
import { type AppEnv, readJsonObject, type ServerContext } from '../http/context'
import { watchCredential } from '../http/credential-watch'
import { httpError } from '../http/errors'
import { approvalSigningOptions, decisionStatus, verifyApprovalSigning } from '../people/approval-signing'
import { ApprovalCard, ApprovalsPage, DecisionRow } from './approvals-page'
import { type AccessOptions, type DashboardContext, type DashboardKit, wantsJson } from './dashboard-kit'
import { type DashboardSession, findSession } from './session-store'
import { sessionTokenOf } from './sign-in-routes'

/** Options of {@link registerApprovalPages}. */
export interface ApprovalPagesOptions {
  /** How often an idle stream sends a keep-alive and re-checks its session. */
  heartbeatMs: number
}

/** The approvals service, or a 404 when the approvals feature is not mounted. */
export function approvalsOf(server: ServerContext): ApprovalsService {
  const service = approvalsServiceOf(server)
  if (service === undefined)
    throw httpError('not_found', 'The approvals feature is not mounted on this server.')
  return service
}

/** The session's workspace's pending requests. */
export async function pendingApprovals(
  service: ApprovalsService,
  session: DashboardSession,
): Promise<ApprovalRow[]> {
  const { rows } = await service.list(session.principal, { status: 'pending', limit: '500' })
  return rows
}

/** Who may decide: approvers and admins, keys and people alike (viewers and compliance get a 403). */
const DECIDERS: AccessOptions = { roles: ['approver', 'admin'] }

function cardHtml(approval: ApprovalRow, session: DashboardSession): string {
  return String(
    <ApprovalCard
      approval={approval}
      viewer={session.principal}
      signWithPasskey={session.user?.hasPasskey}
    />,
  )
}

/** `/dashboard/approvals`, its decide/cancel forms and `/dashboard/approvals/stream`. */
export function registerApprovalPages(
  api: Hono<AppEnv>,
  kit: DashboardKit,
  options: ApprovalPagesOptions,
): void {
  const { server } = kit
  const { database } = server

  const renderApprovals = async (
    c: DashboardContext,
    session: DashboardSession,
    view: { error?: string; notice?: string; status?: number } = {},
  ): Promise<Response> => {
    const service = approvalsOf(server)
    const [pending, all] = await Promise.all([
      pendingApprovals(service, session),
      service.list(session.principal, { status: 'all', limit: '60' }),
    ])
    const recent = all.rows.filter((row) => row.status !== 'pending').slice(0, 20)
    return kit.html(
      c,
      <ApprovalsPage
        session={session}
        pending={pending}
        recent={recent}
        error={view.error}
        notice={view.notice}
      />,
      view.status ?? 200,
    )
  }

  api.get(
    '/dashboard/approvals',
    kit.page(async (c, session) => {
      const decided = c.req.query('decided')
      return renderApprovals(
        c,
        session,
        decided === 'approved' || decided === 'rejected' || decided === 'cancelled'
          ? { notice: `The request was ${decided}.` }
          : {},
      )
    }),
  )

  // A person with a passkey signs the decision: the browser asks for WebAuthn options whose
  // challenge is the approval's action digest, then posts the assertion with the decision.
  api.post(
    '/dashboard/approvals/:id/passkey-options',
    kit.form(async (c, session) => {
      if (session.user === undefined || !session.user.hasPasskey) {
        throw httpError('bad_request', 'Only a person with a passkey signs decisions; decide without one.')
      }
      const body = await readJsonObject(c)
      const service = approvalsOf(server)
      const row = await service.get(
        session.principal,
        await service.resolveId(session.principal, c.req.param('id') ?? ''),
      )
      const result = await approvalSigningOptions(database, kit.relyingParty(c), {
        userId: session.user.userId,
        row,
        decision: decisionStatus(body.decision),
      })
      return c.json({
        challenge_id: result.challengeId,
        action_digest: result.actionDigest,
        options: result.options,
      })
    }, DECIDERS),
  )

  api.post(
    '/dashboard/approvals/:id/decide',
    kit.form(async (c, session) => {
      const form = await c.req.parseBody()
      const decision = typeof form.decision === 'string' ? form.decision : undefined
      const reason =
        typeof form.reason === 'string' && form.reason.trim() !== '' ? form.reason.trim() : undefined
      try {
        const service = approvalsOf(server)
        const id = c.req.param('id') ?? ''
        // A person who has a passkey must sign: the assertion is verified against the action
        // digest of this approval and decision before anything is written.
        let passkey: PasskeySignature | undefined
        if (session.user?.hasPasskey === true) {
          const row = await service.get(session.principal, id)
          passkey = await verifyApprovalSigning(database, kit.relyingParty(c), {
            userId: session.user.userId,
            row,
            decision: decisionStatus(decision),
            challengeId: form.challenge_id,
            assertion: form.assertion,
          })
        }
        // The approvals service applies every rule: role, requester, approver hint, expiry, once only.
        const row = await service.decide(
          session.principal,
          id,
          { decision, ...(reason === undefined ? {} : { reason }) },
          passkey === undefined ? {} : { passkey },
        )
        if (wantsJson(c))
          return c.json({ id: row.approval_id, status: row.status, signed: passkey !== undefined })
        return c.redirect(`/dashboard/approvals?decided=${row.status}`, 303)
      } catch (error) {
        if (wantsJson(c) || !MimaError.isInstance(error)) throw error
        return renderApprovals(c, session, { error: error.message, status: error.status ?? 400 })
      }
    }, DECIDERS),
  )

  // An admin (or the requesting key) cancels a request nobody will decide, e.g. one whose agent is
  // gone; the approvals service applies the rule and wakes the waiting client with "cancelled".
  api.post(
    '/dashboard/approvals/:id/cancel',
    kit.form(async (c, session) => {
      try {
        const row = await approvalsOf(server).cancel(session.principal, c.req.param('id') ?? '')
        if (wantsJson(c)) return c.json({ id: row.approval_id, status: row.status })
        return c.redirect(`/dashboard/approvals?decided=${row.status}`, 303)
      } catch (error) {
        if (wantsJson(c) || !MimaError.isInstance(error)) throw error
        return renderApprovals(c, session, { error: error.message, status: error.status ?? 400 })
      }
    }),
  )

  api.get('/dashboard/approvals/stream', async (c) => {
    const session = await kit.sessionOf(c)
    if (session === undefined) throw httpError('unauthorized', 'Sign in to the dashboard first.')
    const service = approvalsOf(server)
    const { workspaceId } = session.principal
    // Signing out or revoking the session's key ends the stream, before its next event and
    // within the key cache's lifetime on every replica.
    const sessionToken = sessionTokenOf(c)
    const credential = watchCredential(async () => (await findSession(database, sessionToken)) !== undefined)
    return streamSSE(c, async (stream) => {
      const queue: ServerEvent[] = []
      let wake: (() => void) | undefined
      // Subscribe before reading the snapshot, so nothing slips between the two.
      const unsubscribe = service.events.subscribe((event) => {
        if (event.workspaceId !== workspaceId || !APPROVAL_EVENTS.includes(event.type)) return
        queue.push(event)
        wake?.()
      })
      stream.onAbort(() => {
        unsubscribe()
        wake?.()
      })
      try {
        const pending = await pendingApprovals(service, session)
        await stream.writeSSE({
          event: 'snapshot',
          data: JSON.stringify({
            approvals: pending.map((row) => ({ id: row.approval_id, html: cardHtml(row, session) })),
          }),
        })
        while (!stream.aborted && !service.isClosed) {
          if (queue.length > 0 && !(await credential.stillValid())) break
          const event = queue.shift()
          if (event !== undefined) {
            const id = String(event.data.approval_id)
            if (event.type === 'approval.requested') {
              const row = await service.get(session.principal, id).catch(() => undefined)
              if (row?.status !== 'pending') continue
              await stream.writeSSE({
                id: event.id,
                event: event.type,
                data: JSON.stringify({ id, html: cardHtml(row, session) }),
              })
            } else {
              const row = await service.get(session.principal, id).catch(() => undefined)
              await stream.writeSSE({
                id: event.id,
                event: event.type,
                data: JSON.stringify({
                  id,
                  status: String(event.data.status),
                  ...(row === undefined ? {} : { decision_html: String(<DecisionRow approval={row} />) }),
                }),
              })
            }
            continue
          }
          let timer: ReturnType<typeof setTimeout> | undefined
          const heartbeat = await Promise.race([
            new Promise<boolean>((resolve) => {
              wake = () => resolve(false)
              timer = setTimeout(() => resolve(true), options.heartbeatMs)
            }),
            service.closed.then(() => false),
            credential.revoked.then(() => false),
          ])
          clearTimeout(timer)
          wake = undefined
          if (!(await credential.stillValid())) break
          if (heartbeat && !stream.aborted) await stream.write(': keep-alive\n\n')
        }
        if (!stream.aborted && !service.isClosed && !(await credential.stillValid())) {
          await stream.writeSSE({ event: 'signed-out', data: '{}' })
        }
      } finally {
        credential.stop()
        unsubscribe()
      }
    })
  })
}
