import type {
  ACKNOWLEDGMENT_TYPES,
  ANNEX_III_CATEGORIES,
  DRIFT_TYPES,
  EVALUATION_TYPES,
  RISK_TIERS,
  SEVERITIES,
} from './payload-specs'

/** A date the caller gives: an ISO-8601 string (`2026-06-01`, `2026-06-01T14:22:00Z`) or a `Date`. */
export type DateInput = string | Date

/** EU AI Act risk tier. */
export type RiskTier = (typeof RISK_TIERS)[number]
/** EU AI Act Annex III category. */
export type AnnexIiiCategory = (typeof ANNEX_III_CATEGORIES)[number]
/** `critical` | `high` | `medium` | `low`. */
export type Severity = (typeof SEVERITIES)[number]
/** `initial` | `quarterly` | `triggered`. */
export type EvaluationType = (typeof EVALUATION_TYPES)[number]
/** `performance` | `data` | `concept`. */
export type DriftType = (typeof DRIFT_TYPES)[number]
/** `initial` | `renewal` | `update`. */
export type AcknowledgmentType = (typeof ACKNOWLEDGMENT_TYPES)[number]

/** `aiRiskAssessment` (EU AI Act Art. 9): classifies an AI system. */
export interface AiRiskAssessmentInput {
  /** The assessed system; becomes the record's `system_name` (overrides the client's). */
  systemName: string
  riskTier: RiskTier
  /** Sent as `risk_summary`. */
  useCase: string
  intendedPurpose: string
  impactDomains: readonly string[]
  /** Certifies no Art. 5 prohibited practice. Never set without explicit human confirmation. */
  art5SelfAssessment: boolean
  /** Sent as `identity`. */
  assessor: string
  /** Required when `riskTier` is `high`. */
  annexIiiCategory?: AnnexIiiCategory
  /** `occurred_at`; default now. */
  assessmentDate?: DateInput
  technicalDocUrl?: string
  trainingDataUrl?: string
  /** Default `production`. */
  environment?: string
  systemVersion?: string
  notes?: string
}

/** `modelEvaluation`: accuracy, bias and robustness results of a model. */
export interface ModelEvaluationInput {
  modelId: string
  dataset: string
  accuracy: number
  evaluatedBy: string
  /** Default `quarterly`. */
  evaluationType?: EvaluationType
  /** A non-empty object earns the fairness controls. */
  biasMetrics?: Readonly<Record<string, number>>
  /** A number earns the robustness controls (EU AI Act Art. 15(4)). */
  robustnessScore?: number
  passedThreshold?: boolean
  evaluationDate?: DateInput
  notes?: string
}

/** `humanOversight`: a human reviewed an AI recommendation. */
export interface HumanOversightInput {
  decisionId: string
  aiRecommendation: string
  humanDecision: string
  reviewer: string
  rationale?: string
  modelId?: string
  /** Default: `aiRecommendation !== humanDecision`. */
  override?: boolean
}

/** `trainingDataGovernance`: a training data set was governed and approved. */
export interface TrainingDataGovernanceInput {
  modelId: string
  datasetId: string
  recordCount: number
  /** `true` earns EU AI Act Art. 10 (bias examination). */
  biasChecksPerformed: boolean
  approvedBy: string
  dataSources: readonly string[]
  dataCategories: readonly string[]
  approvalDate?: DateInput
  knownLimitations?: string
}

/** `incidentReport`: an AI incident. */
export interface IncidentReportInput {
  title: string
  severity: Severity
  description: string
  affectedSystems: readonly string[]
  /** `occurred_at`; default now. */
  detectedAt?: DateInput
  /** When the market surveillance authority was notified; earns EU AI Act Art. 73. */
  authorityNotifiedAt?: DateInput
}

/** `accessReview`: a user's access to a resource was reviewed. */
export interface AccessReviewInput {
  user: string
  resource: string
  granted: boolean
  reviewedBy: string
  /** Default `periodic`; not validated (the reference lists periodic, triggered, offboarding). */
  reviewType?: string
  reason?: string
}

/** `changeEvent`: a change to an AI system (deploy, prompt update, …). */
export interface ChangeEventInput {
  /** E.g. `deployment`, `prompt_update`. */
  type: string
  by: string
  description: string
  environment: string
  system: string
  changeId?: string
}

/** `vendorRisk`: a vendor's risk review. */
export interface VendorRiskInput {
  vendor: string
  tier: Severity
  lastReviewed: string
  /** Default 0. */
  findings?: number
  contacts?: readonly string[]
}

/** `policyAcknowledged`: a person acknowledged a policy. */
export interface PolicyAcknowledgedInput {
  policy: string
  user: string
  version: string
  /** Overrides the client's system name. */
  systemName?: string
  /** Default `initial`. */
  acknowledgmentType?: AcknowledgmentType
  policyUrl?: string
  /** Default `in-app`. */
  channel?: string
  sessionId?: string
}

/** `modelDriftEvent`: a monitored metric drifted past its threshold. */
export interface ModelDriftEventInput {
  modelId: string
  metric: string
  baseline: number
  current: number
  threshold: number
  /** Default `performance`. */
  driftType?: DriftType
  detectedBy: string
  actionTaken?: string
  detectionDate?: DateInput
}

/** `governanceReview`: a periodic governance (management) review. */
export interface GovernanceReviewInput {
  reviewedBy: string
  /** E.g. `quarterly`, `internal_audit` (a type naming an audit earns ISO 42001 9.2). */
  reportType: string
  frameworksReviewed: readonly string[]
  /** Integer 0–100. */
  overallReadiness: number
  /** Default 0. */
  actionItems?: number
  reviewDate?: DateInput
  notes?: string
}

/** `qualityManagementReview` (EU AI Act Art. 17): the QMS procedures were reviewed. */
export interface QualityManagementReviewInput {
  reviewedBy: string
  proceduresVersion: string
  /** Default `design_development_testing_monitoring`. */
  scope?: string
  /** Default 0. */
  actionItems?: number
  notes?: string
  reviewDate?: DateInput
}

/** `deployerObligationsReview` (EU AI Act Art. 26): a deployer reviewed its obligations for a system. */
export interface DeployerObligationsReviewInput {
  reviewedBy: string
  /** The deployed system; also the record's `system_name`. */
  systemName: string
  /** `true` earns EU AI Act Art. 14. */
  humanOversightImplemented: boolean
  /** Default false. */
  workersInformed?: boolean
  /** Default false. */
  inputDataQualityVerified?: boolean
  notes?: string
  reviewDate?: DateInput
}
