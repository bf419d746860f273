/**
 * Every dashboard page, for the accessibility (axe-core) check and the screenshots in
 * `evidence-browser.test.ts` (`accessibilityTests` in `evidence-page-tests.ts`). ADD YOUR PAGE HERE when you add one: the check then covers it.
 * `path` gets the ids of records the test seeded. The check signs in with an API key; pages only a
 * person's session (or an invite link) opens are in {@link PERSON_PAGES}, checked by
 * `test/people/person-pages-browser.test.ts`, which also fails when a page route is in neither list.
 */
export interface DashboardPageEntry {
  name: string
  path: (ids: SeededIds) => string
  /** Saved as a screenshot (desktop and phone widths). */
  screenshot?: boolean
  /** Opened without a session (the sign-in page redirects signed-in users). */
  signedOut?: boolean
}

/** Record ids the browser test seeds, for pages that show one record. */
export interface SeededIds {
  attestationId: string
  evidenceId: string
  controlId: string
}

export const DASHBOARD_PAGES: readonly DashboardPageEntry[] = [
  { name: 'overview', path: () => '/dashboard', screenshot: true },
  { name: 'attestations', path: () => '/dashboard/attestations' },
  { name: 'evidence', path: () => '/dashboard/evidence' },
  { name: 'approvals', path: () => '/dashboard/approvals', screenshot: true },
  { name: 'policies', path: () => '/dashboard/policies' },
  { name: 'policy', path: () => '/dashboard/policies/support' },
  { name: 'ledger', path: () => '/dashboard/ledger', screenshot: true },
  { name: 'spend', path: () => '/dashboard/spend' },
  { name: 'agents', path: () => '/dashboard/agents' },
  { name: 'mcp', path: () => '/dashboard/mcp' },
  { name: 'readiness', path: () => '/dashboard/readiness', screenshot: true },
  { name: 'readiness-framework', path: () => '/dashboard/readiness/eu_ai_act', screenshot: true },
  {
    name: 'readiness-control',
    path: (ids) => `/dashboard/readiness/eu_ai_act/controls/${encodeURIComponent(ids.controlId)}`,
    screenshot: true,
  },
  {
    name: 'readiness-control-uncovered',
    path: () => '/dashboard/readiness/eu_ai_act/controls/eu_ai_act%3Aart_73',
  },
  {
    name: 'attestation-record',
    path: (ids) => `/dashboard/attestations/${ids.attestationId}`,
    screenshot: true,
  },
  { name: 'evidence-record', path: (ids) => `/dashboard/evidence/${ids.evidenceId}` },
  { name: 'systems', path: () => '/dashboard/systems' },
  { name: 'system', path: () => '/dashboard/systems/support-bot', screenshot: true },
  { name: 'reports', path: () => '/dashboard/reports', screenshot: true },
  {
    name: 'report-article12',
    path: () => '/dashboard/reports/article12?system=support-bot',
    screenshot: true,
  },
  { name: 'report-summary', path: () => '/dashboard/reports/summary?agent=triage' },
  { name: 'manage-users', path: () => '/dashboard/manage/users' },
  { name: 'manage-keys', path: () => '/dashboard/manage/keys' },
  { name: 'manage-webhooks', path: () => '/dashboard/manage/webhooks' },
  { name: 'manage-gates', path: () => '/dashboard/manage/gates' },
  { name: 'manage-guard', path: () => '/dashboard/manage/guard' },
  { name: 'login', path: () => '/dashboard/login', signedOut: true },
]

/** What the person-pages test made, for the pages that need it. */
export interface PersonContext {
  /** `/dashboard/invite/{token}` of an open invite. */
  invitePath: string
}

/** A page only a person's session (or an invite link) opens. */
export interface PersonPageEntry {
  name: string
  path: (context: PersonContext) => string
  screenshot?: boolean
  /** Opened without a session (an invite link is opened before its person has an account). */
  signedOut?: boolean
}

/** Pages an API-key session cannot open. ADD YOUR PAGE HERE when it needs a person. */
export const PERSON_PAGES: readonly PersonPageEntry[] = [
  { name: 'account', path: () => '/dashboard/account', screenshot: true },
  { name: 'invite', path: (context) => context.invitePath, signedOut: true },
]

/**
 * GET routes under `/dashboard` that are not pages: assets, the JSON the page scripts fetch, the
 * live stream, the single sign-on redirects, and `/dashboard/manage` (a redirect to its first tab).
 */
export const NOT_PAGES: readonly RegExp[] = [
  /^\/dashboard\/assets\//,
  /^\/dashboard\/proofs\//,
  /^\/dashboard\/ledger\/consistency$/,
  /^\/dashboard\/approvals\/stream$/,
  /^\/dashboard\/sso\//,
  /^\/dashboard\/manage$/,
  /^\/dashboard\/reports\/[^/]+\/export$/,
]
