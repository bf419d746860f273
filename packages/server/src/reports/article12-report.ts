import { uuidv7 } from '@mima/core'
import type { Ledger } from '../ledger/ledger'
import type { Queryable } from '../storage/database'
import {
  type ChainCheck,
  type ComplianceReport,
  chainVerification,
  countStatuses,
  filtersOf,
  ofTotal,
  REPORT_FORMAT,
  type ReportSection,
  type SectionStatus,
} from './compliance-report'
import {
  type ApprovalStats,
  approvalStats,
  type CallStats,
  callStats,
  type DecisionStats,
  decisionStats,
  type EvidenceStats,
  evidenceStats,
  type GuardStats,
  guardStats,
  type ReportFilters,
} from './report-data'

/** The scoping sentence every Article 12 report carries. */
export const ARTICLE12_CAVEAT: string =
  'This report covers only what was recorded through Mima: attested AI calls, GRC evidence, approvals ' +
  'and policy decisions. AI calls made outside an attested function are not included; the guard and the ' +
  'scanner report such calls where they run. The report gives evidence for the recorded actions; it does ' +
  'not assert that the deployment as a whole complies with the EU AI Act.'

interface Evidence {
  calls: CallStats
  guard: GuardStats
  approvals: ApprovalStats
  decisions: DecisionStats
  evidence: EvidenceStats
}

const count = (record: Record<string, number>, ...types: string[]): number =>
  types.reduce((sum, type) => sum + (record[type] ?? 0), 0)

function status(value: SectionStatus, reason: string): Pick<ReportSection, 'status' | 'status_reason'> {
  return { status: value, status_reason: reason }
}

function eventRegistration({ calls, guard }: Evidence): ReportSection {
  const verdict =
    calls.calls === 0
      ? status('non_compliant', 'No AI call was recorded in the period.')
      : guard.unattested > 0
        ? status('partial', `The guard reported ${guard.unattested} AI calls that no attestation records.`)
        : status(
            'compliant',
            'Every recorded call is a signed-tree ledger leaf and the guard reported no unattested call.',
          )
  return {
    id: 'event_registration',
    title: 'Recording of events',
    reference: 'Art. 12(1)',
    description:
      'The system automatically records events (logs) over its lifetime. Each attested call is a leaf of the ' +
      "workspace's append-only Merkle ledger, so a removed or edited record is detectable.",
    ...verdict,
    facts: [
      { label: 'Attested calls', value: calls.calls },
      { label: 'Signature verified by the server', value: ofTotal(calls.verified, calls.calls) },
      { label: 'Declared (unsigned or unknown key)', value: calls.declared },
      { label: 'Unattested calls reported by the guard', value: guard.unattested },
      { label: 'First call', value: calls.first_at },
      { label: 'Last call', value: calls.last_at },
    ],
    data: {
      calls: calls.calls,
      verified: calls.verified,
      declared: calls.declared,
      unattested: guard.unattested,
      unattested_call_sites: guard.call_sites,
      agents: calls.agents,
      tools: calls.tools,
    },
  }
}

function durationOfUse({ calls }: Evidence): ReportSection {
  const verdict =
    calls.calls === 0 || calls.with_executed_at === 0
      ? status('non_compliant', 'No recorded call says when it ran.')
      : calls.with_executed_at === calls.calls && calls.with_duration === calls.calls
        ? status('compliant', 'Every call records when it ran and how long it took.')
        : status(
            'partial',
            [
              calls.calls - calls.with_executed_at > 0
                ? `${calls.calls - calls.with_executed_at} calls lack a start time`
                : '',
              calls.calls - calls.with_duration > 0
                ? `${calls.calls - calls.with_duration} calls lack a duration`
                : '',
            ]
              .filter((part) => part !== '')
              .join(' and ') + '.',
          )
  return {
    id: 'duration_of_use',
    title: 'Period of each use',
    reference: 'Art. 12(3)(a)',
    description:
      'Recording of the period of each use of the system: start date and time and end date and time ' +
      "(the attestation's executed_at and duration_ms).",
    ...verdict,
    facts: [
      { label: 'Calls with a start time', value: ofTotal(calls.with_executed_at, calls.calls) },
      { label: 'Calls with a duration', value: ofTotal(calls.with_duration, calls.calls) },
      { label: 'Total recorded duration (s)', value: Math.round(calls.total_duration_ms) / 1000 },
      { label: 'Sessions', value: calls.sessions },
    ],
    data: {
      calls: calls.calls,
      with_executed_at: calls.with_executed_at,
      with_duration: calls.with_duration,
      total_duration_ms: calls.total_duration_ms,
      sessions: calls.sessions,
    },
  }
}

function referenceDatabase({ calls, evidence }: Evidence): ReportSection {
  const dataGovernance = count(evidence.ever, 'training_data_governance')
  const allNamed = calls.calls > 0 && calls.with_model === calls.calls
  const verdict =
    calls.with_model === 0 && dataGovernance === 0
      ? status('non_compliant', 'No call names its model and no training-data governance record exists.')
      : allNamed && dataGovernance > 0
        ? status('compliant', 'Every call names its model and the reference data is documented.')
        : status(
            'partial',
            allNamed
              ? 'Every call names its model, but no training_data_governance record documents the reference data.'
              : `${calls.calls - calls.with_model} calls do not name their model.`,
          )
  return {
    id: 'reference_database',
    title: 'Reference database',
    reference: 'Art. 12(3)(b)',
    description:
      'The reference database against which input data was checked: the models each call used, and the ' +
      'training and reference data documented by training_data_governance records.',
    ...verdict,
    facts: [
      { label: 'Calls naming their model', value: ofTotal(calls.with_model, calls.calls) },
      { label: 'Models used', value: calls.models.map((model) => model.model_id).join(', ') || null },
      { label: 'Training-data governance records (to period end)', value: dataGovernance },
    ],
    data: { models: calls.models, with_model: calls.with_model, training_data_governance: dataGovernance },
  }
}

function inputData({ calls }: Evidence): ReportSection {
  const verdict =
    calls.calls === 0
      ? status('non_compliant', 'No input was recorded in the period.')
      : calls.declared === 0
        ? status(
            'compliant',
            'Every call records SHA-256 hashes of its input and output, signed by the caller.',
          )
        : status(
            'partial',
            `Every call records input and output hashes, but ${calls.declared} are not signed by a key the server knows.`,
          )
  return {
    id: 'input_data',
    title: 'Input data',
    reference: 'Art. 12(3)(c)',
    description:
      'The input data for which the search led to a match. Attestations record the SHA-256 of each input ' +
      'and output (the content itself stays with the deployer), bound to the record by its signature.',
    ...verdict,
    facts: [
      { label: 'Calls with input and output hashes', value: ofTotal(calls.calls, calls.calls) },
      { label: 'Hashes signed by a known key', value: ofTotal(calls.verified, calls.calls) },
    ],
    data: { calls: calls.calls, verified: calls.verified, declared: calls.declared },
  }
}

function functioning({ calls, decisions, evidence }: Evidence): ReportSection {
  const incidents = count(evidence.in_period, 'incident_report')
  const verdict =
    calls.calls === 0
      ? status('non_compliant', 'No operation of the system was recorded in the period.')
      : decisions.total > 0
        ? status('compliant', 'Calls record their outcome and runtime policy decisions were logged.')
        : status(
            'partial',
            'Calls record their outcome, but no runtime policy decision was logged in the period.',
          )
  return {
    id: 'functioning',
    title: 'Functioning of the system',
    reference: 'Art. 12(2)(a), 26(5)',
    description:
      'Events relevant to identifying situations that may result in a risk: call outcomes and errors, ' +
      'runtime policy decisions (PII, scope, budgets) and incident reports.',
    ...verdict,
    facts: [
      { label: 'Calls that ended in an error', value: ofTotal(calls.errors, calls.calls) },
      { label: 'Policy decisions', value: decisions.total },
      {
        label: 'Decisions by outcome',
        value:
          Object.entries(decisions.by_decision)
            .map(([decision, total]) => `${decision}: ${total}`)
            .join(', ') || null,
      },
      { label: 'Incident reports', value: incidents },
    ],
    data: { errors: calls.errors, decisions, incident_reports: incidents },
  }
}

function humanOversight({ approvals, evidence }: Evidence): ReportSection {
  const decided = approvals.approved + approvals.rejected
  const oversightRecords = count(evidence.in_period, 'human_oversight')
  const verdict =
    decided === 0 && oversightRecords === 0
      ? status('non_compliant', 'No person verified or decided anything in the period.')
      : decided > 0 && oversightRecords > 0 && approvals.expired === 0
        ? status('compliant', 'Named people decided the approval requests and oversight records exist.')
        : status(
            'partial',
            approvals.expired > 0
              ? `${approvals.expired} approval requests expired without a decision.`
              : decided === 0
                ? 'Oversight records exist, but no approval was decided in the period.'
                : 'Approvals were decided, but no human_oversight record documents the oversight measures.',
          )
  return {
    id: 'human_oversight',
    title: 'Human oversight',
    reference: 'Art. 12(3)(d), 14',
    description:
      'Identification of the natural persons involved in the verification of the results: who decided each ' +
      'approval request (the decision is a ledger leaf) and human_oversight records.',
    ...verdict,
    facts: [
      { label: 'Approval requests', value: approvals.requested },
      { label: 'Approved / rejected', value: `${approvals.approved} / ${approvals.rejected}` },
      { label: 'Expired undecided', value: approvals.expired },
      { label: 'People who decided', value: approvals.deciders.join(', ') || null },
      { label: 'Median time to decision (s)', value: approvals.median_decision_seconds },
      { label: 'Human oversight records', value: oversightRecords },
    ],
    data: { approvals, human_oversight_records: oversightRecords },
  }
}

function postMarketMonitoring({ evidence }: Evidence): ReportSection {
  const types = ['model_evaluation', 'model_drift_event', 'incident_report'] as const
  const inPeriod = count(evidence.in_period, ...types)
  const ever = count(evidence.ever, ...types)
  const verdict =
    ever === 0
      ? status('non_compliant', 'No evaluation, drift or incident record exists.')
      : inPeriod > 0 && count(evidence.in_period, 'model_evaluation') > 0
        ? status('compliant', 'The system was evaluated and monitored during the period.')
        : status(
            'partial',
            inPeriod === 0
              ? 'Monitoring records exist, but none from this period.'
              : 'Drift or incident records exist in the period, but no model evaluation.',
          )
  return {
    id: 'post_market_monitoring',
    title: 'Post-market monitoring',
    reference: 'Art. 12(2)(b)–(c), 72',
    description:
      'Records that facilitate post-market monitoring and the monitoring of operation: model evaluations, ' +
      'drift events and incident reports.',
    ...verdict,
    facts: types.map((type) => ({
      label: type.replaceAll('_', ' '),
      value: `${count(evidence.in_period, type)} in period, ${count(evidence.ever, type)} to period end`,
    })),
    data: { in_period: inPeriod, to_period_end: ever, by_type: evidence.in_period },
  }
}

/** What {@link buildArticle12Report} needs. */
export interface Article12Options {
  database: Queryable
  ledger: Ledger
  workspaceId: string
  filters: ReportFilters
  now?: Date
  /** A chain check already run for this workspace (an audit pack builds several reports). */
  chain?: ChainCheck
}

/**
 * The EU AI Act Article 12 record-keeping report: the seven automatic-logging requirements as
 * sections, each compliant / partial / non_compliant by the evidence in scope, with the coverage
 * caveat and the ledger's chain verification.
 *
 * @example
 * ```ts
 * const report = await buildArticle12Report({ database, ledger, workspaceId, filters: { systemName: 'support-bot' } })
 * report.sections.map((section) => `${section.title}: ${section.status}`)
 * ```
 */
export async function buildArticle12Report(options: Article12Options): Promise<ComplianceReport> {
  const { database, ledger, workspaceId, filters } = options
  const [calls, guard, approvals, decisions, evidence, chain] = await Promise.all([
    callStats(database, workspaceId, filters),
    guardStats(database, workspaceId, filters),
    approvalStats(database, workspaceId, filters),
    decisionStats(database, workspaceId, filters),
    evidenceStats(database, workspaceId, filters),
    options.chain ?? chainVerification(database, ledger, workspaceId),
  ])
  const input: Evidence = { calls, guard, approvals, decisions, evidence }
  const sections = [
    eventRegistration(input),
    durationOfUse(input),
    referenceDatabase(input),
    inputData(input),
    functioning(input),
    humanOversight(input),
    postMarketMonitoring(input),
  ]
  const seen = calls.calls + guard.unattested
  return {
    format: REPORT_FORMAT,
    report_type: 'article12',
    report_id: uuidv7(),
    title: 'EU AI Act Article 12 record-keeping report',
    generated_at: (options.now ?? new Date()).toISOString(),
    workspace_id: workspaceId,
    filters: filtersOf(filters),
    sections,
    status_counts: countStatuses(sections),
    chain_integrity_status: chain.status,
    chain_verification: chain.verification,
    coverage_caveat: ARTICLE12_CAVEAT,
    coverage_pct: guard.reporting && seen > 0 ? Math.round((calls.calls / seen) * 1000) / 1000 : null,
  }
}
