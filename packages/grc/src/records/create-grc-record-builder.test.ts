import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { mapRecordToControls } from '../mapping/map-record-to-controls'
import { createGrcRecordBuilder } from './create-grc-record-builder'
import { validateGrcRecord } from './validate-grc-record'

const NOW = '2026-06-20T12:00:00.000Z'
const records = createGrcRecordBuilder({ systemName: 'my-system', now: () => new Date(NOW) })

function failure(fn: () => unknown): MimaError {
  try {
    fn()
  } catch (error) {
    if (MimaError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a validation error')
}

describe('record builders: the Python SDK payloads', () => {
  it('aiRiskAssessment', () => {
    const record = records.aiRiskAssessment({
      systemName: 'loan-scorer',
      riskTier: 'high',
      useCase: 'Automated credit scoring for consumer loans',
      intendedPurpose: 'Score loan applications and surface them for human review',
      impactDomains: ['credit', 'consumer_finance'],
      art5SelfAssessment: true,
      assessor: 'alice@example.com',
      annexIiiCategory: 'essential_services',
      systemVersion: 'v2.1.0',
      technicalDocUrl: 'https://docs.internal/loan-scorer/annex-iv',
    })
    expect(record).toEqual({
      record_type: 'ai_risk_assessment',
      system_name: 'loan-scorer',
      identity: 'alice@example.com',
      resource: 'loan-scorer',
      environment: 'production',
      occurred_at: NOW,
      payload: {
        risk_level: 'high',
        risk_summary: 'Automated credit scoring for consumer loans',
        intended_purpose: 'Score loan applications and surface them for human review',
        impact_domains: ['credit', 'consumer_finance'],
        art5_self_assessment: true,
        annex_iii_category: 'essential_services',
        system_version: 'v2.1.0',
        technical_doc_url: 'https://docs.internal/loan-scorer/annex-iv',
      },
    })
    expect(mapRecordToControls(record)).toContain('eu_ai_act:art_11')
  })

  it('aiRiskAssessment requires annexIiiCategory for high risk and names the allowed tiers', () => {
    const base = {
      systemName: 's',
      useCase: 'u',
      intendedPurpose: 'p',
      impactDomains: [],
      art5SelfAssessment: true,
      assessor: 'a',
    }
    const missing = failure(() => records.aiRiskAssessment({ ...base, riskTier: 'high' }))
    expect(missing.code).toBe('validation_failed')
    expect(missing.message).toMatch(
      /^aiRiskAssessment: annexIiiCategory is required: required for high-risk systems: one of biometric_identification, /,
    )
    expect(missing.details?.field).toBe('annexIiiCategory')
    const tier = failure(() => records.aiRiskAssessment({ ...base, riskTier: 'medium' as never }))
    expect(tier.message).toBe(
      'aiRiskAssessment: riskTier must be one of unacceptable, high, limited, minimal (got "medium")',
    )
    const annex = failure(() =>
      records.aiRiskAssessment({ ...base, riskTier: 'limited', annexIiiCategory: 'banking' as never }),
    )
    expect(annex.message).toMatch(
      /annexIiiCategory must be one of biometric_identification, .*not_annex_iii \(got "banking"\)/,
    )
    expect(
      records.aiRiskAssessment({ ...base, riskTier: 'minimal', art5SelfAssessment: false }).payload
        .art5_self_assessment,
    ).toBe(false)
  })

  it('modelEvaluation with bias metrics and robustness', () => {
    const record = records.modelEvaluation({
      modelId: 'loan-scorer-v2.1',
      dataset: 'holdout-q2-2026',
      accuracy: 0.94,
      evaluatedBy: 'alice@example.com',
      biasMetrics: { demographic_parity: 0.02 },
      robustnessScore: 0.91,
      passedThreshold: true,
      evaluationDate: '2026-06-01',
    })
    expect(record).toEqual({
      record_type: 'model_evaluation',
      system_name: 'my-system',
      identity: 'alice@example.com',
      resource: 'loan-scorer-v2.1',
      occurred_at: '2026-06-01',
      payload: {
        model_id: 'loan-scorer-v2.1',
        dataset: 'holdout-q2-2026',
        accuracy: 0.94,
        evaluated_by: 'alice@example.com',
        evaluation_type: 'quarterly',
        bias_metrics: { demographic_parity: 0.02 },
        robustness_score: 0.91,
        passed_threshold: true,
      },
    })
    expect(
      failure(() => records.modelEvaluation({ ...inputOf(record), evaluationType: 'weekly' as never }))
        .message,
    ).toBe('modelEvaluation: evaluationType must be one of initial, quarterly, triggered (got "weekly")')
    expect(
      failure(() => records.modelEvaluation({ ...inputOf(record), accuracy: Number.NaN })).message,
    ).toMatch(/accuracy must be a finite number/)
    expect(
      failure(() => records.modelEvaluation({ ...inputOf(record), evaluationDate: 'tomorrow' })).message,
    ).toMatch(/evaluationDate must be an ISO-8601 date/)
  })

  it('humanOversight infers override unless given', () => {
    const input = {
      decisionId: 'loan-48291',
      aiRecommendation: 'approve',
      humanDecision: 'reject',
      reviewer: 'bob@example.com',
    }
    const record = records.humanOversight({ ...input, rationale: 'fraud indicators', modelId: 'm' })
    expect(record).toEqual({
      record_type: 'human_oversight',
      system_name: 'my-system',
      identity: 'bob@example.com',
      resource: 'loan-48291',
      occurred_at: NOW,
      payload: {
        decision_id: 'loan-48291',
        ai_recommendation: 'approve',
        human_decision: 'reject',
        reviewer: 'bob@example.com',
        override: true,
        rationale: 'fraud indicators',
        model_id: 'm',
      },
    })
    expect(records.humanOversight({ ...input, humanDecision: 'approve' }).payload.override).toBe(false)
    expect(records.humanOversight({ ...input, override: false }).payload.override).toBe(false)
    expect(failure(() => records.humanOversight({ ...input, reviewer: '' })).message).toBe(
      'humanOversight: reviewer is required: a non-empty string',
    )
  })

  it('trainingDataGovernance', () => {
    const record = records.trainingDataGovernance({
      modelId: 'm',
      datasetId: 'training-set-2026-q1',
      recordCount: 2_400_000,
      biasChecksPerformed: true,
      approvedBy: 'data-governance@example.com',
      dataSources: ['internal'],
      dataCategories: ['financial_history'],
      knownLimitations: 'few self-employed',
    })
    expect(record).toMatchObject({
      identity: 'data-governance@example.com',
      resource: 'training-set-2026-q1',
      payload: {
        model_id: 'm',
        dataset_id: 'training-set-2026-q1',
        record_count: 2_400_000,
        bias_checks_performed: true,
        approved_by: 'data-governance@example.com',
        data_sources: ['internal'],
        data_categories: ['financial_history'],
        known_limitations: 'few self-employed',
      },
    })
    expect(
      failure(() => records.trainingDataGovernance({ ...inputOfTraining(), recordCount: -1 })).message,
    ).toBe('trainingDataGovernance: recordCount must be an integer ≥ 0 (got -1)')
  })

  it('incidentReport uses detectedAt as occurred_at and keeps it out of the payload', () => {
    const record = records.incidentReport({
      title: 'Hallucinated IBANs',
      severity: 'high',
      description: 'Invalid IBANs for 3 users',
      affectedSystems: ['payment-processor-ai'],
      detectedAt: new Date('2026-06-01T14:22:00Z'),
      authorityNotifiedAt: '2026-06-01T18:00:00Z',
    })
    expect(record).toEqual({
      record_type: 'incident_report',
      system_name: 'my-system',
      occurred_at: '2026-06-01T14:22:00.000Z',
      payload: {
        title: 'Hallucinated IBANs',
        severity: 'high',
        description: 'Invalid IBANs for 3 users',
        affected_systems: ['payment-processor-ai'],
        authority_notified_at: '2026-06-01T18:00:00Z',
      },
    })
    expect(
      failure(() =>
        records.incidentReport({
          title: 't',
          severity: 'urgent' as never,
          description: 'd',
          affectedSystems: [],
        }),
      ).message,
    ).toBe('incidentReport: severity must be one of critical, high, medium, low (got "urgent")')
  })

  it('accessReview, changeEvent, vendorRisk', () => {
    expect(
      records.accessReview({
        user: 'c@x.com',
        resource: 'pipeline',
        granted: false,
        reviewedBy: 'alice',
        reason: 'ended',
      }),
    ).toEqual({
      record_type: 'access_review',
      system_name: 'my-system',
      identity: 'c@x.com',
      resource: 'pipeline',
      occurred_at: NOW,
      payload: {
        user: 'c@x.com',
        resource: 'pipeline',
        granted: false,
        reviewed_by: 'alice',
        review_type: 'periodic',
        reason: 'ended',
      },
    })
    expect(
      records.changeEvent({
        type: 'prompt_update',
        by: 'alice',
        description: 'd',
        environment: 'production',
        system: 'bot',
        changeId: 'CHG-1',
      }),
    ).toEqual({
      record_type: 'change_event',
      system_name: 'my-system',
      identity: 'alice',
      resource: 'bot',
      environment: 'production',
      occurred_at: NOW,
      payload: {
        type: 'prompt_update',
        by: 'alice',
        description: 'd',
        environment: 'production',
        system: 'bot',
        change_id: 'CHG-1',
      },
    })
    expect(records.vendorRisk({ vendor: 'OpenAI', tier: 'high', lastReviewed: '2026-06-01' })).toEqual({
      record_type: 'vendor_risk',
      system_name: 'my-system',
      resource: 'OpenAI',
      occurred_at: NOW,
      payload: { vendor: 'OpenAI', tier: 'high', last_reviewed: '2026-06-01', findings: 0 },
    })
    expect(
      failure(() => records.vendorRisk({ vendor: 'v', tier: 'extreme' as never, lastReviewed: 'x' })).message,
    ).toBe('vendorRisk: tier must be one of critical, high, medium, low (got "extreme")')
  })

  it('policyAcknowledged builds the policy resource and validates the acknowledgment type', () => {
    expect(
      records.policyAcknowledged({
        policy: 'AI Use Policy',
        user: 'alice',
        version: 'v3.1.0',
        systemName: 'other',
        policyUrl: 'https://p',
      }),
    ).toEqual({
      record_type: 'policy_acknowledged',
      system_name: 'other',
      identity: 'alice',
      resource: 'policy:ai-use-policy:v3.1.0',
      occurred_at: NOW,
      payload: {
        decision: 'acknowledged',
        policy_name: 'AI Use Policy',
        policy_version: 'v3.1.0',
        acknowledgment_type: 'initial',
        channel: 'in-app',
        policy_url: 'https://p',
      },
    })
    expect(
      failure(() =>
        records.policyAcknowledged({
          policy: 'p',
          user: 'u',
          version: '1',
          acknowledgmentType: 'annual' as never,
        }),
      ).message,
    ).toBe('policyAcknowledged: acknowledgmentType must be one of initial, renewal, update (got "annual")')
  })

  it('modelDriftEvent and governanceReview', () => {
    const drift = records.modelDriftEvent({
      modelId: 'm',
      metric: 'f1_score',
      baseline: 0.94,
      current: 0.88,
      threshold: 0.9,
      detectedBy: 'monitor',
    })
    expect(drift.payload).toEqual({
      model_id: 'm',
      metric: 'f1_score',
      baseline: 0.94,
      current: 0.88,
      threshold: 0.9,
      drift_type: 'performance',
      detected_by: 'monitor',
    })
    expect(
      failure(() => records.modelDriftEvent({ ...driftInput(), driftType: 'seasonal' as never })).message,
    ).toBe('modelDriftEvent: driftType must be one of performance, data, concept (got "seasonal")')
    const review = records.governanceReview({
      reviewedBy: 'ciso',
      reportType: 'quarterly',
      frameworksReviewed: ['EU_AI_ACT', 'SOC2'],
      overallReadiness: 78,
      actionItems: 4,
    })
    expect(review.payload).toEqual({
      reviewed_by: 'ciso',
      report_type: 'quarterly',
      frameworks_reviewed: ['EU_AI_ACT', 'SOC2'],
      overall_readiness: 78,
      action_items: 4,
    })
    expect(
      failure(() =>
        records.governanceReview({
          reviewedBy: 'c',
          reportType: 'q',
          frameworksReviewed: [],
          overallReadiness: 101,
        }),
      ).message,
    ).toBe('governanceReview: overallReadiness must be an integer from 0 to 100 (got 101)')
  })

  it('qualityManagementReview and deployerObligationsReview (the CLI payloads)', () => {
    expect(records.qualityManagementReview({ reviewedBy: 'qa', proceduresVersion: 'v4' })).toEqual({
      record_type: 'quality_management_review',
      system_name: 'my-system',
      identity: 'qa',
      occurred_at: NOW,
      payload: {
        reviewed_by: 'qa',
        procedures_version: 'v4',
        scope: 'design_development_testing_monitoring',
        action_items: 0,
      },
    })
    expect(
      records.deployerObligationsReview({
        reviewedBy: 'ops',
        systemName: 'hr-screener',
        humanOversightImplemented: true,
      }),
    ).toEqual({
      record_type: 'deployer_obligations_review',
      system_name: 'hr-screener',
      identity: 'ops',
      resource: 'hr-screener',
      occurred_at: NOW,
      payload: {
        reviewed_by: 'ops',
        system_name: 'hr-screener',
        human_oversight_implemented: true,
        workers_informed: false,
        input_data_quality_verified: false,
      },
    })
    expect(
      failure(() =>
        records.deployerObligationsReview({
          reviewedBy: 'ops',
          systemName: 'x',
          humanOversightImplemented: 'yes' as never,
        }),
      ).message,
    ).toBe('deployerObligationsReview: humanOversightImplemented must be true or false (got "yes")')
  })

  it('every built record passes the server-side validation and fails clearly without a system name', () => {
    const record = records.qualityManagementReview({ reviewedBy: 'qa', proceduresVersion: 'v4' })
    expect(validateGrcRecord(record)).toEqual(record)
    const noSystem = createGrcRecordBuilder()
    expect(
      failure(() => noSystem.qualityManagementReview({ reviewedBy: 'qa', proceduresVersion: 'v4' })).code,
    ).toBe('config_missing')
  })
})

function inputOf(record: { payload: Record<string, unknown> }) {
  return {
    modelId: String(record.payload.model_id),
    dataset: String(record.payload.dataset),
    accuracy: Number(record.payload.accuracy),
    evaluatedBy: String(record.payload.evaluated_by),
  }
}
function inputOfTraining() {
  return {
    modelId: 'm',
    datasetId: 'd',
    recordCount: 1,
    biasChecksPerformed: false,
    approvedBy: 'a',
    dataSources: [],
    dataCategories: [],
  }
}
function driftInput() {
  return { modelId: 'm', metric: 'f1', baseline: 1, current: 0.5, threshold: 0.8, detectedBy: 'x' }
}
