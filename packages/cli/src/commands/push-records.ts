import type { OptionSpec } from '../cli/command'

/** How a flag's text becomes a value. */
export type FlagKind = 'string' | 'boolean' | 'integer' | 'number' | 'list' | 'json'

/** Where a flag's value goes in the wire record. */
export type FlagTarget = { payload: string } | 'occurred_at' | 'system_name' | 'identity' | 'environment'

/** One flag of `mima push <record_type>`. */
export interface PushFlag {
  readonly name: string
  readonly kind: FlagKind
  readonly description: string
  readonly required?: boolean
  /** Applied when the flag is absent (payload only). */
  readonly defaultValue?: string | number | boolean
  /** Allowed values, checked locally (exit 1 when violated). */
  readonly allowed?: readonly string[]
  readonly target: FlagTarget
}

/** The wire fields a record type fills from its payload (reference §3.1). */
export interface PushRecordSpec {
  readonly recordType: string
  readonly summary: string
  readonly flags: readonly PushFlag[]
  /** Top-level fields derived from payload keys. */
  readonly identity?: string
  readonly resource?: string | ((payload: Record<string, unknown>, systemName: string) => string)
  readonly environment?: string
  /** Payload key that also names the system (top-level `system_name`). */
  readonly systemName?: string
  /** Fills computed payload keys (human_oversight `override`). */
  readonly finish?: (payload: Record<string, unknown>) => void
  readonly example: string
}

const p = (key: string): FlagTarget => ({ payload: key })

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const
const ANNEX_III = [
  'biometric_identification',
  'critical_infrastructure',
  'education_vocational',
  'employment_management',
  'essential_services',
  'law_enforcement',
  'migration_border',
  'justice_democratic',
  'not_annex_iii',
] as const

/** The flags of every record type `mima push` accepts, with the SDK's wire payloads. */
export const PUSH_RECORDS: readonly PushRecordSpec[] = [
  {
    recordType: 'access_review',
    summary: 'A periodic or triggered review of who can access what',
    flags: [
      {
        name: 'user',
        kind: 'string',
        required: true,
        description: 'Whose access was reviewed',
        target: p('user'),
      },
      {
        name: 'resource',
        kind: 'string',
        required: true,
        description: 'The system or data',
        target: p('resource'),
      },
      {
        name: 'granted',
        kind: 'boolean',
        required: true,
        description: 'Whether access stays granted (true/false)',
        target: p('granted'),
      },
      {
        name: 'reviewed-by',
        kind: 'string',
        required: true,
        description: 'Reviewer',
        target: p('reviewed_by'),
      },
      {
        name: 'review-type',
        kind: 'string',
        defaultValue: 'periodic',
        description: 'periodic, triggered, offboarding, ...',
        target: p('review_type'),
      },
      { name: 'reason', kind: 'string', description: 'Why', target: p('reason') },
    ],
    identity: 'user',
    resource: 'resource',
    example:
      'mima push access_review --user alice@example.com --resource prod-db --granted true --reviewed-by bob@example.com',
  },
  {
    recordType: 'change_event',
    summary: 'A deploy or configuration change',
    flags: [
      { name: 'by', kind: 'string', required: true, description: 'Who made the change', target: p('by') },
      {
        name: 'description',
        kind: 'string',
        required: true,
        description: 'What changed',
        target: p('description'),
      },
      {
        name: 'environment',
        kind: 'string',
        required: true,
        description: 'production, staging, ...',
        target: p('environment'),
      },
      {
        name: 'system',
        kind: 'string',
        required: true,
        description: 'The system changed (also the record’s system_name)',
        target: p('system'),
      },
      {
        name: 'type',
        kind: 'string',
        defaultValue: 'deployment',
        description: 'Kind of change',
        target: p('type'),
      },
      { name: 'change-id', kind: 'string', description: 'Ticket, PR or commit', target: p('change_id') },
    ],
    identity: 'by',
    resource: 'system',
    environment: 'environment',
    systemName: 'system',
    example:
      'mima push change_event --by ci@example.com --description "Deploy v1.4" --environment production --system checkout --change-id $GITHUB_SHA',
  },
  {
    recordType: 'vendor_risk',
    summary: 'A third-party vendor risk review',
    flags: [
      { name: 'vendor', kind: 'string', required: true, description: 'Vendor name', target: p('vendor') },
      {
        name: 'tier',
        kind: 'string',
        required: true,
        allowed: SEVERITIES,
        description: 'critical, high, medium or low',
        target: p('tier'),
      },
      {
        name: 'last-reviewed',
        kind: 'string',
        required: true,
        description: 'Date of the review (YYYY-MM-DD)',
        target: p('last_reviewed'),
      },
      {
        name: 'findings',
        kind: 'integer',
        defaultValue: 0,
        description: 'Number of findings',
        target: p('findings'),
      },
      { name: 'contacts', kind: 'list', description: 'Comma-separated contacts', target: p('contacts') },
    ],
    resource: 'vendor',
    example: 'mima push vendor_risk --vendor OpenAI --tier high --last-reviewed 2026-11-01',
  },
  {
    recordType: 'policy_acknowledged',
    summary: 'A person acknowledged a policy',
    flags: [
      {
        name: 'policy',
        kind: 'string',
        required: true,
        description: 'Policy name',
        target: p('policy_name'),
      },
      {
        name: 'user',
        kind: 'string',
        required: true,
        description: 'Who acknowledged it',
        target: 'identity',
      },
      {
        name: 'version',
        kind: 'string',
        required: true,
        description: 'Policy version',
        target: p('policy_version'),
      },
      {
        name: 'system',
        kind: 'string',
        required: true,
        description: 'System the policy covers',
        target: 'system_name',
      },
      {
        name: 'acknowledgment-type',
        kind: 'string',
        defaultValue: 'initial',
        allowed: ['initial', 'renewal', 'update'],
        description: 'initial, renewal or update',
        target: p('acknowledgment_type'),
      },
      {
        name: 'channel',
        kind: 'string',
        defaultValue: 'in-app',
        description: 'in-app, email, slack, ...',
        target: p('channel'),
      },
      { name: 'policy-url', kind: 'string', description: 'Where the policy lives', target: p('policy_url') },
      {
        name: 'session-id',
        kind: 'string',
        description: 'Session in which it was acknowledged',
        target: p('session_id'),
      },
    ],
    finish(payload) {
      payload.decision = 'acknowledged'
    },
    resource: (payload) =>
      `policy:${String(payload.policy_name).toLowerCase().replaceAll(' ', '-')}:${String(payload.policy_version)}`,
    example:
      'mima push policy_acknowledged --policy "AI Acceptable Use" --user alice@example.com --version 2.1 --system support-bot',
  },
  {
    recordType: 'incident_report',
    summary: 'An incident, and whether the authority was notified',
    flags: [
      { name: 'title', kind: 'string', required: true, description: 'Short title', target: p('title') },
      {
        name: 'severity',
        kind: 'string',
        required: true,
        allowed: SEVERITIES,
        description: 'critical, high, medium or low',
        target: p('severity'),
      },
      {
        name: 'description',
        kind: 'string',
        required: true,
        description: 'What happened',
        target: p('description'),
      },
      {
        name: 'affected-systems',
        kind: 'list',
        required: true,
        description: 'Comma-separated systems',
        target: p('affected_systems'),
      },
      {
        name: 'detected-at',
        kind: 'string',
        description: 'When it was detected (ISO 8601; the record’s time)',
        target: 'occurred_at',
      },
      {
        name: 'authority-notified-at',
        kind: 'string',
        description: 'When the authority was told (EU AI Act Art. 73)',
        target: p('authority_notified_at'),
      },
    ],
    example:
      'mima push incident_report --title "PII in prompt log" --severity high --description "..." --affected-systems support-bot',
  },
  {
    recordType: 'ai_risk_assessment',
    summary: 'Risk classification of an AI system (EU AI Act Art. 9)',
    flags: [
      {
        name: 'system',
        kind: 'string',
        required: true,
        description: 'The AI system (the record’s system_name)',
        target: 'system_name',
      },
      {
        name: 'risk-tier',
        kind: 'string',
        required: true,
        allowed: ['unacceptable', 'high', 'limited', 'minimal'],
        description: 'unacceptable, high, limited or minimal',
        target: p('risk_level'),
      },
      {
        name: 'use-case',
        kind: 'string',
        required: true,
        description: 'One-line summary of the use case',
        target: p('risk_summary'),
      },
      {
        name: 'intended-purpose',
        kind: 'string',
        required: true,
        description: 'Intended purpose',
        target: p('intended_purpose'),
      },
      {
        name: 'impact-domains',
        kind: 'list',
        required: true,
        description: 'Comma-separated impact domains',
        target: p('impact_domains'),
      },
      {
        name: 'art5-self-assessment',
        kind: 'boolean',
        required: true,
        description: 'No Art. 5 prohibited practice (true/false)',
        target: p('art5_self_assessment'),
      },
      {
        name: 'assessor',
        kind: 'string',
        required: true,
        description: 'Who assessed it',
        target: 'identity',
      },
      {
        name: 'annex-iii-category',
        kind: 'string',
        allowed: ANNEX_III,
        description: 'Annex III category (required when --risk-tier high)',
        target: p('annex_iii_category'),
      },
      { name: 'version', kind: 'string', description: 'System version', target: p('system_version') },
      {
        name: 'environment',
        kind: 'string',
        defaultValue: 'production',
        description: 'Deployment environment',
        target: 'environment',
      },
      {
        name: 'assessment-date',
        kind: 'string',
        description: 'Date of the assessment (the record’s time)',
        target: 'occurred_at',
      },
      {
        name: 'technical-doc-url',
        kind: 'string',
        description: 'Technical documentation (Art. 11)',
        target: p('technical_doc_url'),
      },
      {
        name: 'training-data-url',
        kind: 'string',
        description: 'Training data documentation',
        target: p('training_data_url'),
      },
      { name: 'notes', kind: 'string', description: 'Notes', target: p('notes') },
    ],
    resource: (_payload, systemName) => systemName,
    example:
      'mima push ai_risk_assessment --system support-bot --risk-tier limited --use-case "Customer support answers" --intended-purpose "Answer FAQs" --impact-domains customers --art5-self-assessment true --assessor alice@example.com',
  },
  {
    recordType: 'training_data_governance',
    summary: 'Provenance and approval of a training dataset (EU AI Act Art. 10)',
    flags: [
      {
        name: 'model-id',
        kind: 'string',
        required: true,
        description: 'Model trained',
        target: p('model_id'),
      },
      { name: 'dataset-id', kind: 'string', required: true, description: 'Dataset', target: p('dataset_id') },
      {
        name: 'record-count',
        kind: 'integer',
        required: true,
        description: 'Number of records',
        target: p('record_count'),
      },
      {
        name: 'bias-checks-performed',
        kind: 'boolean',
        required: true,
        description: 'true/false',
        target: p('bias_checks_performed'),
      },
      {
        name: 'approved-by',
        kind: 'string',
        required: true,
        description: 'Approver',
        target: p('approved_by'),
      },
      {
        name: 'data-sources',
        kind: 'list',
        required: true,
        description: 'Comma-separated sources',
        target: p('data_sources'),
      },
      {
        name: 'data-categories',
        kind: 'list',
        required: true,
        description: 'Comma-separated categories',
        target: p('data_categories'),
      },
      {
        name: 'approval-date',
        kind: 'string',
        description: 'Date of approval (the record’s time)',
        target: 'occurred_at',
      },
      {
        name: 'known-limitations',
        kind: 'string',
        description: 'Known limitations',
        target: p('known_limitations'),
      },
    ],
    identity: 'approved_by',
    resource: 'dataset_id',
    example:
      'mima push training_data_governance --model-id m1 --dataset-id d1 --record-count 10000 --bias-checks-performed true --approved-by alice@example.com --data-sources crm --data-categories tickets',
  },
  {
    recordType: 'model_evaluation',
    summary: 'An evaluation of a model: accuracy, bias, robustness',
    flags: [
      {
        name: 'model-id',
        kind: 'string',
        required: true,
        description: 'Model evaluated',
        target: p('model_id'),
      },
      {
        name: 'dataset',
        kind: 'string',
        required: true,
        description: 'Evaluation dataset',
        target: p('dataset'),
      },
      {
        name: 'accuracy',
        kind: 'number',
        required: true,
        description: 'Accuracy (0..1)',
        target: p('accuracy'),
      },
      {
        name: 'evaluated-by',
        kind: 'string',
        required: true,
        description: 'Evaluator',
        target: p('evaluated_by'),
      },
      {
        name: 'evaluation-type',
        kind: 'string',
        defaultValue: 'quarterly',
        allowed: ['initial', 'quarterly', 'triggered'],
        description: 'initial, quarterly or triggered',
        target: p('evaluation_type'),
      },
      {
        name: 'passed-threshold',
        kind: 'boolean',
        description: 'Whether it passed (true/false)',
        target: p('passed_threshold'),
      },
      {
        name: 'robustness-score',
        kind: 'number',
        description: 'Robustness score',
        target: p('robustness_score'),
      },
      {
        name: 'bias-metrics',
        kind: 'json',
        description: 'Bias metrics as a JSON object',
        target: p('bias_metrics'),
      },
      {
        name: 'evaluation-date',
        kind: 'string',
        description: 'Date (the record’s time)',
        target: 'occurred_at',
      },
      { name: 'notes', kind: 'string', description: 'Notes', target: p('notes') },
    ],
    identity: 'evaluated_by',
    resource: 'model_id',
    example:
      'mima push model_evaluation --model-id gpt-4o --dataset golden-v3 --accuracy 0.93 --evaluated-by alice@example.com',
  },
  {
    recordType: 'human_oversight',
    summary: 'A person reviewed an AI recommendation (EU AI Act Art. 14)',
    flags: [
      {
        name: 'decision-id',
        kind: 'string',
        required: true,
        description: 'Decision reviewed',
        target: p('decision_id'),
      },
      {
        name: 'ai-recommendation',
        kind: 'string',
        required: true,
        description: 'What the AI recommended',
        target: p('ai_recommendation'),
      },
      {
        name: 'human-decision',
        kind: 'string',
        required: true,
        description: 'What the person decided',
        target: p('human_decision'),
      },
      { name: 'reviewer', kind: 'string', required: true, description: 'Reviewer', target: p('reviewer') },
      {
        name: 'override',
        kind: 'boolean',
        description: 'Overrode the AI (default: decision differs)',
        target: p('override'),
      },
      { name: 'rationale', kind: 'string', description: 'Why', target: p('rationale') },
      { name: 'model-id', kind: 'string', description: 'Model', target: p('model_id') },
    ],
    identity: 'reviewer',
    resource: 'decision_id',
    finish(payload) {
      if (payload.override === undefined)
        payload.override = payload.ai_recommendation !== payload.human_decision
    },
    example:
      'mima push human_oversight --decision-id loan-42 --ai-recommendation deny --human-decision approve --reviewer bob@example.com',
  },
  {
    recordType: 'model_drift_event',
    summary: 'Drift detected on a model in production',
    flags: [
      { name: 'model-id', kind: 'string', required: true, description: 'Model', target: p('model_id') },
      {
        name: 'metric',
        kind: 'string',
        required: true,
        description: 'Metric that drifted',
        target: p('metric'),
      },
      {
        name: 'baseline',
        kind: 'number',
        required: true,
        description: 'Baseline value',
        target: p('baseline'),
      },
      { name: 'current', kind: 'number', required: true, description: 'Current value', target: p('current') },
      {
        name: 'threshold',
        kind: 'number',
        required: true,
        description: 'Alert threshold',
        target: p('threshold'),
      },
      {
        name: 'detected-by',
        kind: 'string',
        required: true,
        description: 'Who or what detected it',
        target: p('detected_by'),
      },
      {
        name: 'drift-type',
        kind: 'string',
        defaultValue: 'performance',
        allowed: ['performance', 'data', 'concept'],
        description: 'performance, data or concept',
        target: p('drift_type'),
      },
      { name: 'action-taken', kind: 'string', description: 'What was done', target: p('action_taken') },
      {
        name: 'detection-date',
        kind: 'string',
        description: 'Date (the record’s time)',
        target: 'occurred_at',
      },
    ],
    identity: 'detected_by',
    resource: 'model_id',
    example:
      'mima push model_drift_event --model-id m1 --metric accuracy --baseline 0.93 --current 0.85 --threshold 0.05 --detected-by monitor',
  },
  {
    recordType: 'governance_review',
    summary: 'A periodic management review of AI governance',
    flags: [
      {
        name: 'reviewed-by',
        kind: 'string',
        required: true,
        description: 'Reviewer',
        target: p('reviewed_by'),
      },
      {
        name: 'report-type',
        kind: 'string',
        required: true,
        description: 'quarterly, annual, ...',
        target: p('report_type'),
      },
      {
        name: 'frameworks',
        kind: 'list',
        required: true,
        description: 'Comma-separated framework slugs reviewed',
        target: p('frameworks_reviewed'),
      },
      {
        name: 'overall-readiness',
        kind: 'integer',
        required: true,
        description: 'Readiness 0-100',
        target: p('overall_readiness'),
      },
      {
        name: 'action-items',
        kind: 'integer',
        defaultValue: 0,
        description: 'Open action items',
        target: p('action_items'),
      },
      { name: 'review-date', kind: 'string', description: 'Date (the record’s time)', target: 'occurred_at' },
      { name: 'notes', kind: 'string', description: 'Notes', target: p('notes') },
    ],
    identity: 'reviewed_by',
    example:
      'mima push governance_review --reviewed-by cto@example.com --report-type quarterly --frameworks eu_ai_act,iso_42001 --overall-readiness 72',
  },
  {
    recordType: 'quality_management_review',
    summary: 'Review of the quality management system (EU AI Act Art. 17)',
    flags: [
      {
        name: 'reviewed-by',
        kind: 'string',
        required: true,
        description: 'Reviewer',
        target: p('reviewed_by'),
      },
      {
        name: 'procedures-version',
        kind: 'string',
        required: true,
        description: 'Version of the procedures reviewed',
        target: p('procedures_version'),
      },
      {
        name: 'scope',
        kind: 'string',
        defaultValue: 'design_development_testing_monitoring',
        description: 'Scope of the review',
        target: p('scope'),
      },
      {
        name: 'action-items',
        kind: 'integer',
        defaultValue: 0,
        description: 'Open action items',
        target: p('action_items'),
      },
      { name: 'review-date', kind: 'string', description: 'Date (the record’s time)', target: 'occurred_at' },
      { name: 'notes', kind: 'string', description: 'Notes', target: p('notes') },
    ],
    identity: 'reviewed_by',
    example: 'mima push quality_management_review --reviewed-by qa@example.com --procedures-version 3.0',
  },
  {
    recordType: 'deployer_obligations_review',
    summary: 'Review of deployer obligations (EU AI Act Art. 26)',
    flags: [
      {
        name: 'reviewed-by',
        kind: 'string',
        required: true,
        description: 'Reviewer',
        target: p('reviewed_by'),
      },
      {
        name: 'system-name',
        kind: 'string',
        required: true,
        description: 'The deployed system (the record’s system_name)',
        target: p('system_name'),
      },
      {
        name: 'human-oversight-implemented',
        kind: 'boolean',
        required: true,
        description: 'true/false',
        target: p('human_oversight_implemented'),
      },
      {
        name: 'workers-informed',
        kind: 'boolean',
        defaultValue: false,
        description: 'true/false',
        target: p('workers_informed'),
      },
      {
        name: 'input-data-quality-verified',
        kind: 'boolean',
        defaultValue: false,
        description: 'true/false',
        target: p('input_data_quality_verified'),
      },
      { name: 'review-date', kind: 'string', description: 'Date (the record’s time)', target: 'occurred_at' },
      { name: 'notes', kind: 'string', description: 'Notes', target: p('notes') },
    ],
    identity: 'reviewed_by',
    systemName: 'system_name',
    example:
      'mima push deployer_obligations_review --reviewed-by ops@example.com --system-name support-bot --human-oversight-implemented true',
  },
]

/** The push spec of a record type. */
export function findPushRecord(recordType: string): PushRecordSpec | undefined {
  return PUSH_RECORDS.find((spec) => spec.recordType === recordType)
}

/** The `parseArgs` option specs for one record type's flags. */
export function pushFlagOptions(spec: PushRecordSpec): Record<string, OptionSpec> {
  const options: Record<string, OptionSpec> = {}
  for (const flag of spec.flags) {
    options[flag.name] = {
      type: 'string',
      description: flag.description,
      valueName:
        flag.kind === 'boolean'
          ? 'BOOL'
          : flag.kind === 'list'
            ? 'A,B'
            : flag.kind === 'integer' || flag.kind === 'number'
              ? 'N'
              : flag.kind === 'json'
                ? 'JSON'
                : 'VALUE',
      ...(flag.required ? { required: true } : {}),
      ...(flag.defaultValue === undefined ? {} : { defaultLabel: String(flag.defaultValue) }),
    }
  }
  return options
}
