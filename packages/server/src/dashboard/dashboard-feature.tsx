/**
 * The dashboard, served by the server at `/dashboard` (never under `/api`).
 *
 * - Pages are Hono JSX rendered on the server (`*-page.tsx`, `dashboard-layout.tsx`); JSX escapes
 *   every value, so nothing a client sent can become markup. No inline script or style: the CSP
 *   (`dashboard-security.ts`) allows only `/dashboard/assets/*` from this server.
 * - Sign-in and sessions live in `sign-in-routes.tsx`; every page is scoped to the session's
 *   workspace.
 * - State-changing forms check Origin/Referer against Host and Sec-Fetch-Site, on top of the
 *   SameSite=Strict cookie (`DashboardKit.form`).
 * - Each group of pages registers itself through a small `register*Pages(api, kit)` module
 *   (`*-routes.tsx`, `usage-pages.tsx`); this file only wires them together.
 */
import type { Hono } from 'hono'
import type { AppEnv, ServerContext } from '../http/context'
import { defineFeature, type ServerFeature } from '../http/feature'
import { createOidcProvider, type OidcOptions } from '../people/oidc'
import { parseGroupRoles } from '../people/oidc-groups'
import { registerPeopleApi } from '../people/people-api'
import { registerApprovalPages } from './approvals-routes'
import { createDashboardKit } from './dashboard-kit'
import { DASHBOARD_MIGRATIONS } from './dashboard-migrations'
import { DASHBOARD_SCRIPT } from './dashboard-script'
import { dashboardHeaders } from './dashboard-security'
import { DASHBOARD_CSS } from './dashboard-styles'
import { registerEvidencePages } from './evidence/evidence-routes'
import { registerLedgerPages } from './ledger-routes'
import { registerManagePages } from './manage-routes'
import { registerUserPages } from './manage-users-routes'
import { registerMcpPages } from './mcp-pages'
import { PASSKEYS_SCRIPT } from './passkeys-script'
import { registerPeoplePages } from './people-routes'
import { registerPolicyPages } from './policies-routes'
import { registerRecordPages } from './records-routes'
import { registerSignInPages, sessionOf } from './sign-in-routes'
import { registerUsagePages } from './usage-pages'
import { webauthnBrowserBundle } from './webauthn-asset'

export { crossSiteReason, DASHBOARD_CSP } from './dashboard-security'
export { SESSION_COOKIE } from './sign-in-routes'

/** Options for {@link createDashboardFeature}. */
export interface DashboardOptions {
  /**
   * How often an idle approvals stream sends a keep-alive and re-checks its session (a revoked key
   * or a sign-out ends the stream then). Default 15 s.
   */
  streamHeartbeatMs?: number
  /**
   * The console's public URL, e.g. `https://mima.example.com` (default `MIMA_PUBLIC_URL`). Passkeys
   * belong to its host name and invite links start with it. Without one, the origin each request
   * came to is used (fine for one host name; set it behind a proxy that rewrites Host).
   */
  publicUrl?: string
  /**
   * Single sign-on with an OpenID Connect provider (default: `MIMA_OIDC_ISSUER`,
   * `MIMA_OIDC_CLIENT_ID`, `MIMA_OIDC_CLIENT_SECRET`, `MIMA_OIDC_NAME`; off when no issuer is set;
   * roles from groups with `MIMA_OIDC_GROUP_ROLES`, `MIMA_OIDC_GROUPS_CLAIM`,
   * `MIMA_OIDC_GROUPS_WORKSPACE` and `MIMA_OIDC_EXTRA_SCOPES`, see `docs/console-people.md`).
   */
  oidc?: OidcOptions
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function oidcFromEnvironment(): OidcOptions | undefined {
  const issuer = nonEmpty(process.env.MIMA_OIDC_ISSUER)
  const clientId = nonEmpty(process.env.MIMA_OIDC_CLIENT_ID)
  if (issuer === undefined || clientId === undefined) return undefined
  const groupRoles = nonEmpty(process.env.MIMA_OIDC_GROUP_ROLES)
  return {
    issuer,
    clientId,
    clientSecret: nonEmpty(process.env.MIMA_OIDC_CLIENT_SECRET),
    name: nonEmpty(process.env.MIMA_OIDC_NAME),
    extraScopes: nonEmpty(process.env.MIMA_OIDC_EXTRA_SCOPES)?.split(/\s+/),
    groupRoles: groupRoles === undefined ? undefined : parseGroupRoles(groupRoles),
    groupsClaim: nonEmpty(process.env.MIMA_OIDC_GROUPS_CLAIM),
    groupsWorkspace: nonEmpty(process.env.MIMA_OIDC_GROUPS_WORKSPACE),
  }
}

/** Registers the dashboard's routes (`/dashboard/…`; never under `/api`). */
function registerDashboardRoutes(api: Hono<AppEnv>, server: ServerContext, options: DashboardOptions): void {
  api.use('/dashboard', dashboardHeaders)
  api.use('/dashboard/*', dashboardHeaders)

  api.get('/dashboard/assets/dashboard.css', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(DASHBOARD_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' })
  })
  api.get('/dashboard/assets/dashboard.js', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(DASHBOARD_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
  })
  api.get('/dashboard/assets/passkeys.js', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(PASSKEYS_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
  })
  api.get('/dashboard/assets/webauthn.js', async (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(await webauthnBrowserBundle(), 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
  })

  const publicUrl = options.publicUrl ?? nonEmpty(process.env.MIMA_PUBLIC_URL)
  const oidcOptions = options.oidc ?? oidcFromEnvironment()
  const oidc = oidcOptions === undefined ? undefined : createOidcProvider(oidcOptions)
  const kit = createDashboardKit(server, sessionOf, { publicUrl, sso: oidc?.name })
  registerSignInPages(api, kit)
  registerPeoplePages(api, kit, { oidc })
  registerRecordPages(api, kit)
  registerApprovalPages(api, kit, { heartbeatMs: options.streamHeartbeatMs ?? 15_000 })
  registerPolicyPages(api, kit)
  registerLedgerPages(api, kit)
  // Spend and agents (usage, budgets and agents, issue #16).
  registerUsagePages(api, server, kit)
  registerMcpPages(api, server, kit)
  // Management (admins): users and invites, keys, webhooks, gates; the guard's reports.
  api.get(
    '/dashboard/manage',
    kit.page(async (c, session) =>
      c.redirect(
        session.principal.role === 'admin' ? '/dashboard/manage/users' : '/dashboard/manage/guard',
        303,
      ),
    ),
  )
  registerUserPages(api, kit)
  registerManagePages(api, kit)
  // The auditor's API for passkey-signed decisions (an API route, not a page).
  registerPeopleApi(api, server)
  // Readiness drill-down, systems, reports, record pages with browser-checked proofs (issue #18).
  registerEvidencePages(api, kit)
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
