import { uuidv7 } from '@mima/core'
import { evaluateGates } from '@mima/grc'
import { budgetSnapshot } from '../budgets/budget-snapshot'
import { listGates, readReadiness } from '../grc/grc-store'
import { httpError } from '../http/errors'
import type { Ledger } from '../ledger/ledger'
import type { Queryable } from '../storage/database'
import { spendReport } from '../usage/spend-report'
import {
  type ChainCheck,
  type ComplianceReport,
  chainVerification,
  countStatuses,
  filtersOf,
  ofTotal,
  REPORT_FORMAT,
  type ReportSection,
} from './compliance-report'
import { approvalStats, callStats, decisionStats, guardStats, type ReportFilters } from './report-data'

/** The scoping sentence of a summary report. */
export const SUMMARY_CAVEAT: string =
  'This summary covers only what was recorded through Mima for this agent or system. Calls made ' +
  'outside an attested function appear only as the guard and scanner report them; readiness is ' +
  "computed from the system's evidence (for an agent: the systems its calls name)."

/** What {@link buildSummaryReport} needs: an agent, a system, or both. */
export interface SummaryOptions {
  database: Queryable
  ledger: Ledger
  workspaceId: string
  filters: ReportFilters
  now?: Date
  /** A chain check already run for this workspace (an audit pack builds several reports). */
  chain?: ChainCheck
}

const DENYING = new Set(['deny', 'block', 'blocked', 'denied', 'confirm', 'redact'])

/**
 * The summary report for one agent or system: calls, violations and decisions, approvals and
 * oversight, spend, unattested calls and readiness, each with a status.
 *
 * @example
 * ```ts
 * const report = await buildSummaryReport({ database, ledger, workspaceId, filters: { agentName: 'billing-agent' } })
 * ```
 */
export async function buildSummaryReport(options: SummaryOptions): Promise<ComplianceReport> {
  const { database, ledger, workspaceId, filters } = options
  if (filters.agentName === undefined && filters.systemName === undefined) {
    throw httpError(
      'validation_failed',
      'A summary report is for one agent or system: pass agent or system.',
      {
        field: 'agent',
      },
    )
  }
  const [calls, guard, approvals, decisions, spend, chain, policies] = await Promise.all([
    callStats(database, workspaceId, filters),
    guardStats(database, workspaceId, filters),
    approvalStats(database, workspaceId, filters),
    decisionStats(database, workspaceId, filters),
    spendReport(database, workspaceId, 'model', {
      since: filters.since,
      until: filters.until,
      systemName: filters.systemName,
      agentName: filters.agentName,
    }),
    options.chain ?? chainVerification(database, ledger, workspaceId),
    listGates(database, workspaceId),
  ])
  // Readiness is a system's: the named system, else the systems the agent's calls name.
  const systems =
    filters.systemName !== undefined
      ? [filters.systemName]
      : (
          await database.query<{ system_name: string }>(
            'select distinct system_name from attestations where workspace_id = $1 and agent_name = $2 order by 1 limit 20',
            [workspaceId, filters.agentName],
          )
        ).rows.map((row) => row.system_name)
  const readiness = await Promise.all(
    systems.map(async (systemName) => {
      const report = await readReadiness(database, { workspaceId, systemName })
      const gates = evaluateGates({ policies, readiness: report, systemName })
      return { system_name: systemName, overall_pct: report.overall_pct, gates_passed: gates.passed, report }
    }),
  )

  // The budgets that apply to this agent or system now (workspace-wide ones included).
  const budgets = await budgetSnapshot(
    database,
    workspaceId,
    { systemName: filters.systemName ?? systems[0] ?? '', agentName: filters.agentName },
    options.now ?? new Date(),
  )
  const exhausted = budgets.filter(
    (budget) =>
      (budget.remaining_usd !== null && budget.remaining_usd <= 0) ||
      (budget.remaining_tokens !== null && budget.remaining_tokens <= 0),
  )
  const violations = Object.entries(decisions.by_decision)
    .filter(([decision]) => DENYING.has(decision))
    .reduce((sum, [, total]) => sum + total, 0)
  const decided = approvals.approved + approvals.rejected
  const sections: ReportSection[] = [
    {
      id: 'calls',
      title: 'Calls',
      reference: 'Art. 12(1)',
      description: 'AI and tool calls this agent or system made, as attested.',
      ...(calls.calls === 0
        ? { status: 'non_compliant' as const, status_reason: 'No call was recorded in the period.' }
        : calls.declared === 0
          ? { status: 'compliant' as const, status_reason: 'Every call is signed by a key the server knows.' }
          : {
              status: 'partial' as const,
              status_reason: `${calls.declared} calls are declared (not signed by a known key).`,
            }),
      facts: [
        { label: 'Calls', value: calls.calls },
        { label: 'Signature verified', value: ofTotal(calls.verified, calls.calls) },
        { label: 'Errors', value: calls.errors },
        { label: 'Sessions', value: calls.sessions },
        {
          label: 'Models',
          value: calls.models.map((model) => `${model.model_id} (${model.calls})`).join(', ') || null,
        },
        {
          label: 'Tools',
          value: calls.tools.map((tool) => `${tool.tool_name} (${tool.calls})`).join(', ') || null,
        },
      ],
      data: { ...calls },
    },
    {
      id: 'violations',
      title: 'Violations and decisions',
      reference: 'Art. 9, 15',
      description: 'Runtime policy decisions (PII, scope, budgets, loops) that stopped or changed a call.',
      ...(violations === 0
        ? { status: 'compliant' as const, status_reason: 'No policy decision stopped or changed a call.' }
        : {
            status: 'partial' as const,
            status_reason: `${violations} calls were denied, redacted or sent for confirmation by policy.`,
          }),
      facts: [
        { label: 'Policy decisions', value: decisions.total },
        { label: 'Denied, redacted or held', value: violations },
        ...decisions.by_policy
          .slice(0, 10)
          .map((row) => ({ label: `${row.policy_name}: ${row.decision}`, value: row.count })),
      ],
      data: { ...decisions, violations },
    },
    {
      id: 'oversight',
      title: 'Approvals and oversight',
      reference: 'Art. 14',
      description: 'Human approval requests and who decided them.',
      ...(approvals.requested === 0
        ? { status: 'partial' as const, status_reason: 'No approval was requested in the period.' }
        : approvals.expired > 0 || decided === 0
          ? {
              status: 'partial' as const,
              status_reason: `${approvals.expired} requests expired undecided, ${approvals.pending} are pending.`,
            }
          : {
              status: 'compliant' as const,
              status_reason: 'Every closed request was decided by a named person.',
            }),
      facts: [
        { label: 'Requested', value: approvals.requested },
        { label: 'Approved / rejected', value: `${approvals.approved} / ${approvals.rejected}` },
        {
          label: 'Expired / cancelled / pending',
          value: `${approvals.expired} / ${approvals.cancelled} / ${approvals.pending}`,
        },
        { label: 'Median time to decision (s)', value: approvals.median_decision_seconds },
        { label: '90th percentile (s)', value: approvals.p90_decision_seconds },
        { label: 'Decided by', value: approvals.deciders.join(', ') || null },
      ],
      data: { ...approvals },
    },
    {
      id: 'spend',
      title: 'Spend',
      reference: 'Art. 12(3)(a)',
      description: 'Token usage and cost of the model calls, from the attestations.',
      ...(exhausted.length > 0
        ? {
            status: 'partial' as const,
            status_reason: `${exhausted.length} budgets are used up for their current period.`,
          }
        : spend.totals.calls === 0
          ? { status: 'partial' as const, status_reason: 'No call recorded its token usage.' }
          : spend.totals.unpriced_calls === 0
            ? {
                status: 'compliant' as const,
                status_reason: 'Every model call recorded its usage and cost, within its budgets.',
              }
            : {
                status: 'partial' as const,
                status_reason: `${spend.totals.unpriced_calls} calls used a model missing from the price table.`,
              }),
      facts: [
        { label: 'Model calls with usage', value: spend.totals.calls },
        {
          label: 'Input / output tokens',
          value: `${spend.totals.input_tokens} / ${spend.totals.output_tokens}`,
        },
        { label: 'Cost (USD)', value: spend.totals.cost_usd },
        { label: 'Unpriced calls', value: spend.totals.unpriced_calls },
        ...budgets.map((budget) => ({
          label: `Budget: ${budget.scope}${budget.scope_value === '' ? '' : ` ${budget.scope_value}`} per ${budget.period} (${budget.window})`,
          value: [
            budget.limit_usd === null ? undefined : `$${budget.spent_usd} of $${budget.limit_usd}`,
            budget.limit_tokens === null
              ? undefined
              : `${budget.spent_tokens} of ${budget.limit_tokens} tokens`,
          ]
            .filter((part) => part !== undefined)
            .join(', '),
        })),
      ],
      data: { totals: spend.totals, by_model: spend.rows, budgets },
    },
    {
      id: 'unattested',
      title: 'Unattested calls',
      reference: 'Art. 12(1)',
      description: 'AI calls the guard saw outside an attested function, by call site.',
      ...(guard.unattested === 0
        ? {
            status: 'compliant' as const,
            status_reason: guard.reporting
              ? 'The guard reported no unattested call.'
              : 'The guard reported nothing for this scope.',
          }
        : {
            status: 'partial' as const,
            status_reason: `The guard reported ${guard.unattested} unattested calls.`,
          }),
      facts: [
        { label: 'Unattested calls', value: guard.unattested },
        ...guard.call_sites
          .slice(0, 10)
          .map((site) => ({ label: `${site.call_site} (${site.call})`, value: site.unattested })),
      ],
      data: { ...guard },
    },
    {
      id: 'readiness',
      title: 'Readiness',
      reference: 'Art. 9–17',
      description:
        'Framework readiness from the evidence of the system(s), and whether the readiness gates pass.',
      ...(readiness.length === 0 || readiness.every((item) => item.overall_pct === 0)
        ? { status: 'non_compliant' as const, status_reason: 'No control is evidenced for this scope.' }
        : readiness.every((item) => item.gates_passed)
          ? { status: 'compliant' as const, status_reason: 'Every readiness gate passes.' }
          : { status: 'partial' as const, status_reason: 'A readiness gate fails.' }),
      facts: readiness.flatMap((item) => [
        { label: `${item.system_name}: overall`, value: `${item.overall_pct}%` },
        ...item.report.frameworks.map((framework) => ({
          label: `${item.system_name}: ${framework.label}`,
          value: `${framework.score_pct}% (${framework.controls_covered}/${framework.controls_required})`,
        })),
      ]),
      data: {
        systems: readiness.map((item) => ({
          system_name: item.system_name,
          overall_pct: item.overall_pct,
          gates_passed: item.gates_passed,
          frameworks: item.report.frameworks,
        })),
      },
    },
  ]
  const subject = [
    filters.agentName === undefined ? undefined : `agent ${filters.agentName}`,
    filters.systemName === undefined ? undefined : `system ${filters.systemName}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ')
  const seen = calls.calls + guard.unattested
  return {
    format: REPORT_FORMAT,
    report_type: 'summary',
    report_id: uuidv7(),
    title: `Summary report: ${subject}`,
    generated_at: (options.now ?? new Date()).toISOString(),
    workspace_id: workspaceId,
    filters: filtersOf(filters),
    sections,
    status_counts: countStatuses(sections),
    chain_integrity_status: chain.status,
    chain_verification: chain.verification,
    coverage_caveat: SUMMARY_CAVEAT,
    coverage_pct: guard.reporting && seen > 0 ? Math.round((calls.calls / seen) * 1000) / 1000 : null,
  }
}
