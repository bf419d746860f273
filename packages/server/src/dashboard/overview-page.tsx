import type { SignedTreeHead } from '@mima/core'
import type { ReadinessReport } from '@mima/grc'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { Layout, ReadinessBar, Time } from './dashboard-layout'
import type { DashboardSession } from './session-store'

/** What the overview shows. */
export interface OverviewData {
  readiness: ReadinessReport
  attestations24h: number
  evidence24h: number
  unattested24h: number
  pendingApprovals: number
  head: SignedTreeHead
}

/** Overview: readiness per framework (attested vs inferred), the overall rule, 24-hour counts, the signed head. */
export function OverviewPage(props: { session: DashboardSession; data: OverviewData }): JSX.Element {
  const { readiness, head } = props.data
  const weakest = readiness.frameworks.find(
    (framework) => framework.framework === readiness.weakest_framework,
  )
  return (
    <Layout
      session={props.session}
      section="overview"
      title="Overview"
      pendingApprovals={props.data.pendingApprovals}
    >
      <h1>Overview</h1>
      <div class="grid">
        <div class="stat" id="stat-attestations">
          <div class="value">{props.data.attestations24h}</div>
          <div class="label">attestations in 24 h</div>
        </div>
        <div class="stat" id="stat-evidence">
          <div class="value">{props.data.evidence24h}</div>
          <div class="label">evidence records in 24 h</div>
        </div>
        <div class="stat" id="stat-unattested">
          <div class="value">{props.data.unattested24h}</div>
          <div class="label">unattested AI calls in 24 h</div>
        </div>
        <div class="stat">
          <div class="value">
            <a href="/dashboard/approvals" data-pending-count="">
              {props.data.pendingApprovals}
            </a>
          </div>
          <div class="label">approvals waiting</div>
        </div>
      </div>

      <section class="card" id="readiness">
        <div class="queue-head">
          <h2>Readiness</h2>
          <div class="legend">
            <span>
              <i class="attested"></i>attested
            </span>
            <span>
              <i class="inferred"></i>inferred only
            </span>
          </div>
        </div>
        <div class="overall">
          <span class="value" id="overall-pct">{`${readiness.overall_pct}%`}</span>
          <span class="muted">
            overall = weakest framework{weakest === undefined ? '' : ` (${weakest.label})`}
          </span>
        </div>
        <p class="muted small">{readiness.overall_rule_description}</p>
        {readiness.frameworks.map((framework) => (
          <div
            class={`readiness-row${framework.framework === readiness.weakest_framework ? ' weakest' : ''}`}
            data-framework={framework.framework}
          >
            <div class="name">
              {framework.label}{' '}
              {framework.validated ? (
                <span class="badge ok" title={`Validated by ${framework.validated_by ?? ''}`}>
                  validated
                </span>
              ) : (
                <span class="badge" title="Scores are indicative until an admin validates the control list">
                  indicative
                </span>
              )}
            </div>
            <ReadinessBar
              attestedPct={framework.attested_pct}
              inferredPct={framework.score_pct - framework.attested_pct}
              label={`${framework.label}: ${framework.score_pct}% covered, ${framework.attested_pct}% attested`}
            />
            <div class="figures">
              <strong class="score">{`${framework.score_pct}%`}</strong>{' '}
              <span class="muted small">
                {framework.controls_covered}/{framework.controls_required}
                {framework.controls_inferred > 0 ? ` (${framework.controls_inferred} inferred)` : ''}
              </span>
            </div>
          </div>
        ))}
        {weakest === undefined || weakest.missing_controls.length === 0 ? null : (
          <details class="small" id="missing-controls">
            <summary>{`${weakest.missing_controls.length} controls of ${weakest.label} have no evidence yet`}</summary>
            <p class="chips">
              {weakest.missing_controls.map((control) => (
                <span class="badge">{control}</span>
              ))}
            </p>
          </details>
        )}
      </section>

      <section class="card" id="tree-head">
        <h2>Latest signed tree head</h2>
        <dl class="kv">
          <dt>Tree size</dt>
          <dd>{head.tree_size} leaves</dd>
          <dt>Root hash</dt>
          <dd class="mono">{head.root_hash}</dd>
          <dt>Signed at</dt>
          <dd>
            <Time value={head.timestamp} />
          </dd>
        </dl>
        <p class="small">
          <a href="/dashboard/ledger">Verify the ledger →</a>
        </p>
      </section>
    </Layout>
  )
}
