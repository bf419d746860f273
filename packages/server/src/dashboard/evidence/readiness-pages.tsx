/** Readiness drill-down: frameworks → a framework's controls → a control's records. */
import {
  type Control,
  FRAMEWORK_SLUGS,
  type FrameworkReadiness,
  type FrameworkSlug,
  getFrameworkCatalog,
  listControls,
  type ReadinessReport,
  recordTypesForControl,
  resolveControl,
} from '@mima/grc'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { DataTable, Layout, Time } from '../dashboard-layout'
import type { DashboardSession } from '../session-store'
import { LineChart } from './charts'
import { EvidenceAssets, FrameworkRow, Pager, RecordLink } from './evidence-kit'
import type { ControlRecord, ReadinessHistory } from './evidence-queries'

/** How a control stands, from the coverage counters. */
export interface ControlStanding {
  control: Control
  attestedRecords: number
  inferredRecords: number
}

/** A control's status word. */
export function controlStatus(
  standing: Pick<ControlStanding, 'attestedRecords' | 'inferredRecords'>,
): 'covered' | 'inferred' | 'uncovered' {
  if (standing.attestedRecords > 0) return 'covered'
  if (standing.inferredRecords > 0) return 'inferred'
  return 'uncovered'
}

const STATUS_TEXT = {
  covered: 'Covered (attested)',
  inferred: 'Inferred only',
  uncovered: 'Uncovered',
} as const

/** Record types that would cover the most uncovered required controls, best first. */
export function quickestWins(
  standings: readonly ControlStanding[],
  limit = 3,
): { record_type: string; controls: string[] }[] {
  const byType = new Map<string, string[]>()
  for (const standing of standings) {
    if (!standing.control.required || controlStatus(standing) !== 'uncovered') continue
    for (const recordType of recordTypesForControl(standing.control.id)) {
      byType.set(recordType, [...(byType.get(recordType) ?? []), standing.control.ref])
    }
  }
  return [...byType]
    .sort((left, right) => right[1].length - left[1].length || left[0].localeCompare(right[0]))
    .slice(0, limit)
    .map(([recordType, controls]) => ({ record_type: recordType, controls }))
}

function ScopeNote(props: { system: string | undefined }): JSX.Element | null {
  if (props.system === undefined) return null
  return (
    <p class="muted">
      For system <strong>{props.system}</strong> only. <a href="?">All systems</a>
    </p>
  )
}

function frameworkHref(framework: string, system: string | undefined): string {
  return `/dashboard/readiness/${encodeURIComponent(framework)}${system === undefined ? '' : `?system=${encodeURIComponent(system)}`}`
}

/** `/dashboard/readiness`: every framework, with readiness over time. */
export function ReadinessPage(props: {
  session: DashboardSession
  readiness: ReadinessReport
  history: ReadinessHistory
  system: string | undefined
}): JSX.Element {
  const { readiness, history } = props
  return (
    <Layout session={props.session} section="readiness" title="Readiness">
      <EvidenceAssets />
      <h1>Readiness</h1>
      <ScopeNote system={props.system} />
      <section class="card" id="frameworks">
        <div class="page-head">
          <h2>Frameworks</h2>
          <div class="overall">
            <span class="value">{readiness.overall_pct}%</span>
            <span class="muted">overall (weakest framework)</span>
          </div>
        </div>
        {readiness.frameworks.map((framework) => (
          <FrameworkRow framework={framework} href={frameworkHref(framework.framework, props.system)} />
        ))}
      </section>
      <section class="card">
        <h2>Readiness over time</h2>
        <LineChart
          id="readiness-over-time"
          label={`Readiness over the last ${history.days.length} days, per framework`}
          labels={history.days.map((date) => date.slice(5))}
          series={[
            { label: 'Overall', values: history.overall },
            ...history.frameworks.map((framework) => ({ label: framework.label, values: framework.scores })),
          ].slice(0, 5)}
          max={100}
          unit="%"
        />
      </section>
    </Layout>
  )
}

/** `/dashboard/readiness/{framework}`: its controls, their status and the quickest wins. */
/** A table of controls: each links to its page, with its status and how many records evidence it. */
function ControlTable(props: {
  framework: string
  standings: readonly ControlStanding[]
  id?: string
}): JSX.Element {
  return (
    <div class="table-wrap">
      <table id={props.id}>
        <thead>
          <tr>
            <th scope="col">Control</th>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Records</th>
          </tr>
        </thead>
        <tbody>
          {props.standings.map((standing) => {
            const status = controlStatus(standing)
            return (
              <tr data-control={standing.control.id} data-status={status}>
                <td>
                  <a
                    href={`/dashboard/readiness/${props.framework}/controls/${encodeURIComponent(standing.control.id)}`}
                  >
                    {standing.control.ref}
                  </a>
                </td>
                <td class="wrap">{standing.control.title}</td>
                <td>
                  <span class={`status ${status}`}>{STATUS_TEXT[status]}</span>
                </td>
                <td>{standing.attestedRecords + standing.inferredRecords}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

export function FrameworkPage(props: {
  session: DashboardSession
  framework: FrameworkReadiness
  standings: readonly ControlStanding[]
  system: string | undefined
}): JSX.Element {
  const { framework, standings } = props
  const catalog = getFrameworkCatalog(framework.framework)
  const wins = quickestWins(standings)
  const required = standings.filter((standing) => standing.control.required)
  const optional = standings.filter((standing) => !standing.control.required)
  return (
    <Layout session={props.session} section="readiness" title={framework.label}>
      <EvidenceAssets />
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/dashboard/readiness">Readiness</a> › {framework.label}
      </nav>
      <h1>{framework.label}</h1>
      <ScopeNote system={props.system} />
      <div class="grid">
        <div class="stat" id="stat-score">
          <div class="value">{framework.score_pct}%</div>
          <div class="label">
            {framework.controls_covered} of {framework.controls_required} required controls covered
          </div>
        </div>
        <div class="stat" id="stat-attested">
          <div class="value">{framework.controls_covered_attested}</div>
          <div class="label">attested · {framework.controls_inferred} inferred only</div>
        </div>
        <div class="stat" id="stat-validated">
          <div class="value">{framework.validated ? 'Validated' : 'Not validated'}</div>
          <div class="label">
            {framework.validated ? (
              <>
                by {framework.validated_by} on <Time value={framework.validated_at} />
              </>
            ) : (
              'scores are indicative until an admin validates the control list'
            )}
          </div>
        </div>
      </div>
      <section class="card" id="quickest-wins">
        <h2>Quickest wins</h2>
        {wins.length === 0 ? (
          <p class="muted">Every required control has evidence.</p>
        ) : (
          <ol>
            {wins.map((win) => (
              <li data-record-type={win.record_type}>
                Push a <code>{win.record_type}</code> record: it covers {win.controls.length} open{' '}
                {win.controls.length === 1 ? 'control' : 'controls'} ({win.controls.join(', ')}).
              </li>
            ))}
          </ol>
        )}
      </section>
      <section class="card">
        <h2>Required controls</h2>
        <p class="muted small">
          {catalog.edition}. “Covered” means a record pushed by the workspace evidences the control; “inferred
          only” means only platform-inferred records do.
        </p>
        <ControlTable id="controls" framework={framework.framework} standings={required} />
      </section>
      {optional.length === 0 ? null : (
        <section class="card">
          <h2>Not counted towards readiness</h2>
          <ControlTable framework={framework.framework} standings={optional} />
        </section>
      )}
    </Layout>
  )
}

/** `/dashboard/readiness/{framework}/controls/{id}`: the records that evidence it, or what would. */
export function ControlPage(props: {
  session: DashboardSession
  control: Control
  frameworkLabel: string
  standing: ControlStanding
  records: readonly ControlRecord[]
  nextCursor: string | null
  paged: boolean
  url: string
}): JSX.Element {
  const { control, standing } = props
  const status = controlStatus(standing)
  const recordTypes = recordTypesForControl(control.id)
  return (
    <Layout session={props.session} section="readiness" title={`${control.ref} · ${props.frameworkLabel}`}>
      <EvidenceAssets />
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/dashboard/readiness">Readiness</a> ›{' '}
        <a href={`/dashboard/readiness/${control.framework}`}>{props.frameworkLabel}</a> › {control.ref}
      </nav>
      <div class="page-head">
        <h1>
          {control.ref}: {control.title}
        </h1>
        <span class={`status ${status}`} id="control-status">
          {STATUS_TEXT[status]}
        </span>
      </div>
      <section class="card">
        <p>{control.description}</p>
        <dl class="kv">
          <dt>Control id</dt>
          <dd>
            <code>{control.id}</code>
          </dd>
          <dt>Counts towards readiness</dt>
          <dd>{control.required ? 'yes' : `no${control.note === undefined ? '' : `: ${control.note}`}`}</dd>
          <dt>Records</dt>
          <dd>
            {standing.attestedRecords} attested · {standing.inferredRecords} inferred
          </dd>
        </dl>
      </section>
      <section class="card" id="covering-records">
        <h2>Records that evidence it</h2>
        {props.records.length === 0 ? (
          <div id="how-to-cover">
            <p>No record evidences this control yet.</p>
            {recordTypes.length === 0 ? (
              <p class="muted">No Mima record type maps to it; it is evidenced outside GRC records.</p>
            ) : (
              <p>
                A record of type{' '}
                {recordTypes.map((type, index) => (
                  <>
                    {index === 0 ? '' : index === recordTypes.length - 1 ? ' or ' : ', '}
                    <code data-record-type={type}>{type}</code>
                  </>
                ))}{' '}
                would cover it, e.g. <code>{`mima push ${recordTypes[0]} …`}</code>
              </p>
            )}
          </div>
        ) : (
          <div class="table-wrap">
            <DataTable
              headings={['Record', 'Type', 'System', 'Source', 'Signature', 'Received']}
              rows={props.records}
              row={(record) => (
                <tr data-record-id={record.record_id}>
                  <td>
                    <RecordLink kind="evidence" id={record.record_id} />
                  </td>
                  <td>{record.record_type}</td>
                  <td class="wrap">{record.system_name}</td>
                  <td>{record.source === 'estate_auto' ? 'inferred' : record.source}</td>
                  <td>{record.client_sig_status}</td>
                  <td>
                    <Time value={record.received_at} />
                  </td>
                </tr>
              )}
            />
          </div>
        )}
        <Pager nextCursor={props.nextCursor} paged={props.paged} url={props.url} />
      </section>
    </Layout>
  )
}

/** The framework slug of a path segment, or undefined. */
export function frameworkOf(value: string | undefined): FrameworkSlug | undefined {
  return (FRAMEWORK_SLUGS as readonly string[]).includes(value ?? '') ? (value as FrameworkSlug) : undefined
}

/** A control of `framework` by id or alias, or undefined. */
export function controlOf(framework: FrameworkSlug, id: string): Control | undefined {
  const control = resolveControl(id)
  return control?.framework === framework ? control : undefined
}

/** Every control of a framework with its coverage counters. */
export function standingsOf(
  framework: FrameworkSlug,
  counters: ReadonlyMap<string, { attested: number; inferred: number }>,
): ControlStanding[] {
  return listControls(framework).map((control) => ({
    control,
    attestedRecords: counters.get(control.id)?.attested ?? 0,
    inferredRecords: counters.get(control.id)?.inferred ?? 0,
  }))
}
