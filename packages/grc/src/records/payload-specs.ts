import type { RecordType } from './record-types'

/** The kinds of value a payload field can hold. */
export type FieldKind = 'string' | 'boolean' | 'number' | 'integer' | 'string_list' | 'object' | 'date'

/** What a payload field must look like on the wire. */
export interface FieldSpec {
  readonly kind: FieldKind
  /** Required in a full (not dry-run) record. */
  readonly required?: boolean
  /** Allowed values (for `string` fields). */
  readonly allowed?: readonly string[]
  /** Inclusive bounds (for `number`/`integer` fields). */
  readonly min?: number
  readonly max?: number
}

/** A payload shape: field name → spec. Fields not listed are accepted as sent. */
export type PayloadSpec = Readonly<Record<string, FieldSpec>>

/** `ai_risk_assessment` risk tiers (EU AI Act): the SDK's enum. */
export const RISK_TIERS: readonly ['unacceptable', 'high', 'limited', 'minimal'] = [
  'unacceptable',
  'high',
  'limited',
  'minimal',
] as const
/** Risk levels also accepted on the wire because the Python CLI's `mima register` sends them. */
export const LEGACY_RISK_LEVELS: readonly ['medium', 'low'] = ['medium', 'low'] as const
/** EU AI Act Annex III categories (`not_annex_iii` for high-risk systems outside Annex III). */
export const ANNEX_III_CATEGORIES: readonly [
  'biometric_identification',
  'critical_infrastructure',
  'education_vocational',
  'employment_management',
  'essential_services',
  'law_enforcement',
  'migration_border',
  'justice_democratic',
  'not_annex_iii',
] = [
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
/** Severities of `incident_report` and tiers of `vendor_risk`. */
export const SEVERITIES: readonly ['critical', 'high', 'medium', 'low'] = [
  'critical',
  'high',
  'medium',
  'low',
] as const
/** `model_evaluation` evaluation types. */
export const EVALUATION_TYPES: readonly ['initial', 'quarterly', 'triggered'] = [
  'initial',
  'quarterly',
  'triggered',
] as const
/** `model_drift_event` drift types. */
export const DRIFT_TYPES: readonly ['performance', 'data', 'concept'] = [
  'performance',
  'data',
  'concept',
] as const
/** `policy_acknowledged` acknowledgment types. */
export const ACKNOWLEDGMENT_TYPES: readonly ['initial', 'renewal', 'update'] = [
  'initial',
  'renewal',
  'update',
] as const
/** `human_oversight` statuses of records pushed from approvals (`oversight_status`). */
export const OVERSIGHT_STATUSES: readonly ['approved', 'rejected', 'timeout_unblocked'] = [
  'approved',
  'rejected',
  'timeout_unblocked',
] as const

const requiredString: FieldSpec = { kind: 'string', required: true }
const optionalString: FieldSpec = { kind: 'string' }

/** The `human_oversight` shape pushed from an approval token (`oversight_status`). */
export const APPROVAL_OVERSIGHT_SPEC: PayloadSpec = {
  oversight_status: { kind: 'string', required: true, allowed: OVERSIGHT_STATUSES },
  approval_id: requiredString,
  approved_by: optionalString,
  action_type: optionalString,
  tool_name: optionalString,
}

/**
 * The wire payload of each record type: what every Python producer (SDK builders, CLI push,
 * register, acknowledge) sends, checked field by field. `ai_risk_assessment` also needs
 * `risk_level` (or the CLI's `risk_tier`) and, for high risk, `annex_iii_category`; `human_oversight`
 * has a second shape ({@link APPROVAL_OVERSIGHT_SPEC}).
 */
export const PAYLOAD_SPECS: Readonly<Record<RecordType, PayloadSpec>> = {
  ai_risk_assessment: {
    risk_level: { kind: 'string', allowed: [...RISK_TIERS, ...LEGACY_RISK_LEVELS] },
    risk_tier: { kind: 'string', allowed: [...RISK_TIERS, ...LEGACY_RISK_LEVELS] },
    risk_summary: optionalString,
    use_case: optionalString,
    intended_purpose: requiredString,
    impact_domains: { kind: 'string_list' },
    art5_self_assessment: { kind: 'boolean', required: true },
    annex_iii_category: { kind: 'string', allowed: ANNEX_III_CATEGORIES },
    system_version: optionalString,
    technical_doc_url: optionalString,
    training_data_url: optionalString,
    notes: optionalString,
  },
  model_evaluation: {
    model_id: requiredString,
    dataset: requiredString,
    accuracy: { kind: 'number', required: true },
    evaluated_by: requiredString,
    evaluation_type: { kind: 'string', allowed: EVALUATION_TYPES },
    bias_metrics: { kind: 'object' },
    robustness_score: { kind: 'number' },
    passed_threshold: { kind: 'boolean' },
    notes: optionalString,
  },
  human_oversight: {
    decision_id: requiredString,
    ai_recommendation: requiredString,
    human_decision: requiredString,
    reviewer: requiredString,
    override: { kind: 'boolean' },
    rationale: optionalString,
    model_id: optionalString,
  },
  training_data_governance: {
    model_id: requiredString,
    dataset_id: requiredString,
    record_count: { kind: 'integer', required: true, min: 0 },
    bias_checks_performed: { kind: 'boolean', required: true },
    approved_by: requiredString,
    data_sources: { kind: 'string_list', required: true },
    data_categories: { kind: 'string_list', required: true },
    known_limitations: optionalString,
  },
  incident_report: {
    title: requiredString,
    severity: { kind: 'string', required: true, allowed: SEVERITIES },
    description: requiredString,
    affected_systems: { kind: 'string_list', required: true },
    authority_notified_at: { kind: 'date' },
  },
  access_review: {
    user: requiredString,
    resource: requiredString,
    granted: { kind: 'boolean', required: true },
    reviewed_by: requiredString,
    review_type: optionalString,
    reason: optionalString,
  },
  change_event: {
    type: requiredString,
    by: requiredString,
    description: requiredString,
    environment: requiredString,
    system: requiredString,
    change_id: optionalString,
  },
  vendor_risk: {
    vendor: requiredString,
    tier: { kind: 'string', required: true, allowed: SEVERITIES },
    last_reviewed: requiredString,
    findings: { kind: 'integer', min: 0 },
    contacts: { kind: 'string_list' },
  },
  policy_acknowledged: {
    decision: optionalString,
    policy_name: requiredString,
    policy_version: requiredString,
    acknowledgment_type: { kind: 'string', allowed: ACKNOWLEDGMENT_TYPES },
    channel: optionalString,
    policy_url: optionalString,
    session_id: optionalString,
  },
  model_drift_event: {
    model_id: requiredString,
    metric: requiredString,
    baseline: { kind: 'number', required: true },
    current: { kind: 'number', required: true },
    threshold: { kind: 'number', required: true },
    drift_type: { kind: 'string', allowed: DRIFT_TYPES },
    detected_by: requiredString,
    action_taken: optionalString,
  },
  governance_review: {
    reviewed_by: requiredString,
    report_type: requiredString,
    frameworks_reviewed: { kind: 'string_list', required: true },
    overall_readiness: { kind: 'integer', required: true, min: 0, max: 100 },
    action_items: { kind: 'integer', min: 0 },
    notes: optionalString,
  },
  quality_management_review: {
    reviewed_by: requiredString,
    procedures_version: requiredString,
    scope: optionalString,
    action_items: { kind: 'integer', min: 0 },
    notes: optionalString,
  },
  deployer_obligations_review: {
    reviewed_by: requiredString,
    system_name: requiredString,
    human_oversight_implemented: { kind: 'boolean', required: true },
    workers_informed: { kind: 'boolean' },
    input_data_quality_verified: { kind: 'boolean' },
    notes: optionalString,
  },
}
