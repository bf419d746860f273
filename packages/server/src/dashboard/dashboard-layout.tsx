import type { Child } from 'hono/jsx'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { DashboardSession } from './session-store'

/** The dashboard's sections, in navigation order. */
export type DashboardSection =
  | 'overview'
  | 'attestations'
  | 'evidence'
  | 'approvals'
  | 'policies'
  | 'ledger'
  | 'spend'
  | 'agents'
  | 'readiness'
  | 'systems'
  | 'reports'
  | 'manage'
  | 'account'
  | 'mcp'

const SECTIONS: readonly { id: DashboardSection; label: string; href: string }[] = [
  { id: 'overview', label: 'Overview', href: '/dashboard' },
  { id: 'attestations', label: 'Attestations', href: '/dashboard/attestations' },
  { id: 'evidence', label: 'Evidence', href: '/dashboard/evidence' },
  { id: 'approvals', label: 'Approvals', href: '/dashboard/approvals' },
  { id: 'readiness', label: 'Readiness', href: '/dashboard/readiness' },
  { id: 'systems', label: 'Systems', href: '/dashboard/systems' },
  { id: 'reports', label: 'Reports', href: '/dashboard/reports' },
  { id: 'policies', label: 'Policies', href: '/dashboard/policies' },
  { id: 'ledger', label: 'Ledger', href: '/dashboard/ledger' },
  { id: 'spend', label: 'Spend', href: '/dashboard/spend' },
  { id: 'agents', label: 'Agents', href: '/dashboard/agents' },
  { id: 'mcp', label: 'MCP', href: '/dashboard/mcp' },
  // Keys, webhooks, gates, users and the guard's reports (admins manage, others read the reports).
  { id: 'manage', label: 'Manage', href: '/dashboard/manage' },
]

/** The HTML document around every dashboard page. */
export function Document(props: { title: string; children?: Child }): JSX.Element {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · Mima`}</title>
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css" />
        <script src="/dashboard/assets/dashboard.js" defer></script>
        <script src="/dashboard/assets/webauthn.js" defer></script>
        <script src="/dashboard/assets/passkeys.js" defer></script>
      </head>
      <body>{props.children}</body>
    </html>
  )
}

/** A signed-in page: header with navigation, the signed-in key and sign-out, then the content. */
export function Layout(props: {
  session: DashboardSession
  section: DashboardSection
  title: string
  pendingApprovals?: number | undefined
  children?: Child
}): JSX.Element {
  const { principal, workspaceName } = props.session
  return (
    <Document title={props.title}>
      <header class="top">
        <div class="bar">
          <a class="brand" href="/dashboard">
            Mima
          </a>
          <nav aria-label="Dashboard">
            {SECTIONS.map((section) => (
              <a href={section.href} aria-current={section.id === props.section ? 'page' : undefined}>
                {section.label}
                {section.id === 'approvals' && props.pendingApprovals !== undefined ? (
                  <>
                    {' '}
                    <span class="badge info" data-pending-count="">
                      {props.pendingApprovals}
                    </span>
                  </>
                ) : null}
              </a>
            ))}
          </nav>
          <div class="who">
            <span title={`Workspace ${principal.workspaceId}`}>
              {workspaceName} ·{' '}
              {props.session.user === undefined ? (
                principal.keyName
              ) : (
                <a href="/dashboard/account" id="account-link">
                  {props.session.user.displayName}
                </a>
              )}{' '}
              ({principal.role})
            </span>
            <form method="post" action="/dashboard/logout">
              <button type="submit">Sign out</button>
            </form>
          </div>
        </div>
      </header>
      <main>
        <div id="flash" role="status" aria-live="polite" hidden></div>
        {props.children}
      </main>
    </Document>
  )
}

/** An ISO time shown in UTC (`2026-11-21 19:59:14Z`), or a dash. */
export function Time(props: { value: string | Date | null | undefined }): JSX.Element {
  if (props.value === null || props.value === undefined || props.value === '')
    return <span class="muted">—</span>
  const date = props.value instanceof Date ? props.value : new Date(props.value)
  if (Number.isNaN(date.getTime())) return <span>{String(props.value)}</span>
  const iso = date.toISOString()
  return (
    <time datetime={iso} title={iso}>
      {`${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`}
    </time>
  )
}

/** A notice box (errors, confirmations). */
export function Notice(props: { kind: 'error' | 'ok' | 'info'; children?: Child }): JSX.Element {
  return (
    <div class={`notice ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  )
}

/** A horizontal bar: attested share, then inferred share, of 100. */
export function ReadinessBar(props: {
  attestedPct: number
  inferredPct: number
  label: string
}): JSX.Element {
  const attested = Math.max(0, Math.min(100, props.attestedPct))
  const inferred = Math.max(0, Math.min(100 - attested, props.inferredPct))
  return (
    <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={props.label}>
      <rect class="attested" x="0" y="0" width={String(attested)} height="10" />
      <rect class="inferred" x={String(attested)} y="0" width={String(inferred)} height="10" />
    </svg>
  )
}

/** A short id with the full id in a tooltip. */
export function ShortId(props: { id: string }): JSX.Element {
  return (
    <code title={props.id}>
      {props.id.length > 13 ? `${props.id.slice(0, 8)}…${props.id.slice(-4)}` : props.id}
    </code>
  )
}

/** Renders a page element as a complete HTML document string. */
export function renderDocument(element: JSX.Element): string {
  return `<!doctype html>${String(element)}`
}

/** A one-button form that posts a destructive action (revoke, delete, remove) to `action`. */
export function RejectForm(props: { action: string; label: string; class?: string }): JSX.Element {
  return (
    <form method="post" action={props.action} class={props.class}>
      <button type="submit" class="reject">
        {props.label}
      </button>
    </form>
  )
}

/**
 * A table of `rows`, one `<tr>` each from `row`, under `headings`. With `empty` set, a page with no
 * rows shows that text instead of an empty table (`null`: nothing at all).
 */
export function DataTable<Row>(props: {
  id?: string
  class?: string
  /** More attributes of the `<table>` (`data-*`). */
  attributes?: Record<string, string | boolean | undefined>
  headings: readonly string[]
  rows: readonly Row[]
  row: (row: Row) => JSX.Element
  empty?: Child
}): JSX.Element | null {
  if (props.rows.length === 0 && props.empty !== undefined)
    return props.empty === null ? null : <p class="muted">{props.empty}</p>
  return (
    <table id={props.id} class={props.class} {...props.attributes}>
      <thead>
        <tr>
          {props.headings.map((heading) => (
            <th scope="col">{heading}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.rows.map(props.row)}</tbody>
    </table>
  )
}
