/** Systems: the list, and one page per AI system. */
import type { GateResult, ReadinessReport } from '@mima/grc'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { StoredAttestation } from '../../attestations/attestation-store'
import type { StoredEvidence } from '../../evidence/evidence-store'
import type { SystemSummary } from '../../grc/grc-store'
import type { StoredAiBom } from '../../scanner/ai-bom-store'
import { DataTable, Layout, Time } from '../dashboard-layout'
import type { DashboardSession } from '../session-store'
import { ColumnChart } from './charts'
import { EvidenceAssets, FrameworkRow, JsonBlock, RecordLink } from './evidence-kit'

const systemHref = (name: string): string => `/dashboard/systems/${encodeURIComponent(name)}`

/** `/dashboard/systems`. */
export function SystemsPage(props: {
  session: DashboardSession
  systems: readonly SystemSummary[]
}): JSX.Element {
  return (
    <Layout session={props.session} section="systems" title="Systems">
      <EvidenceAssets />
      <h1>AI systems</h1>
      <section class="card">
        {props.systems.length === 0 ? (
          <p class="muted">
            No system yet. Register one with <code>mima register</code> or push evidence naming it.
          </p>
        ) : (
          <div class="table-wrap">
            <DataTable
              id="systems"
              headings={['System', 'Risk tier', 'Records', 'Last evidence']}
              rows={props.systems}
              row={(system) => (
                <tr data-system={system.system_name}>
                  <td class="wrap">
                    <a href={systemHref(system.system_name)}>{system.system_name}</a>
                  </td>
                  <td>
                    {system.registered ? (
                      (system.risk_tier ?? 'registered')
                    ) : (
                      <span class="status uncovered">no risk assessment</span>
                    )}
                  </td>
                  <td>{system.record_count}</td>
                  <td>
                    <Time value={system.last_evidence_at} />
                  </td>
                </tr>
              )}
            />
          </div>
        )}
      </section>
    </Layout>
  )
}

/** What one system's page shows. */
export interface SystemData {
  name: string
  riskAssessment: { record_id: string; payload: unknown; received_at: string } | undefined
  models: readonly { model_id: string; provider: string | null; calls: number; last_at: string }[]
  attestations: readonly StoredAttestation[]
  evidence: readonly StoredEvidence[]
  gates: readonly GateResult[]
  gatesPassed: boolean
  unattested: readonly { call_site: string; call: string; count: number; last_at: string }[]
  boms: readonly StoredAiBom[]
  readiness: ReadinessReport
  perDay: { days: string[]; verified: number[]; declared: number[] }
}

/** `/dashboard/systems/{name}`. */
export function SystemPage(props: { session: DashboardSession; system: SystemData }): JSX.Element {
  const { system } = props
  const risk = system.riskAssessment?.payload as Record<string, unknown> | undefined
  const reportQuery = `?system=${encodeURIComponent(system.name)}`
  return (
    <Layout session={props.session} section="systems" title={system.name}>
      <EvidenceAssets />
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/dashboard/systems">Systems</a> › {system.name}
      </nav>
      <div class="page-head">
        <h1 id="system-name">{system.name}</h1>
        <div class="exports">
          <a href={`/dashboard/reports/summary${reportQuery}`}>Summary report</a>
          <a href={`/dashboard/reports/article12${reportQuery}`}>Article 12 report</a>
          <a href={`/dashboard/readiness${reportQuery}`}>Readiness drill-down</a>
        </div>
      </div>
      <div class="two-col">
        <section class="card" id="risk-assessment">
          <h2>Risk assessment</h2>
          {risk === undefined ? (
            <p>
              <span class="status uncovered">None</span> No <code>ai_risk_assessment</code> names this system
              (EU AI Act Art. 9). <code>mima register</code> records one.
            </p>
          ) : (
            <>
              <dl class="kv">
                <dt>Risk tier</dt>
                <dd>{String(risk.risk_tier ?? risk.risk_level ?? '—')}</dd>
                <dt>Annex III</dt>
                <dd>{String(risk.annex_iii_category ?? '—')}</dd>
                <dt>Assessed</dt>
                <dd>
                  <Time value={system.riskAssessment?.received_at} />
                </dd>
                <dt>Record</dt>
                <dd>
                  <RecordLink kind="evidence" id={system.riskAssessment?.record_id ?? ''} />
                </dd>
              </dl>
              <details>
                <summary>Full assessment</summary>
                <JsonBlock value={risk} />
              </details>
            </>
          )}
        </section>
        <section class="card" id="system-readiness">
          <h2>Readiness</h2>
          <p>
            <strong>{system.readiness.overall_pct}%</strong> overall ·{' '}
            <span class={`status ${system.gatesPassed ? 'covered' : 'uncovered'}`}>
              gates {system.gatesPassed ? 'pass' : 'fail'}
            </span>
          </p>
          {system.readiness.frameworks.map((framework) => (
            <FrameworkRow
              framework={framework}
              href={`/dashboard/readiness/${framework.framework}${reportQuery}`}
            />
          ))}
        </section>
      </div>
      <section class="card" id="models">
        <h2>Models used</h2>
        {system.models.length === 0 ? (
          <p class="muted">No attested call names a model.</p>
        ) : (
          <div class="table-wrap">
            <DataTable
              headings={['Model', 'Provider', 'Calls', 'Last used']}
              rows={system.models}
              row={(model) => (
                <tr>
                  <td class="wrap">{model.model_id}</td>
                  <td>{model.provider ?? '—'}</td>
                  <td>{model.calls}</td>
                  <td>
                    <Time value={model.last_at} />
                  </td>
                </tr>
              )}
            />
          </div>
        )}
      </section>
      <section class="card">
        <h2>Attestations per day</h2>
        <ColumnChart
          id="system-attestations-per-day"
          label={`Attestations per day for ${system.name}, last ${system.perDay.days.length} days`}
          labels={system.perDay.days.map((date) => date.slice(5))}
          values={system.perDay.verified}
          valueLabel="signature verified"
          stacked={{ label: 'declared', values: system.perDay.declared }}
        />
      </section>
      <div class="two-col">
        <section class="card" id="system-attestations">
          <h2>Latest attestations</h2>
          {system.attestations.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul>
              {system.attestations.map((attestation) => (
                <li>
                  <RecordLink kind="attestation" id={attestation.attestation_id} />{' '}
                  {String(attestation.tool_name)} · {attestation.trust_tier} ·{' '}
                  <Time value={attestation.received_at} />
                </li>
              ))}
            </ul>
          )}
          <a href={`/dashboard/attestations${reportQuery}`}>All attestations of this system</a>
        </section>
        <section class="card" id="system-evidence">
          <h2>Latest evidence</h2>
          {system.evidence.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul>
              {system.evidence.map((record) => (
                <li>
                  <RecordLink kind="evidence" id={record.record_id} /> {record.record_type} ·{' '}
                  <Time value={record.received_at} />
                </li>
              ))}
            </ul>
          )}
          <a href={`/dashboard/evidence${reportQuery}`}>All evidence of this system</a>
        </section>
      </div>
      <section class="card" id="system-gates">
        <h2>Gates</h2>
        {system.gates.length === 0 ? (
          <p class="muted">
            No gate applies. <code>mima gates set eu_ai_act required --system {system.name}</code> adds one.
          </p>
        ) : (
          <div class="table-wrap">
            <DataTable
              headings={['Framework', 'Mode', 'Threshold', 'Now', 'Status']}
              rows={system.gates}
              row={(gate) => (
                <tr>
                  <td>{gate.framework}</td>
                  <td>{gate.mode}</td>
                  <td>{gate.threshold_pct}%</td>
                  <td>{gate.current_pct}%</td>
                  <td>
                    <span class={`status ${gate.status === 'passing' ? 'covered' : 'uncovered'}`}>
                      {gate.status}
                    </span>
                  </td>
                </tr>
              )}
            />
          </div>
        )}
      </section>
      <section class="card" id="system-unattested">
        <h2>Unattested calls</h2>
        <p class="muted small">
          AI calls the guard saw outside an attested function (events that name this system), and the
          scanner's AI bills of materials.
        </p>
        {system.unattested.length === 0 ? (
          <p>The guard reported no unattested call for this system.</p>
        ) : (
          <div class="table-wrap">
            <DataTable
              headings={['Call site', 'Call', 'Count', 'Last']}
              rows={system.unattested}
              row={(site) => (
                <tr>
                  <td class="wrap">{site.call_site}</td>
                  <td class="wrap">{site.call}</td>
                  <td>{site.count}</td>
                  <td>
                    <Time value={site.last_at} />
                  </td>
                </tr>
              )}
            />
          </div>
        )}
        {system.boms.length === 0 ? (
          <p class="muted">No AI bill of materials (`mima scan --bom … && mima push ai-bom`).</p>
        ) : (
          <ul>
            {system.boms.map((bom) => (
              <li>
                CycloneDX {bom.spec_version}: {bom.components} components, {bom.services} services ·{' '}
                <Time value={bom.received_at} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  )
}
