import type { SignedTreeHead } from '@mima/core'
import { getControl, type ReadinessReport, recordTypesForControl } from '@mima/grc'
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

/**
 * The readiness rule in words a newcomer understands (the API's `overall_rule_description` is
 * written for integrators).
 */
export function readinessExplanation(report: ReadinessReport): string {
  const weakest = report.frameworks.find((framework) => framework.framework === report.weakest_framework)
  const rule =
    'Each framework’s score is the share of its required controls that some evidence covers. The overall score is the lowest of them: an audit is only as ready as its weakest framework.'
  if (weakest === undefined) return rule
  const missing = weakest.controls_required - weakest.controls_covered
  const next =
    missing === 0
      ? `${weakest.label} has evidence for all ${weakest.controls_required} of its required controls.`
      : `${weakest.label} is lowest: ${weakest.controls_covered} of its ${weakest.controls_required} required controls have evidence, so ${missing} more would raise the overall score (the list below says which record earns each).`
  return `${rule} ${next} “Attested” means signed records back a control; “inferred only” means it was derived from records that were not signed.`
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
        <p class="muted small" id="readiness-explanation">
          {readinessExplanation(readiness)}
        </p>
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
            <ul class="missing-controls">
              {weakest.missing_controls.map((id) => {
                const earnedBy = recordTypesForControl(id)
                return (
                  <li data-control={id}>
                    <span class="mono">{id}</span> {getControl(id)?.title ?? ''}
                    <span class="muted">
                      {earnedBy.length === 0
                        ? ' (no record type earns it yet)'
                        : ` — earned by ${earnedBy.map((type) => `\`${type}\``).join(' or ')} (\`mima push ${earnedBy[0]} --help\`)`}
                    </span>
                  </li>
                )
              })}
            </ul>
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
