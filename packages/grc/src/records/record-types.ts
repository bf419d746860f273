/**
 * The 13 GRC evidence record types, as sent on the wire in `record_type`: the Python SDK's 11
 * builders plus the CLI's `quality_management_review` and `deployer_obligations_review`.
 */
export const RECORD_TYPES: readonly [
  'ai_risk_assessment',
  'model_evaluation',
  'human_oversight',
  'training_data_governance',
  'incident_report',
  'access_review',
  'change_event',
  'vendor_risk',
  'policy_acknowledged',
  'model_drift_event',
  'governance_review',
  'quality_management_review',
  'deployer_obligations_review',
] = [
  'ai_risk_assessment',
  'model_evaluation',
  'human_oversight',
  'training_data_governance',
  'incident_report',
  'access_review',
  'change_event',
  'vendor_risk',
  'policy_acknowledged',
  'model_drift_event',
  'governance_review',
  'quality_management_review',
  'deployer_obligations_review',
] as const

/** One of the 13 wire `record_type` strings in {@link RECORD_TYPES}. */
export type RecordType = (typeof RECORD_TYPES)[number]

const RECORD_TYPE_SET: ReadonlySet<string> = new Set(RECORD_TYPES)

/** Whether `value` is one of the 13 wire record types. */
export function isRecordType(value: unknown): value is RecordType {
  return typeof value === 'string' && RECORD_TYPE_SET.has(value)
}
