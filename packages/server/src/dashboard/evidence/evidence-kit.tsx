/** Small pieces the readiness, systems, reports and record pages share. */
import type { FrameworkReadiness } from '@mima/grc'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { ReadinessBar, ShortId } from '../dashboard-layout'

/** The pages' own style sheet and, where proofs are checked, the browser verifier. */
export function EvidenceAssets(props: { proofs?: boolean }): JSX.Element {
  return (
    <>
      <link rel="stylesheet" href="/dashboard/assets/evidence.css" />
      {props.proofs === true ? <script src="/dashboard/assets/proofs.js" defer></script> : null}
    </>
  )
}

/** A link to a record's page. */
export function RecordLink(props: { kind: 'attestation' | 'evidence'; id: string }): JSX.Element {
  return (
    <a
      href={`/dashboard/${props.kind === 'attestation' ? 'attestations' : 'evidence'}/${encodeURIComponent(props.id)}`}
    >
      <ShortId id={props.id} />
    </a>
  )
}

/** The same URL with `cursor` set (other query parameters kept). */
export function withCursor(url: string, cursor: string | undefined): string {
  const parsed = new URL(url, 'http://dashboard.invalid')
  if (cursor === undefined) parsed.searchParams.delete('cursor')
  else parsed.searchParams.set('cursor', cursor)
  const query = parsed.searchParams.toString()
  return `${parsed.pathname}${query === '' ? '' : `?${query}`}`
}

/** "First page" and "Next" links of a cursor-paginated list. */
export function Pager(props: {
  nextCursor: string | null
  paged: boolean
  url?: string
}): JSX.Element | null {
  if (props.nextCursor === null && !props.paged) return null
  const url = props.url ?? ''
  return (
    <nav class="pager" aria-label="Pages">
      {props.paged ? <a href={withCursor(url, undefined)}>First page</a> : <span></span>}
      {props.nextCursor === null ? null : (
        <a rel="next" href={withCursor(url, props.nextCursor)}>
          Next page
        </a>
      )}
    </nav>
  )
}

/** A value shown as pretty JSON text (JSX escapes it). */
export function JsonBlock(props: { value: unknown; id?: string }): JSX.Element {
  return (
    // tabindex: a keyboard can focus and scroll a long payload.
    <pre class="payload" id={props.id} tabindex={0}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  )
}

/** One framework's readiness on one line: its name (a link), the bar, the score and covered/required. */
export function FrameworkRow(props: { framework: FrameworkReadiness; href: string }): JSX.Element {
  const { framework } = props
  return (
    <div class="readiness-row" data-framework={framework.framework}>
      <a class="name" href={props.href}>
        {framework.label}
      </a>
      <ReadinessBar
        attestedPct={framework.attested_pct}
        inferredPct={framework.score_pct - framework.attested_pct}
        label={`${framework.label}: ${framework.score_pct}% covered, ${framework.attested_pct}% attested`}
      />
      <span class="figures">
        <span class="score">{framework.score_pct}%</span> · {framework.controls_covered}/
        {framework.controls_required}
      </span>
    </div>
  )
}
