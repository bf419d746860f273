/** Reports in the console: a form, the report rendered in the layout, and its exports. */
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ComplianceReport } from '../../reports/compliance-report'
import { ReportBody } from '../../reports/report-view'
import { Layout, Notice } from '../dashboard-layout'
import type { DashboardSession } from '../session-store'
import { ColumnChart, LineChart } from './charts'
import { EvidenceAssets } from './evidence-kit'

/** The report form's values, as typed. */
export interface ReportFormValues {
  since?: string | undefined
  until?: string | undefined
  system?: string | undefined
  agent?: string | undefined
}

function query(values: ReportFormValues, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(values))
    if (typeof value === 'string' && value !== '') params.set(name, value)
  for (const [name, value] of Object.entries(extra)) params.set(name, value)
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

function ReportForm(props: {
  action: string
  values: ReportFormValues
  needsSubject?: boolean
}): JSX.Element {
  const { values } = props
  return (
    <form class="filters" method="get" action={props.action}>
      <label>
        From
        <input type="date" name="since" value={values.since ?? ''} />
      </label>
      <label>
        Until (inclusive)
        <input type="date" name="until" value={values.until ?? ''} />
      </label>
      <label>
        System
        <input name="system" value={values.system ?? ''} />
      </label>
      <label>
        Agent
        <input name="agent" value={values.agent ?? ''} />
      </label>
      <button type="submit" class="primary">
        {props.needsSubject === true ? 'Build summary' : 'Build report'}
      </button>
    </form>
  )
}

/** `/dashboard/reports`: the two reports, and charts of approvals and decision times. */
export function ReportsIndexPage(props: {
  session: DashboardSession
  approvals: { days: string[]; decided: number[]; undecided: number[]; medianSeconds: (number | null)[] }
  attestations: { days: string[]; verified: number[]; declared: number[] }
}): JSX.Element {
  const { approvals, attestations } = props
  return (
    <Layout session={props.session} section="reports" title="Reports">
      <EvidenceAssets />
      <h1>Reports</h1>
      <div class="two-col">
        <section class="card">
          <h2>
            <a href="/dashboard/reports/article12">EU AI Act Article 12 record keeping</a>
          </h2>
          <p class="muted">
            The seven automatic-logging requirements, each compliant, partial or non-compliant by the recorded
            evidence, with the coverage caveat and the ledger's chain check. JSON, Markdown, printable HTML
            and PDF.
          </p>
          <ReportForm action="/dashboard/reports/article12" values={{}} />
        </section>
        <section class="card">
          <h2>
            <a href="/dashboard/reports/summary">Summary for an agent or system</a>
          </h2>
          <p class="muted">
            Calls, violations and decisions, approvals and oversight, spend, unattested calls, readiness.
          </p>
          <ReportForm action="/dashboard/reports/summary" values={{}} needsSubject />
        </section>
      </div>
      <section class="card">
        <h2>Attestations per day</h2>
        <ColumnChart
          id="attestations-per-day"
          label={`Attestations per day, last ${attestations.days.length} days`}
          labels={attestations.days.map((date) => date.slice(5))}
          values={attestations.verified}
          valueLabel="signature verified"
          stacked={{ label: 'declared', values: attestations.declared }}
        />
      </section>
      <div class="two-col">
        <section class="card">
          <h2>Approvals per day</h2>
          <ColumnChart
            id="approvals-per-day"
            label={`Approval requests per day, last ${approvals.days.length} days`}
            labels={approvals.days.map((date) => date.slice(5))}
            values={approvals.decided}
            valueLabel="decided"
            stacked={{ label: 'not decided', values: approvals.undecided }}
          />
        </section>
        <section class="card">
          <h2>Median time to decision</h2>
          <LineChart
            id="decision-times"
            label={`Median seconds from request to decision per day, last ${approvals.days.length} days`}
            labels={approvals.days.map((date) => date.slice(5))}
            series={[{ label: 'Median seconds to decide', values: approvals.medianSeconds }]}
            unit="s"
          />
        </section>
      </div>
    </Layout>
  )
}

/** `/dashboard/reports/{article12|summary}`: the report in the console, with its exports. */
export function ReportPage(props: {
  session: DashboardSession
  kind: 'article12' | 'summary'
  values: ReportFormValues
  report: ComplianceReport | undefined
  error?: string | undefined
}): JSX.Element {
  const { kind, values, report } = props
  const title = kind === 'article12' ? 'EU AI Act Article 12 report' : 'Summary report'
  const exportHref = (format: string) => `/dashboard/reports/${kind}/export${query(values, { format })}`
  return (
    <Layout session={props.session} section="reports" title={title}>
      <EvidenceAssets />
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/dashboard/reports">Reports</a> › {title}
      </nav>
      <h1>{report?.title ?? title}</h1>
      <section class="card">
        <ReportForm action={`/dashboard/reports/${kind}`} values={values} needsSubject={kind === 'summary'} />
      </section>
      {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
      {report === undefined ? null : (
        <>
          <nav class="exports" aria-label="Export" id="exports">
            <a href={exportHref('json')}>JSON</a>
            <a href={exportHref('markdown')}>Markdown</a>
            <a href={exportHref('html')}>Printable HTML</a>
            <a href={exportHref('pdf')}>PDF</a>
          </nav>
          <ReportBody report={report} />
        </>
      )}
    </Layout>
  )
}
