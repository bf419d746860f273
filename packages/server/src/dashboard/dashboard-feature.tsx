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
import { registerApprovalPages } from './approvals-routes'
import { createDashboardKit } from './dashboard-kit'
import { DASHBOARD_MIGRATIONS } from './dashboard-migrations'
import { DASHBOARD_SCRIPT } from './dashboard-script'
import { dashboardHeaders } from './dashboard-security'
import { DASHBOARD_CSS } from './dashboard-styles'
import { registerEvidencePages } from './evidence/evidence-routes'
import { registerLedgerPages } from './ledger-routes'
import { registerPolicyPages } from './policies-routes'
import { registerRecordPages } from './records-routes'
import { registerSignInPages, sessionOf } from './sign-in-routes'
import { registerUsagePages } from './usage-pages'

export { crossSiteReason, DASHBOARD_CSP } from './dashboard-security'
export { SESSION_COOKIE } from './sign-in-routes'

/** Options for {@link createDashboardFeature}. */
export interface DashboardOptions {
  /**
   * How often an idle approvals stream sends a keep-alive and re-checks its session (a revoked key
   * or a sign-out ends the stream then). Default 15 s.
   */
  streamHeartbeatMs?: number
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

  const kit = createDashboardKit(server, sessionOf)
  registerSignInPages(api, kit)
  registerRecordPages(api, kit)
  registerApprovalPages(api, kit, { heartbeatMs: options.streamHeartbeatMs ?? 15_000 })
  registerPolicyPages(api, kit)
  registerLedgerPages(api, kit)
  // Spend and agents (usage, budgets and agents, issue #16).
  registerUsagePages(api, server, kit)
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
