import { createHash } from 'node:crypto'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ComplianceReport, ReportFact } from './compliance-report'
import { statusLabel } from './report-markdown'

function FactValue(props: { value: ReportFact['value'] }): JSX.Element {
  if (props.value === null || props.value === '') return <span class="muted">—</span>
  return <>{String(props.value)}</>
}

/**
 * A report's content (scope, chain check, caveat, sections) with class names only: the dashboard
 * shows it inside its layout and the printable page wraps it in {@link printableReportHtml}.
 * Every value goes through JSX, which escapes it.
 */
export function ReportBody(props: { report: ComplianceReport }): JSX.Element {
  const { report } = props
  const { filters, chain_verification: chain } = report
  const chainOk = report.chain_integrity_status === 'verified'
  return (
    <div class="report" data-report-type={report.report_type}>
      <table class="report-scope">
        <caption>Scope</caption>
        <tbody>
          <tr>
            <th scope="row">Workspace</th>
            <td>
              <code>{report.workspace_id}</code>
            </td>
          </tr>
          <tr>
            <th scope="row">Generated</th>
            <td>{report.generated_at}</td>
          </tr>
          <tr>
            <th scope="row">Report id</th>
            <td>
              <code>{report.report_id}</code>
            </td>
          </tr>
          <tr>
            <th scope="row">Period</th>
            <td>
              {filters.since ?? 'the beginning'} – {filters.until ?? 'now'}
            </td>
          </tr>
          <tr>
            <th scope="row">System</th>
            <td data-filter="system">{filters.system_name ?? 'all'}</td>
          </tr>
          <tr>
            <th scope="row">Agent</th>
            <td data-filter="agent">{filters.agent_name ?? 'all'}</td>
          </tr>
          <tr>
            <th scope="row">Sections</th>
            <td>
              {report.status_counts.compliant} compliant · {report.status_counts.partial} partial ·{' '}
              {report.status_counts.non_compliant} non-compliant
            </td>
          </tr>
        </tbody>
      </table>
      <section class="report-chain" aria-labelledby="chain-heading">
        <h2 id="chain-heading">Ledger chain verification</h2>
        <p>
          <span
            class={`status ${chainOk ? 'compliant' : 'non_compliant'}`}
            data-chain-status={report.chain_integrity_status}
          >
            {chainOk ? 'Verified' : 'Failed'}
          </span>{' '}
          {chain.leaves_checked} of {chain.tree_size} leaves re-hashed; the root{' '}
          {chain.root_matches ? 'matches' : 'does not match'} the signed tree head; the signature is{' '}
          {chain.signature_valid ? 'valid' : 'invalid'}.
        </p>
        <dl>
          <dt>Root hash</dt>
          <dd>
            <code>{chain.root_hash}</code>
          </dd>
          <dt>Signed at</dt>
          <dd>{chain.signed_at}</dd>
          <dt>Server key (Ed25519)</dt>
          <dd>
            <code>{chain.public_key}</code>
          </dd>
        </dl>
      </section>
      <section class="report-caveat" aria-labelledby="caveat-heading">
        <h2 id="caveat-heading">Coverage</h2>
        <p>{report.coverage_caveat}</p>
        <p>
          {report.coverage_pct === null
            ? 'Coverage not estimated: the guard reported no AI calls in the period.'
            : `${Math.round(report.coverage_pct * 1000) / 10}% of the AI calls the guard saw were attested.`}
        </p>
      </section>
      {report.sections.map((section, index) => (
        <section
          class="report-section"
          id={`section-${section.id}`}
          data-section={section.id}
          data-status={section.status}
        >
          <h2>
            {index + 1}. {section.title} <span class="muted">({section.reference})</span>
          </h2>
          <p>
            <span class={`status ${section.status}`}>{statusLabel(section.status)}</span>{' '}
            {section.status_reason}
          </p>
          <p class="muted">{section.description}</p>
          {section.facts.length === 0 ? null : (
            <table class="facts">
              <tbody>
                {section.facts.map((fact) => (
                  <tr>
                    <th scope="row">{fact.label}</th>
                    <td>
                      <FactValue value={fact.value} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </div>
  )
}

/** The printable page's style sheet (inline, allowed by its hash in the page's CSP). */
const PRINT_CSS = `
@page { size: A4; margin: 16mm 14mm; }
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 0 auto; max-width: 60rem; padding: 1rem; }
h1 { font-size: 18pt; margin: 0 0 .5rem; }
h2 { font-size: 13pt; margin: 1.2rem 0 .4rem; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { text-align: left; vertical-align: top; padding: .25rem .5rem; border-bottom: 1px solid #ddd; overflow-wrap: anywhere; }
th { width: 35%; font-weight: 600; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
code { font: 9pt ui-monospace, monospace; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; }
dd { margin: 0; overflow-wrap: anywhere; }
.muted { color: #555; }
.status { display: inline-block; padding: 0 .45rem; border-radius: .3rem; font-weight: 700; border: 1px solid currentColor; }
.status.compliant { color: #0a5c2b; background: #e3f5e9; }
.status.partial { color: #7a4a00; background: #fff2d6; }
.status.non_compliant { color: #8f1020; background: #fde4e7; }
.report-section { break-inside: avoid; }
footer { margin-top: 1.5rem; font-size: 9pt; color: #555; }
`

const PRINT_CSS_HASH = `sha256-${createHash('sha256').update(PRINT_CSS).digest('base64')}`

/** The CSP of the printable page: its own style sheet, nothing else (no script, no request). */
export const PRINTABLE_CSP: string = `default-src 'none'; style-src '${PRINT_CSS_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`

/**
 * The report as a standalone printable HTML document (A4 print styles, no script, no external
 * request): what `format=html` serves and what Chromium prints to PDF.
 */
export function printableReportHtml(report: ComplianceReport): string {
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content={PRINTABLE_CSP} />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{report.title}</title>
        {/* Our constant, not client data: inserted as is so its hash matches the CSP. */}
        <style dangerouslySetInnerHTML={{ __html: PRINT_CSS }} />
      </head>
      <body>
        <main>
          <h1>{report.title}</h1>
          <ReportBody report={report} />
        </main>
        <footer>
          Generated by Mima ({report.format}). The JSON export carries the same figures; the ledger root above
          can be checked with <code>mima verify</code> against the server key you trust.
        </footer>
      </body>
    </html>
  )
  return `<!doctype html>${String(page)}`
}
