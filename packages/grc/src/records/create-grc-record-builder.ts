import { MimaError } from '@mima/core'
import type {
  AccessReviewInput,
  AiRiskAssessmentInput,
  ChangeEventInput,
  DateInput,
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
} from './builder-inputs'
import { RISK_TIERS } from './payload-specs'
import type { RecordType } from './record-types'
import {
  collectGrcRecordIssues,
  type GrcRecord,
  type GrcValidationIssue,
  grcValidationError,
} from './validate-grc-record'

/** Options of {@link createGrcRecordBuilder}. */
export interface GrcRecordBuilderOptions {
  /** The `system_name` of records whose input does not name a system. */
  readonly systemName?: string | undefined
  /** The clock for `occurred_at` defaults (inject in tests). */
  readonly now?: (() => Date) | undefined
}

/**
 * Builds validated GRC wire records without sending them: one method per record type, the same
 * payloads and validation rules as the Python SDK. Invalid input throws {@link MimaError}
 * `validation_failed` naming the option (`riskTier`, `annexIiiCategory`, …) and the allowed values.
 */
export interface GrcRecordBuilder {
  aiRiskAssessment(input: AiRiskAssessmentInput): GrcRecord
  modelEvaluation(input: ModelEvaluationInput): GrcRecord
  humanOversight(input: HumanOversightInput): GrcRecord
  trainingDataGovernance(input: TrainingDataGovernanceInput): GrcRecord
  incidentReport(input: IncidentReportInput): GrcRecord
  accessReview(input: AccessReviewInput): GrcRecord
  changeEvent(input: ChangeEventInput): GrcRecord
  vendorRisk(input: VendorRiskInput): GrcRecord
  policyAcknowledged(input: PolicyAcknowledgedInput): GrcRecord
  modelDriftEvent(input: ModelDriftEventInput): GrcRecord
  governanceReview(input: GovernanceReviewInput): GrcRecord
  qualityManagementReview(input: QualityManagementReviewInput): GrcRecord
  deployerObligationsReview(input: DeployerObligationsReviewInput): GrcRecord
}

/** The builder method of each record type. */
export const BUILDER_METHODS: Readonly<Record<RecordType, keyof GrcRecordBuilder>> = {
  ai_risk_assessment: 'aiRiskAssessment',
  model_evaluation: 'modelEvaluation',
  human_oversight: 'humanOversight',
  training_data_governance: 'trainingDataGovernance',
  incident_report: 'incidentReport',
  access_review: 'accessReview',
  change_event: 'changeEvent',
  vendor_risk: 'vendorRisk',
  policy_acknowledged: 'policyAcknowledged',
  model_drift_event: 'modelDriftEvent',
  governance_review: 'governanceReview',
  quality_management_review: 'qualityManagementReview',
  deployer_obligations_review: 'deployerObligationsReview',
}

const camel = (snake: string): string =>
  snake.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())

/** Drops `undefined` values (optional payload keys are left out, never sent as null). */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined))
}

interface Draft {
  readonly recordType: RecordType
  readonly payload: Record<string, unknown>
  readonly systemName: string | undefined
  readonly identity?: string | undefined
  readonly resource?: string | undefined
  readonly environment?: string | undefined
  readonly occurredAt: DateInput | undefined
  /** The option that fed `occurred_at`, for error messages. */
  readonly dateOption?: string
  /** Wire field → option name, where it is not the camelCase of the wire name. */
  readonly labels?: Readonly<Record<string, string>>
}

/**
 * Creates a {@link GrcRecordBuilder}.
 *
 * @example
 * ```ts
 * const records = createGrcRecordBuilder({ systemName: 'loan-scorer' })
 * const record = records.changeEvent({ type: 'deployment', by: 'ci', description: 'v2.1', environment: 'production', system: 'loan-scorer' })
 * ```
 */
export function createGrcRecordBuilder(options: GrcRecordBuilderOptions = {}): GrcRecordBuilder {
  const now = options.now ?? (() => new Date())

  function finish(method: keyof GrcRecordBuilder, draft: Draft): GrcRecord {
    const label = (issue: GrcValidationIssue): string => {
      if (issue.field === 'occurred_at') return draft.dateOption ?? 'occurredAt'
      const wire = issue.field.replace(/^payload\./, '')
      return draft.labels?.[issue.field] ?? camel(wire)
    }
    let occurredAt: string
    if (draft.occurredAt === undefined) {
      occurredAt = now().toISOString()
    } else if (draft.occurredAt instanceof Date) {
      if (Number.isNaN(draft.occurredAt.getTime())) {
        throw new MimaError(
          'validation_failed',
          `${method}: ${draft.dateOption ?? 'date'} is an invalid Date`,
          {
            details: { field: draft.dateOption },
          },
        )
      }
      occurredAt = draft.occurredAt.toISOString()
    } else {
      occurredAt = draft.occurredAt
    }
    const systemName = draft.systemName ?? options.systemName
    const record = compact({
      record_type: draft.recordType,
      payload: compact(draft.payload),
      system_name: systemName,
      identity: draft.identity,
      resource: draft.resource,
      environment: draft.environment,
      occurred_at: occurredAt,
    })
    if (systemName === undefined) {
      throw new MimaError(
        'config_missing',
        `${method}: no system name. Pass systemName to createGrc/createGrcRecordBuilder (or use a client that has one).`,
      )
    }
    const issues = collectGrcRecordIssues(record)
    if (issues.length > 0) throw grcValidationError(method, issues, label)
    return record as unknown as GrcRecord
  }

  const dateString = (value: DateInput | undefined): string | undefined =>
    value instanceof Date ? (Number.isNaN(value.getTime()) ? 'invalid date' : value.toISOString()) : value

  return {
    aiRiskAssessment(input) {
      // The wire also accepts the Python CLI's medium/low; the SDK method does not.
      if (!(RISK_TIERS as readonly unknown[]).includes(input.riskTier)) {
        throw grcValidationError(
          'aiRiskAssessment',
          [
            {
              field: 'riskTier',
              code: input.riskTier === undefined ? 'missing' : 'not_allowed',
              expected: `one of ${RISK_TIERS.join(', ')}`,
              allowed: RISK_TIERS,
              ...(input.riskTier === undefined ? {} : { received: input.riskTier }),
            },
          ],
          (issue) => issue.field,
        )
      }
      return finish('aiRiskAssessment', {
        recordType: 'ai_risk_assessment',
        systemName: input.systemName,
        identity: input.assessor,
        resource: input.systemName,
        environment: input.environment ?? 'production',
        occurredAt: input.assessmentDate,
        dateOption: 'assessmentDate',
        labels: {
          'payload.risk_level': 'riskTier',
          'payload.risk_summary': 'useCase',
          system_name: 'systemName',
        },
        payload: {
          risk_level: input.riskTier,
          risk_summary: input.useCase,
          intended_purpose: input.intendedPurpose,
          impact_domains: input.impactDomains === undefined ? undefined : [...input.impactDomains],
          art5_self_assessment: input.art5SelfAssessment,
          annex_iii_category: input.annexIiiCategory,
          system_version: input.systemVersion,
          technical_doc_url: input.technicalDocUrl,
          training_data_url: input.trainingDataUrl,
          notes: input.notes,
        },
      })
    },
    modelEvaluation(input) {
      return finish('modelEvaluation', {
        recordType: 'model_evaluation',
        systemName: undefined,
        identity: input.evaluatedBy,
        resource: input.modelId,
        occurredAt: input.evaluationDate,
        dateOption: 'evaluationDate',
        payload: {
          model_id: input.modelId,
          dataset: input.dataset,
          accuracy: input.accuracy,
          evaluated_by: input.evaluatedBy,
          evaluation_type: input.evaluationType ?? 'quarterly',
          bias_metrics: input.biasMetrics === undefined ? undefined : { ...input.biasMetrics },
          robustness_score: input.robustnessScore,
          passed_threshold: input.passedThreshold,
          notes: input.notes,
        },
      })
    },
    humanOversight(input) {
      return finish('humanOversight', {
        recordType: 'human_oversight',
        systemName: undefined,
        identity: input.reviewer,
        resource: input.decisionId,
        occurredAt: undefined,
        payload: {
          decision_id: input.decisionId,
          ai_recommendation: input.aiRecommendation,
          human_decision: input.humanDecision,
          reviewer: input.reviewer,
          override: input.override ?? input.aiRecommendation !== input.humanDecision,
          rationale: input.rationale,
          model_id: input.modelId,
        },
      })
    },
    trainingDataGovernance(input) {
      return finish('trainingDataGovernance', {
        recordType: 'training_data_governance',
        systemName: undefined,
        identity: input.approvedBy,
        resource: input.datasetId,
        occurredAt: input.approvalDate,
        dateOption: 'approvalDate',
        payload: {
          model_id: input.modelId,
          dataset_id: input.datasetId,
          record_count: input.recordCount,
          bias_checks_performed: input.biasChecksPerformed,
          approved_by: input.approvedBy,
          data_sources: input.dataSources === undefined ? undefined : [...input.dataSources],
          data_categories: input.dataCategories === undefined ? undefined : [...input.dataCategories],
          known_limitations: input.knownLimitations,
        },
      })
    },
    incidentReport(input) {
      return finish('incidentReport', {
        recordType: 'incident_report',
        systemName: undefined,
        occurredAt: input.detectedAt,
        dateOption: 'detectedAt',
        payload: {
          title: input.title,
          severity: input.severity,
          description: input.description,
          affected_systems: input.affectedSystems === undefined ? undefined : [...input.affectedSystems],
          authority_notified_at: dateString(input.authorityNotifiedAt),
        },
      })
    },
    accessReview(input) {
      return finish('accessReview', {
        recordType: 'access_review',
        systemName: undefined,
        identity: input.user,
        resource: input.resource,
        occurredAt: undefined,
        payload: {
          user: input.user,
          resource: input.resource,
          granted: input.granted,
          reviewed_by: input.reviewedBy,
          review_type: input.reviewType ?? 'periodic',
          reason: input.reason,
        },
      })
    },
    changeEvent(input) {
      return finish('changeEvent', {
        recordType: 'change_event',
        systemName: undefined,
        identity: input.by,
        resource: input.system,
        environment: input.environment,
        occurredAt: undefined,
        payload: {
          type: input.type,
          by: input.by,
          description: input.description,
          environment: input.environment,
          system: input.system,
          change_id: input.changeId,
        },
      })
    },
    vendorRisk(input) {
      return finish('vendorRisk', {
        recordType: 'vendor_risk',
        systemName: undefined,
        resource: input.vendor,
        occurredAt: undefined,
        payload: {
          vendor: input.vendor,
          tier: input.tier,
          last_reviewed: input.lastReviewed,
          findings: input.findings ?? 0,
          contacts: input.contacts === undefined ? undefined : [...input.contacts],
        },
      })
    },
    policyAcknowledged(input) {
      const slug = typeof input.policy === 'string' ? input.policy.toLowerCase().replaceAll(' ', '-') : ''
      return finish('policyAcknowledged', {
        recordType: 'policy_acknowledged',
        systemName: input.systemName,
        identity: input.user,
        resource: `policy:${slug}:${input.version}`,
        occurredAt: undefined,
        labels: {
          'payload.policy_name': 'policy',
          'payload.policy_version': 'version',
          system_name: 'systemName',
        },
        payload: {
          decision: 'acknowledged',
          policy_name: input.policy,
          policy_version: input.version,
          acknowledgment_type: input.acknowledgmentType ?? 'initial',
          channel: input.channel ?? 'in-app',
          policy_url: input.policyUrl,
          session_id: input.sessionId,
        },
      })
    },
    modelDriftEvent(input) {
      return finish('modelDriftEvent', {
        recordType: 'model_drift_event',
        systemName: undefined,
        identity: input.detectedBy,
        resource: input.modelId,
        occurredAt: input.detectionDate,
        dateOption: 'detectionDate',
        payload: {
          model_id: input.modelId,
          metric: input.metric,
          baseline: input.baseline,
          current: input.current,
          threshold: input.threshold,
          drift_type: input.driftType ?? 'performance',
          detected_by: input.detectedBy,
          action_taken: input.actionTaken,
        },
      })
    },
    governanceReview(input) {
      return finish('governanceReview', {
        recordType: 'governance_review',
        systemName: undefined,
        identity: input.reviewedBy,
        occurredAt: input.reviewDate,
        dateOption: 'reviewDate',
        payload: {
          reviewed_by: input.reviewedBy,
          report_type: input.reportType,
          frameworks_reviewed:
            input.frameworksReviewed === undefined ? undefined : [...input.frameworksReviewed],
          overall_readiness: input.overallReadiness,
          action_items: input.actionItems ?? 0,
          notes: input.notes,
        },
      })
    },
    qualityManagementReview(input) {
      return finish('qualityManagementReview', {
        recordType: 'quality_management_review',
        systemName: undefined,
        identity: input.reviewedBy,
        occurredAt: input.reviewDate,
        dateOption: 'reviewDate',
        payload: {
          reviewed_by: input.reviewedBy,
          procedures_version: input.proceduresVersion,
          scope: input.scope ?? 'design_development_testing_monitoring',
          action_items: input.actionItems ?? 0,
          notes: input.notes,
        },
      })
    },
    deployerObligationsReview(input) {
      return finish('deployerObligationsReview', {
        recordType: 'deployer_obligations_review',
        systemName: input.systemName,
        identity: input.reviewedBy,
        resource: input.systemName,
        occurredAt: input.reviewDate,
        dateOption: 'reviewDate',
        labels: { system_name: 'systemName' },
        payload: {
          reviewed_by: input.reviewedBy,
          system_name: input.systemName,
          human_oversight_implemented: input.humanOversightImplemented,
          workers_informed: input.workersInformed ?? false,
          input_data_quality_verified: input.inputDataQualityVerified ?? false,
          notes: input.notes,
        },
      })
    },
  }
}
