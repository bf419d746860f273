export {
  controlAliases,
  FRAMEWORK_CATALOGS,
  getControl,
  getFrameworkCatalog,
  listControls,
  requiredControls,
  resolveControl,
} from './catalog/catalog'
export {
  type Control,
  type ControlId,
  FRAMEWORK_SLUGS,
  type FrameworkCatalog,
  type FrameworkSlug,
} from './catalog/control'
export { type CreateGrcOptions, createGrc, type Grc, type GrcEvidenceClient } from './client/create-grc'
export {
  type DeriveControlsInput,
  type DerivedControls,
  deriveControls,
  type UncoveredControl,
} from './derive/derive-controls'
export {
  ciIdentity,
  type EvalEvidenceOptions,
  type EvalSummary,
  modelEvaluationRecord,
} from './evals/eval-evidence'
export { fromLangfuseScores, type LangfuseScore } from './evals/from-langfuse-scores'
export { fromPromptfoo } from './evals/from-promptfoo'
export { fromVitestEvals } from './evals/from-vitest-evals'
export {
  type MappableRecord,
  mapRecordToControls,
  type PossibleControl,
  possibleControls,
  recordTypesForControl,
} from './mapping/map-record-to-controls'
export { MAPPING_RULES, type MappingRule, type PayloadView } from './mapping/mapping-rules'
export {
  type ComputeReadinessInput,
  type ControlCoverage,
  computeReadiness,
  type EvidenceSource,
  type FrameworkReadiness,
  type FrameworkValidation,
  OVERALL_RULE,
  OVERALL_RULE_DESCRIPTION,
  type ReadinessReport,
} from './readiness/compute-readiness'
export {
  effectiveGates,
  evaluateGate,
  evaluateGates,
  GATE_RULE,
  type GateCheck,
  type GateMode,
  type GatePolicy,
  type GatePolicyInput,
  type GateResult,
  parseGatePolicyInput,
  WORKSPACE_SCOPE,
} from './readiness/evaluate-gates'
export type {
  AccessReviewInput,
  AcknowledgmentType,
  AiRiskAssessmentInput,
  AnnexIiiCategory,
  ChangeEventInput,
  DateInput,
  DeployerObligationsReviewInput,
  DriftType,
  EvaluationType,
  GovernanceReviewInput,
  HumanOversightInput,
  IncidentReportInput,
  ModelDriftEventInput,
  ModelEvaluationInput,
  PolicyAcknowledgedInput,
  QualityManagementReviewInput,
  RiskTier,
  Severity,
  TrainingDataGovernanceInput,
  VendorRiskInput,
} from './records/builder-inputs'
export {
  BUILDER_METHODS,
  createGrcRecordBuilder,
  type GrcRecordBuilder,
  type GrcRecordBuilderOptions,
} from './records/create-grc-record-builder'
export {
  ACKNOWLEDGMENT_TYPES,
  ANNEX_III_CATEGORIES,
  DRIFT_TYPES,
  EVALUATION_TYPES,
  type FieldKind,
  type FieldSpec,
  LEGACY_RISK_LEVELS,
  OVERSIGHT_STATUSES,
  PAYLOAD_SPECS,
  type PayloadSpec,
  RISK_TIERS,
  SEVERITIES,
} from './records/payload-specs'
export { isRecordType, RECORD_TYPES, type RecordType } from './records/record-types'
export {
  collectGrcRecordIssues,
  describeGrcIssue,
  type GrcRecord,
  type GrcValidationIssue,
  grcValidationError,
  isIsoDate,
  type ValidateGrcRecordOptions,
  validateGrcRecord,
} from './records/validate-grc-record'
export { VERSION } from './version'
