/**
 * The dashboard, served by the server at `/dashboard` (never under `/api`).
 *
 * - Pages are Hono JSX rendered on the server (`*-page.tsx`, `dashboard-layout.tsx`); JSX escapes
 *   every value, so nothing a client sent can become markup. No inline script or style: the CSP
 *   below allows only `/dashboard/assets/dashboard.{css,js}` (hand-written, no build step).
 * - Sign-in takes an approver or admin API key and opens a server-side session
 *   (`session-store.ts`: only the SHA-256 of the random cookie token is stored; an expired
 *   session, a sign-out or a revoked key ends it). Every page is scoped to the session's workspace.
 * - State-changing forms check Origin/Referer against Host and Sec-Fetch-Site, on top of the
 *   SameSite=Strict cookie.
 * - Data comes from the owning modules' functions (attestation/evidence stores, GRC readiness,
 *   the ledger, the approvals service and its event bus); decisions go through
 *   `ApprovalsService.decide`, so the dashboard applies exactly the API's rules.
 */
import { MimaError } from '@mima/core'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { streamSSE } from 'hono/streaming'
import type { ApprovalRow } from '../approvals/approval-store'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import { APPROVAL_EVENTS, type ApprovalsService } from '../approvals/approvals-service'
import { listAttestations } from '../attestations/attestation-store'
import type { ServerEvent } from '../events/event-bus'
import { listEvidence, summarizeEvidence } from '../evidence/evidence-store'
import { readReadiness } from '../grc/grc-store'
import { countUnattestedCalls } from '../guard-events/guard-event-store'
import type { AppEnv, ServerContext } from '../http/context'
import { watchCredential } from '../http/credential-watch'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { listAgentScopes, listTools } from '../policy/policy-registry-store'
import { listDecisions, listPolicies, listPolicyVersions, readPolicyVersion } from '../policy/policy-store'
import { findPrincipal } from '../workspaces/workspace-store'
import { ApprovalCard, ApprovalsPage, DecisionRow } from './approvals-page'
import { type AttestationPageFilters, AttestationsPage } from './attestations-page'
import { renderDocument } from './dashboard-layout'
import { DASHBOARD_MIGRATIONS } from './dashboard-migrations'
import {
  approvalsConsumedBy,
  countRecentRecords,
  type LedgerVerification,
  latestLeaves,
  verifyLedger,
} from './dashboard-queries'
import { DASHBOARD_SCRIPT } from './dashboard-script'
import { DASHBOARD_CSS } from './dashboard-styles'
import { EvidencePage, type EvidencePageFilters } from './evidence-page'
import { LedgerPage } from './ledger-page'
import { LoginPage } from './login-page'
import { registerMcpPages } from './mcp-pages'
import { OverviewPage } from './overview-page'
import { PoliciesPage, PolicyPage } from './policies-page'
import { createSession, type DashboardSession, deleteSession, findSession } from './session-store'
import { registerUsagePages } from './usage-pages'

/** The session cookie's name. */
export const SESSION_COOKIE = 'mima_session'

/**
 * The Content-Security-Policy of every dashboard response: scripts, styles and connections only
 * from this server, no inline script or style, no framing, forms post only here.
 */
export const DASHBOARD_CSP: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

const PAGE_SIZE = 50

/** Options for {@link createDashboardFeature}. */
export interface DashboardOptions {
  /**
   * How often an idle approvals stream sends a keep-alive and re-checks its session (a revoked key
   * or a sign-out ends the stream then). Default 15 s.
   */
  streamHeartbeatMs?: number
}

type DashboardContext = Context<AppEnv>

function wantsJson(c: DashboardContext): boolean {
  return (c.req.header('accept') ?? '').includes('application/json')
}

function html(c: DashboardContext, element: JSX.Element, status = 200): Response {
  return c.html(renderDocument(element), status as 200)
}

/**
 * Whether the browser reached us over HTTPS (directly, or through a TLS-terminating proxy that says
 * so): the cookie is then `Secure`. Trusting the header can only make the cookie stricter.
 */
function isHttps(c: DashboardContext): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  return forwarded === 'https' || new URL(c.req.url).protocol === 'https:'
}

/**
 * Cross-site request check for every state-changing form (on top of the SameSite=Strict cookie):
 * the browser's `Origin` (or, lacking it, `Referer`) must name this very host, and
 * `Sec-Fetch-Site`, when sent, must not say the request came from another site.
 * Returns why the request is refused, or undefined when it is same-origin.
 */
export function crossSiteReason(headers: {
  host: string | undefined
  origin: string | undefined
  referer: string | undefined
  fetchSite: string | undefined
}): string | undefined {
  if (
    headers.fetchSite !== undefined &&
    headers.fetchSite !== 'same-origin' &&
    headers.fetchSite !== 'none'
  ) {
    return `This form was submitted from another site (Sec-Fetch-Site: ${headers.fetchSite}).`
  }
  const source = headers.origin ?? headers.referer
  if (source === undefined || source === 'null' || headers.host === undefined) {
    return 'This form was submitted without an Origin header; submit it from the dashboard.'
  }
  let sourceHost: string
  try {
    sourceHost = new URL(source).host
  } catch {
    return 'This form was submitted with an unreadable Origin header.'
  }
  if (sourceHost !== headers.host) return `This form was submitted from another origin (${sourceHost}).`
  return undefined
}

function refuseCrossSite(c: DashboardContext): Response | undefined {
  const reason = crossSiteReason({
    host: c.req.header('host'),
    origin: c.req.header('origin'),
    referer: c.req.header('referer'),
    fetchSite: c.req.header('sec-fetch-site'),
  })
  if (reason === undefined) return undefined
  return c.json(
    { error: { code: 'forbidden', message: reason, request_id: c.get('requestId') }, detail: reason },
    403,
  )
}

async function sessionOf(c: DashboardContext): Promise<DashboardSession | undefined> {
  const token = getCookie(c, SESSION_COOKIE)
  if (token === undefined) return undefined
  const session = await findSession(c.get('server').database, token)
  // The access log names the workspace.
  if (session !== undefined) c.set('principal', session.principal)
  return session
}

function approvalsOf(server: ServerContext): ApprovalsService {
  const service = approvalsServiceOf(server)
  if (service === undefined)
    throw httpError('not_found', 'The approvals feature is not mounted on this server.')
  return service
}

function messageOf(error: unknown): string {
  if (MimaError.isInstance(error)) return error.message
  throw error
}

function text(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed.slice(0, 500)
}

/** A date-only `until` includes that whole day. */
function untilFilter(value: string | undefined): string | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const next = new Date(`${value}T00:00:00Z`)
  if (Number.isNaN(next.getTime())) return value
  next.setUTCDate(next.getUTCDate() + 1)
  return next.toISOString()
}

function pageLimit(c: DashboardContext): number {
  const raw = Number(c.req.query('limit') ?? PAGE_SIZE)
  return Number.isInteger(raw) && raw >= 1 && raw <= 200 ? raw : PAGE_SIZE
}

async function pendingApprovals(
  service: ApprovalsService,
  session: DashboardSession,
): Promise<ApprovalRow[]> {
  const { rows } = await service.list(session.principal, { status: 'pending', limit: '500' })
  return rows
}

function cardHtml(approval: ApprovalRow, session: DashboardSession): string {
  return String(<ApprovalCard approval={approval} viewer={session.principal} />)
}

/** Registers the dashboard's routes (`/dashboard/…`; never under `/api`). */
function registerDashboardRoutes(api: Hono<AppEnv>, server: ServerContext, options: DashboardOptions): void {
  const { database, ledger } = server
  const heartbeatMs = options.streamHeartbeatMs ?? 15_000

  const headers: MiddlewareHandler<AppEnv> = async (c, next) => {
    // The feature router is mounted at `/api` too; the dashboard lives only at `/dashboard`.
    if (c.req.path.startsWith('/api/'))
      throw httpError('not_found', `No route for ${c.req.method} ${c.req.path}.`)
    await next()
    c.header('Content-Security-Policy', DASHBOARD_CSP)
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('X-Frame-Options', 'DENY')
    c.header('Referrer-Policy', 'same-origin')
    c.header('Cross-Origin-Opener-Policy', 'same-origin')
    if (!c.req.path.startsWith('/dashboard/assets/')) c.header('Cache-Control', 'no-store')
  }
  api.use('/dashboard', headers)
  api.use('/dashboard/*', headers)

  /** A page that needs a session: redirects to sign-in without one. */
  const page =
    (render: (c: DashboardContext, session: DashboardSession) => Promise<Response>) =>
    async (c: DashboardContext): Promise<Response> => {
      const session = await sessionOf(c)
      if (session === undefined) return c.redirect('/dashboard/login', 303)
      return render(c, session)
    }

  api.get('/dashboard/assets/dashboard.css', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(DASHBOARD_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' })
  })
  api.get('/dashboard/assets/dashboard.js', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(DASHBOARD_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
  })

  api.get('/dashboard/login', async (c) => {
    if ((await sessionOf(c)) !== undefined) return c.redirect('/dashboard', 303)
    return html(
      c,
      <LoginPage notice={c.req.query('signed_out') === '1' ? 'You are signed out.' : undefined} />,
    )
  })

  api.post('/dashboard/login', async (c) => {
    const refused = refuseCrossSite(c)
    if (refused !== undefined) return refused
    const form = await c.req.parseBody()
    const key = typeof form.api_key === 'string' ? form.api_key.trim() : ''
    if (key === '') return html(c, <LoginPage error="Enter an API key." />, 400)
    const principal = await findPrincipal(database, key)
    if (principal === undefined) {
      return html(c, <LoginPage error="That API key is not valid: it is unknown or was revoked." />, 401)
    }
    if (principal.role === 'ingest') {
      return html(
        c,
        <LoginPage error="Ingest keys are for agents and cannot sign in to the dashboard: use an approver or admin key." />,
        403,
      )
    }
    const session = await createSession(database, principal)
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isHttps(c),
      expires: session.expiresAt,
    })
    server.logger.info('dashboard sign-in', {
      request_id: c.get('requestId'),
      workspace_id: principal.workspaceId,
      key_id: principal.keyId,
    })
    return c.redirect('/dashboard', 303)
  })

  api.post('/dashboard/logout', async (c) => {
    const refused = refuseCrossSite(c)
    if (refused !== undefined) return refused
    const token = getCookie(c, SESSION_COOKIE)
    if (token !== undefined) await deleteSession(database, token)
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) })
    return c.redirect('/dashboard/login?signed_out=1', 303)
  })

  api.get(
    '/dashboard',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const [readiness, counts, unattested24h, pending, head] = await Promise.all([
        readReadiness(database, { workspaceId }),
        countRecentRecords(database, workspaceId),
        countUnattestedCalls(database, workspaceId),
        pendingApprovals(approvalsOf(server), session),
        ledger.treeHead(database, workspaceId),
      ])
      return html(
        c,
        <OverviewPage
          session={session}
          data={{
            readiness,
            attestations24h: counts.attestations,
            evidence24h: counts.evidence,
            unattested24h,
            pendingApprovals: pending.length,
            head,
          }}
        />,
      )
    }),
  )

  api.get(
    '/dashboard/attestations',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const filters: AttestationPageFilters = {
        tool: text(c.req.query('tool')),
        system: text(c.req.query('system')),
        model: text(c.req.query('model')),
        trust_tier: text(c.req.query('trust_tier')),
        since: text(c.req.query('since')),
        until: text(c.req.query('until')),
      }
      const cursor = text(c.req.query('cursor'))
      try {
        const { attestations, next_cursor } = await listAttestations(database, workspaceId, {
          limit: pageLimit(c),
          cursor,
          toolName: filters.tool,
          systemName: filters.system,
          modelId: filters.model,
          trustTier: filters.trust_tier,
          since: filters.since,
          until: untilFilter(filters.until),
        })
        const approvals = await approvalsConsumedBy(
          database,
          workspaceId,
          attestations.map((attestation) => attestation.attestation_id),
        )
        return html(
          c,
          <AttestationsPage
            session={session}
            filters={filters}
            attestations={attestations}
            approvals={approvals}
            nextCursor={next_cursor}
            paged={cursor !== undefined}
          />,
        )
      } catch (error) {
        return html(
          c,
          <AttestationsPage
            session={session}
            filters={filters}
            attestations={[]}
            approvals={new Map()}
            nextCursor={null}
            paged={cursor !== undefined}
            error={messageOf(error)}
          />,
          400,
        )
      }
    }),
  )

  api.get(
    '/dashboard/evidence',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const filters: EvidencePageFilters = {
        record_type: text(c.req.query('record_type')),
        system: text(c.req.query('system')),
      }
      const cursor = text(c.req.query('cursor'))
      const where = { recordType: filters.record_type, systemName: filters.system }
      try {
        const [{ records, next_cursor }, summary] = await Promise.all([
          listEvidence(database, workspaceId, { ...where, limit: pageLimit(c), cursor }),
          summarizeEvidence(database, workspaceId, where),
        ])
        return html(
          c,
          <EvidencePage
            session={session}
            filters={filters}
            records={records}
            byRecordType={summary.by_record_type}
            total={summary.count}
            nextCursor={next_cursor}
            paged={cursor !== undefined}
          />,
        )
      } catch (error) {
        return html(
          c,
          <EvidencePage
            session={session}
            filters={filters}
            records={[]}
            byRecordType={{}}
            total={0}
            nextCursor={null}
            paged={cursor !== undefined}
            error={messageOf(error)}
          />,
          400,
        )
      }
    }),
  )

  const renderApprovals = async (
    c: DashboardContext,
    session: DashboardSession,
    options: { error?: string; notice?: string; status?: number } = {},
  ): Promise<Response> => {
    const service = approvalsOf(server)
    const [pending, all] = await Promise.all([
      pendingApprovals(service, session),
      service.list(session.principal, { status: 'all', limit: '60' }),
    ])
    const recent = all.rows.filter((row) => row.status !== 'pending').slice(0, 20)
    return html(
      c,
      <ApprovalsPage
        session={session}
        pending={pending}
        recent={recent}
        error={options.error}
        notice={options.notice}
      />,
      options.status ?? 200,
    )
  }

  api.get(
    '/dashboard/approvals',
    page(async (c, session) => {
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

  api.post('/dashboard/approvals/:id/decide', async (c) => {
    const refused = refuseCrossSite(c)
    if (refused !== undefined) return refused
    const session = await sessionOf(c)
    if (session === undefined) {
      if (wantsJson(c)) throw httpError('unauthorized', 'Your dashboard session ended: sign in again.')
      return c.redirect('/dashboard/login', 303)
    }
    const form = await c.req.parseBody()
    const decision = typeof form.decision === 'string' ? form.decision : undefined
    const reason =
      typeof form.reason === 'string' && form.reason.trim() !== '' ? form.reason.trim() : undefined
    try {
      // The approvals service applies every rule: role, requester, approver hint, expiry, once only.
      const row = await approvalsOf(server).decide(session.principal, c.req.param('id'), {
        decision,
        ...(reason === undefined ? {} : { reason }),
      })
      if (wantsJson(c)) return c.json({ id: row.approval_id, status: row.status })
      return c.redirect(`/dashboard/approvals?decided=${row.status}`, 303)
    } catch (error) {
      if (wantsJson(c) || !MimaError.isInstance(error)) throw error
      return renderApprovals(c, session, { error: error.message, status: error.status ?? 400 })
    }
  })

  // An admin (or the requesting key) cancels a request nobody will decide, e.g. one whose agent is
  // gone; the approvals service applies the rule and wakes the waiting client with "cancelled".
  api.post('/dashboard/approvals/:id/cancel', async (c) => {
    const refused = refuseCrossSite(c)
    if (refused !== undefined) return refused
    const session = await sessionOf(c)
    if (session === undefined) {
      if (wantsJson(c)) throw httpError('unauthorized', 'Your dashboard session ended: sign in again.')
      return c.redirect('/dashboard/login', 303)
    }
    try {
      const row = await approvalsOf(server).cancel(session.principal, c.req.param('id'))
      if (wantsJson(c)) return c.json({ id: row.approval_id, status: row.status })
      return c.redirect(`/dashboard/approvals?decided=${row.status}`, 303)
    } catch (error) {
      if (wantsJson(c) || !MimaError.isInstance(error)) throw error
      return renderApprovals(c, session, { error: error.message, status: error.status ?? 400 })
    }
  })

  api.get('/dashboard/approvals/stream', async (c) => {
    const session = await sessionOf(c)
    if (session === undefined) throw httpError('unauthorized', 'Sign in to the dashboard first.')
    const service = approvalsOf(server)
    const { workspaceId } = session.principal
    // Signing out or revoking the session's key ends the stream, before its next event and
    // within the key cache's lifetime on every replica.
    const sessionToken = getCookie(c, SESSION_COOKIE) ?? ''
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
              timer = setTimeout(() => resolve(true), heartbeatMs)
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

  const renderLedger = async (
    c: DashboardContext,
    session: DashboardSession,
    verification?: LedgerVerification,
  ): Promise<Response> => {
    const { workspaceId } = session.principal
    const head = verification?.head ?? (await ledger.treeHead(database, workspaceId))
    const leaves = await latestLeaves(database, ledger, workspaceId, head.tree_size, 20)
    return html(c, <LedgerPage session={session} head={head} leaves={leaves} verification={verification} />)
  }

  api.get(
    '/dashboard/policies',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const [policies, agents, tools] = await Promise.all([
        listPolicies(database, workspaceId),
        listAgentScopes(database, workspaceId),
        listTools(database, workspaceId),
      ])
      return html(c, <PoliciesPage session={session} policies={policies} agents={agents} tools={tools} />)
    }),
  )

  api.get(
    '/dashboard/policies/:name',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const name = c.req.param('name') ?? ''
      const versionText = c.req.query('version')
      const version =
        versionText !== undefined && /^\d{1,9}$/.test(versionText) ? Number(versionText) : undefined
      const policy = await readPolicyVersion(database, workspaceId, name, version)
      if (policy === undefined) throw httpError('not_found', `No policy "${name}" in this workspace.`)
      const [versions, decisions] = await Promise.all([
        listPolicyVersions(database, workspaceId, name),
        listDecisions(database, workspaceId, { policyName: name, limit: PAGE_SIZE }),
      ])
      return html(
        c,
        <PolicyPage session={session} policy={policy} versions={versions} decisions={decisions} />,
      )
    }),
  )

  api.get(
    '/dashboard/ledger',
    page((c, session) => renderLedger(c, session)),
  )

  api.post('/dashboard/ledger/verify', async (c) => {
    const refused = refuseCrossSite(c)
    if (refused !== undefined) return refused
    const session = await sessionOf(c)
    if (session === undefined) return c.redirect('/dashboard/login', 303)
    const verification = await verifyLedger(database, ledger, session.principal.workspaceId)
    return renderLedger(c, session, verification)
  })

  // Spend and agents (usage, budgets and agents, issue #16).
  registerUsagePages(api, server, { page, html, refuseCrossSite, sessionOf })
  registerMcpPages(api, server, { page, html, refuseCrossSite, sessionOf })
}

/**
 * Creates the dashboard feature: sign-in with an approver or admin key (server-side sessions),
 * overview, attestations, evidence, the live approvals queue and the ledger, rendered on the server.
 *
 * @example
 * ```ts
 * const features = [...FEATURES.filter((feature) => feature.name !== 'dashboard'), createDashboardFeature({ streamHeartbeatMs: 200 })]
 * await startServer({ features })
 * ```
 */
export function createDashboardFeature(options: DashboardOptions = {}): ServerFeature {
  return defineFeature({
    name: 'dashboard',
    migrations: DASHBOARD_MIGRATIONS,
    register: (api, server) => registerDashboardRoutes(api, server, options),
  })
}

/** The dashboard with default options (mounted in `FEATURES`). */
export const dashboardFeature: ServerFeature = createDashboardFeature()
