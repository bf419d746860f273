import { createMima, type Mima } from '@mima/core'
import { computeReadiness, createGrc, type Grc, mapRecordToControls, RECORD_TYPES } from '@mima/grc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type GrcFixture, scores, startGrcFixture } from './grc-helpers'

describe.each(BACKENDS)('GRC end to end on %s: a core client pushes one record of each type', (backend) => {
  let fixture: GrcFixture
  let mima: Mima
  let grc: Grc
  beforeAll(async () => {
    fixture = await startGrcFixture(backend)
    mima = createMima({
      baseUrl: fixture.server.baseUrl,
      apiKey: fixture.ingestKey,
      workspaceId: fixture.server.workspaceId,
      systemName: 'loan-scorer',
      onError: 'raise',
      env: {},
      configFile: false,
      flushOnExit: false,
      outbox: { directory: false },
    })
    grc = createGrc(mima)
  })
  afterAll(async () => {
    await mima?.close()
    await fixture?.close()
  })

  it('moves readiness record by record exactly as the mapping says, up to 100% in every framework', async () => {
    const pushes: [string, () => ReturnType<Grc['changeEvent']>][] = [
      [
        'ai_risk_assessment',
        () =>
          grc.aiRiskAssessment({
            systemName: 'loan-scorer',
            riskTier: 'high',
            useCase: 'Automated credit scoring',
            intendedPurpose: 'Score loan applications for human review',
            impactDomains: ['credit'],
            art5SelfAssessment: true,
            assessor: 'alice@example.com',
            annexIiiCategory: 'essential_services',
            technicalDocUrl: 'https://docs.example.com/annex-iv',
          }),
      ],
      [
        'model_evaluation',
        () =>
          grc.modelEvaluation({
            modelId: 'loan-scorer-v2',
            dataset: 'holdout-q2',
            accuracy: 0.94,
            evaluatedBy: 'alice@example.com',
            biasMetrics: { demographic_parity: 0.02 },
            robustnessScore: 0.91,
            passedThreshold: true,
          }),
      ],
      [
        'human_oversight',
        () =>
          grc.humanOversight({
            decisionId: 'app-1',
            aiRecommendation: 'approve',
            humanDecision: 'reject',
            reviewer: 'bob@example.com',
          }),
      ],
      [
        'training_data_governance',
        () =>
          grc.trainingDataGovernance({
            modelId: 'loan-scorer-v2',
            datasetId: 'train-2026-q1',
            recordCount: 2_400_000,
            biasChecksPerformed: true,
            approvedBy: 'data@example.com',
            dataSources: ['originations'],
            dataCategories: ['financial_history'],
          }),
      ],
      [
        'incident_report',
        () =>
          grc.incidentReport({
            title: 'Invalid IBANs',
            severity: 'high',
            description: 'Model returned invalid IBANs for 3 users',
            affectedSystems: ['loan-scorer'],
            detectedAt: '2026-06-01T14:22:00Z',
            authorityNotifiedAt: '2026-06-01T18:00:00Z',
          }),
      ],
      [
        'access_review',
        () =>
          grc.accessReview({
            user: 'contractor@x.com',
            resource: 'training-pipeline',
            granted: false,
            reviewedBy: 'alice',
          }),
      ],
      [
        'change_event',
        () =>
          grc.changeEvent({
            type: 'deployment',
            by: 'ci',
            description: 'v2.1',
            environment: 'production',
            system: 'loan-scorer',
          }),
      ],
      [
        'vendor_risk',
        () => grc.vendorRisk({ vendor: 'OpenAI', tier: 'high', lastReviewed: '2026-06-01', findings: 2 }),
      ],
      [
        'policy_acknowledged',
        () => grc.policyAcknowledged({ policy: 'AI Use Policy', user: 'alice', version: 'v3' }),
      ],
      [
        'model_drift_event',
        () =>
          grc.modelDriftEvent({
            modelId: 'loan-scorer-v2',
            metric: 'f1',
            baseline: 0.94,
            current: 0.88,
            threshold: 0.9,
            detectedBy: 'monitor',
          }),
      ],
      [
        'governance_review',
        () =>
          grc.governanceReview({
            reviewedBy: 'ciso@example.com',
            reportType: 'internal_audit',
            frameworksReviewed: ['EU_AI_ACT', 'SOC2'],
            overallReadiness: 78,
          }),
      ],
      [
        'quality_management_review',
        () => grc.qualityManagementReview({ reviewedBy: 'qa', proceduresVersion: 'v4' }),
      ],
      [
        'deployer_obligations_review',
        () =>
          grc.deployerObligationsReview({
            reviewedBy: 'ops',
            systemName: 'loan-scorer',
            humanOversightImplemented: true,
          }),
      ],
    ]
    expect(pushes.map(([recordType]) => recordType).sort()).toEqual([...RECORD_TYPES].sort())

    const earned: string[] = []
    let previousOverall = -1
    for (const [recordType, push] of pushes) {
      const result = await push()
      expect(result.recordId, recordType).not.toBe('')
      expect(result.recordType).toBe(recordType)
      expect(result.detail).toBe('ok')
      // the server maps with the same rules the package exports
      const { body: stored } = await fixture.grc('GET', `evidence/${result.recordId}`)
      expect(result.mappedControls).toEqual(mapRecordToControls(stored))
      earned.push(...result.mappedControls)

      const readiness = (await fixture.grc('GET', 'readiness')).body
      const expected = computeReadiness({
        coverage: earned.map((controlId) => ({ controlId, attested: true })),
      })
      expect(scores(readiness), `after ${recordType}`).toEqual(scores(expected))
      expect(readiness.overall_pct).toBe(expected.overall_pct)
      expect(readiness.overall_pct).toBeGreaterThanOrEqual(previousOverall)
      previousOverall = readiness.overall_pct
    }
    const final = (await fixture.grc('GET', 'readiness')).body
    expect(scores(final)).toEqual({
      eu_ai_act: 100,
      iso_42001: 100,
      iso_27001: 100,
      soc2_type2: 100,
      nist_airf: 100,
    })
    expect(final.overall_pct).toBe(100)
    expect(
      final.frameworks.every((framework: { controls_inferred: number }) => framework.controls_inferred === 0),
    ).toBe(true)

    // a gate at 100 passes now
    await fixture.grc('PUT', 'gates', {
      body: { framework: 'eu_ai_act', threshold_pct: 100 },
      key: fixture.server.adminKey,
    })
    expect((await fixture.grc('GET', 'gates/check')).body.passed).toBe(true)
  })

  it('a timed-out approval earns nothing; invalid input is refused before anything is sent', async () => {
    const before = (await fixture.grc('GET', 'evidence/summary')).body.count
    const timeout = await mima.pushEvidence({
      record_type: 'human_oversight',
      system_name: 'loan-scorer',
      payload: {
        oversight_status: 'timeout_unblocked',
        approval_id: 'a-1',
        action_type: 'credit_decision',
        tool_name: 'decide',
      },
    })
    expect(timeout.recordId).not.toBe('')
    expect(timeout.mappedControls).toEqual([])
    await expect(
      grc.vendorRisk({ vendor: 'x', tier: 'extreme' as never, lastReviewed: '2026-06-01' }),
    ).rejects.toThrow(/tier must be one of critical, high, medium, low/)
    expect((await fixture.grc('GET', 'evidence/summary')).body.count).toBe(before + 1)
  })
})
