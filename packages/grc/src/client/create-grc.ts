import type { GrcResult, GrcWireRecord } from '@mima/core'
import type {
  AccessReviewInput,
  AiRiskAssessmentInput,
  ChangeEventInput,
  DeployerObligationsReviewInput,
  GovernanceReviewInput,
  HumanOversightInput,
  IncidentReportInput,
  ModelDriftEventInput,
  ModelEvaluationInput,
  PolicyAcknowledgedInput,
  QualityManagementReviewInput,
  TrainingDataGovernanceInput,
  VendorRiskInput,
} from '../records/builder-inputs'
import { createGrcRecordBuilder, type GrcRecordBuilder } from '../records/create-grc-record-builder'
import type { GrcRecord } from '../records/validate-grc-record'

/**
 * What `createGrc` needs from a client: the core client from `createMima` has it. Anything with a
 * `pushEvidence` works (a queue, a test double, another transport).
 */
export interface GrcEvidenceClient {
  pushEvidence(record: GrcWireRecord): Promise<GrcResult>
  /** Used as `system_name` when neither the record input nor `createGrc` options name one. */
  readonly systemName?: string | undefined
}

/** Options of {@link createGrc}. */
export interface CreateGrcOptions {
  /** The `system_name` of records (default: the client's `systemName`). */
  readonly systemName?: string | undefined
  /** The clock for `occurred_at` defaults. */
  readonly now?: (() => Date) | undefined
}

/**
 * The 13 evidence methods. Each validates its input (rejecting with `MimaError` `validation_failed`
 * before anything is sent), builds the wire record and sends it with the client's `pushEvidence`.
 */
export interface Grc {
  aiRiskAssessment(input: AiRiskAssessmentInput): Promise<GrcResult>
  modelEvaluation(input: ModelEvaluationInput): Promise<GrcResult>
  humanOversight(input: HumanOversightInput): Promise<GrcResult>
  trainingDataGovernance(input: TrainingDataGovernanceInput): Promise<GrcResult>
  incidentReport(input: IncidentReportInput): Promise<GrcResult>
  accessReview(input: AccessReviewInput): Promise<GrcResult>
  changeEvent(input: ChangeEventInput): Promise<GrcResult>
  vendorRisk(input: VendorRiskInput): Promise<GrcResult>
  policyAcknowledged(input: PolicyAcknowledgedInput): Promise<GrcResult>
  modelDriftEvent(input: ModelDriftEventInput): Promise<GrcResult>
  governanceReview(input: GovernanceReviewInput): Promise<GrcResult>
  qualityManagementReview(input: QualityManagementReviewInput): Promise<GrcResult>
  deployerObligationsReview(input: DeployerObligationsReviewInput): Promise<GrcResult>
  /** The same builders without sending (for dry runs, batching, tests). */
  readonly records: GrcRecordBuilder
}

/**
 * Evidence methods on top of a core client.
 *
 * @example
 * ```ts
 * import { createMima } from '@mima/core'
 * import { createGrc } from '@mima/grc'
 *
 * const grc = createGrc(createMima({ systemName: 'loan-scorer' }))
 * const result = await grc.humanOversight({
 *   decisionId: 'loan-app-48291',
 *   aiRecommendation: 'approve',
 *   humanDecision: 'reject',
 *   reviewer: 'bob@example.com',
 * })
 * result.mappedControls // ['eu_ai_act:art_14', 'iso_42001:A.9.2', …]
 * ```
 */
export function createGrc(client: GrcEvidenceClient, options: CreateGrcOptions = {}): Grc {
  const records = createGrcRecordBuilder({
    systemName: options.systemName ?? client.systemName,
    now: options.now,
  })
  const send = async (build: () => GrcRecord): Promise<GrcResult> =>
    client.pushEvidence(build() as GrcWireRecord)
  return {
    records,
    aiRiskAssessment: (input) => send(() => records.aiRiskAssessment(input)),
    modelEvaluation: (input) => send(() => records.modelEvaluation(input)),
    humanOversight: (input) => send(() => records.humanOversight(input)),
    trainingDataGovernance: (input) => send(() => records.trainingDataGovernance(input)),
    incidentReport: (input) => send(() => records.incidentReport(input)),
    accessReview: (input) => send(() => records.accessReview(input)),
    changeEvent: (input) => send(() => records.changeEvent(input)),
    vendorRisk: (input) => send(() => records.vendorRisk(input)),
    policyAcknowledged: (input) => send(() => records.policyAcknowledged(input)),
    modelDriftEvent: (input) => send(() => records.modelDriftEvent(input)),
    governanceReview: (input) => send(() => records.governanceReview(input)),
    qualityManagementReview: (input) => send(() => records.qualityManagementReview(input)),
    deployerObligationsReview: (input) => send(() => records.deployerObligationsReview(input)),
  }
}
