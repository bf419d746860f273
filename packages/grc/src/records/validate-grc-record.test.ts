import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { collectGrcRecordIssues, isIsoDate, validateGrcRecord } from './validate-grc-record'

const accessReview = {
  record_type: 'access_review',
  system_name: 'test-system',
  identity: 'alice@example.com',
  resource: 'prod-db',
  occurred_at: '2026-06-20T12:00:00.123456+00:00',
  payload: {
    user: 'alice@example.com',
    resource: 'prod-db',
    granted: true,
    reviewed_by: 'bob@example.com',
    review_type: 'periodic',
  },
}

function errorOf(fn: () => unknown): MimaError {
  try {
    fn()
  } catch (error) {
    if (MimaError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a MimaError')
}

describe('validateGrcRecord', () => {
  it('accepts a Python SDK record and returns the known envelope fields', () => {
    const record = validateGrcRecord({ ...accessReview, extra: 1, environment: null })
    expect(record).toEqual(accessReview)
  })

  it('names the field and the allowed values of an enum', () => {
    const error = errorOf(() =>
      validateGrcRecord({
        record_type: 'vendor_risk',
        system_name: 's',
        payload: { vendor: 'OpenAI', tier: 'extreme', last_reviewed: '2026-06-01' },
      }),
    )
    expect(error.code).toBe('validation_failed')
    expect(error.status).toBe(422)
    expect(error.message).toBe(
      'vendor_risk: payload.tier must be one of critical, high, medium, low (got "extreme")',
    )
    expect(error.details?.field).toBe('payload.tier')
    expect(error.details?.allowed).toEqual(['critical', 'high', 'medium', 'low'])
  })

  it('rejects an unknown record type listing the 13 types', () => {
    const error = errorOf(() =>
      validateGrcRecord({ record_type: 'attestation', system_name: 's', payload: {} }),
    )
    expect(error.message).toMatch(
      /^attestation: record_type must be one of ai_risk_assessment, .*deployer_obligations_review/,
    )
  })

  it('requires annex_iii_category for high risk, on the wire too', () => {
    const record = {
      record_type: 'ai_risk_assessment',
      system_name: 'loan-scorer',
      payload: { risk_level: 'high', intended_purpose: 'Score loans', art5_self_assessment: true },
    }
    expect(errorOf(() => validateGrcRecord(record)).message).toMatch(
      /payload\.annex_iii_category is required: required for high-risk systems: one of biometric_identification/,
    )
    const valid = { ...record, payload: { ...record.payload, annex_iii_category: 'essential_services' } }
    expect(validateGrcRecord(valid).payload.annex_iii_category).toBe('essential_services')
    // the Python CLI's `mima register` sends medium/low and no impact_domains
    expect(() =>
      validateGrcRecord({ ...record, payload: { ...record.payload, risk_level: 'medium' } }),
    ).not.toThrow()
    expect(
      collectGrcRecordIssues({ ...record, payload: { intended_purpose: 'x', art5_self_assessment: true } }),
    ).toEqual([expect.objectContaining({ field: 'payload.risk_level', code: 'missing' })])
  })

  it('accepts the Python CLI push shapes (ai_risk_assessment with risk_tier, the CLI-only review types)', () => {
    expect(() =>
      validateGrcRecord({
        record_type: 'ai_risk_assessment',
        system_name: 'mima-cli',
        resource: 'loan-scorer',
        payload: {
          system_name: 'loan-scorer',
          risk_tier: 'limited',
          use_case: 'chat',
          assessor: 'alice',
          intended_purpose: 'answer questions',
          impact_domains: ['support'],
          art5_self_assessment: true,
        },
      }),
    ).not.toThrow()
    expect(() =>
      validateGrcRecord({
        record_type: 'quality_management_review',
        system_name: 'mima-cli',
        payload: {
          reviewed_by: 'qa',
          procedures_version: 'v4',
          scope: 'design_development_testing_monitoring',
          action_items: 0,
        },
      }),
    ).not.toThrow()
    expect(() =>
      validateGrcRecord({
        record_type: 'deployer_obligations_review',
        system_name: 'mima-cli',
        payload: {
          reviewed_by: 'ops',
          system_name: 'hr-screener',
          human_oversight_implemented: true,
          workers_informed: false,
          input_data_quality_verified: false,
        },
      }),
    ).not.toThrow()
  })

  it('checks types, ranges and dates', () => {
    const issues = collectGrcRecordIssues({
      record_type: 'governance_review',
      system_name: 's',
      occurred_at: 'yesterday',
      payload: {
        reviewed_by: 'ciso',
        report_type: 'quarterly',
        frameworks_reviewed: 'SOC2',
        overall_readiness: 101,
      },
    })
    expect(issues.map((issue) => [issue.field, issue.code])).toEqual([
      ['occurred_at', 'invalid_date'],
      ['payload.frameworks_reviewed', 'invalid_type'],
      ['payload.overall_readiness', 'out_of_range'],
    ])
    expect(
      errorOf(() => validateGrcRecord({ record_type: 'change_event', system_name: 's', payload: [] }))
        .message,
    ).toBe('change_event: payload must be an object (got [])')
  })

  it('accepts both human_oversight shapes and rejects an unknown oversight status', () => {
    expect(() =>
      validateGrcRecord({
        record_type: 'human_oversight',
        system_name: 's',
        payload: {
          oversight_status: 'timeout_unblocked',
          approval_id: 'a1',
          action_type: 'x',
          tool_name: 't',
        },
      }),
    ).not.toThrow()
    expect(() =>
      validateGrcRecord({
        record_type: 'human_oversight',
        system_name: 's',
        payload: {
          decision_id: 'd',
          ai_recommendation: 'approve',
          human_decision: 'reject',
          reviewer: 'bob',
          override: true,
        },
      }),
    ).not.toThrow()
    expect(
      errorOf(() =>
        validateGrcRecord({
          record_type: 'human_oversight',
          system_name: 's',
          payload: { oversight_status: 'maybe', approval_id: 'a' },
        }),
      ).message,
    ).toMatch(/payload\.oversight_status must be one of approved, rejected, timeout_unblocked/)
  })

  it('accepts a minimal payload on a dry run but still checks the envelope and present fields', () => {
    const minimal = {
      record_type: 'ai_risk_assessment',
      payload: { source: 'live-test' },
      system_name: 'sdk-live-test',
    }
    expect(() => validateGrcRecord(minimal)).toThrow(MimaError)
    expect(validateGrcRecord(minimal, { dryRun: true })).toEqual(minimal)
    expect(
      validateGrcRecord({ record_type: 'change_event', system_name: 's' }, { dryRun: true }).payload,
    ).toEqual({})
    expect(() =>
      validateGrcRecord(
        { record_type: 'vendor_risk', system_name: 's', payload: { tier: 'x' } },
        { dryRun: true },
      ),
    ).toThrow(/payload\.tier/)
    expect(() => validateGrcRecord({ record_type: 'bogus', system_name: 's' }, { dryRun: true })).toThrow(
      /record_type/,
    )
  })

  it('rejects non-objects, missing system names and malformed signatures', () => {
    expect(collectGrcRecordIssues('nope')[0]?.field).toBe('record')
    expect(collectGrcRecordIssues({ ...accessReview, system_name: '' })[0]?.field).toBe('system_name')
    expect(collectGrcRecordIssues({ ...accessReview, client_sig: 'abc' })[0]?.field).toBe('client_sig')
    expect(
      collectGrcRecordIssues({ ...accessReview, client_sig: 'a'.repeat(64), client_sig_algo: 'hmac-sha256' }),
    ).toEqual([])
  })

  it('reads ISO dates the Python SDK and users send', () => {
    expect(isIsoDate('2026-06-01')).toBe(true)
    expect(isIsoDate('2026-06-01T14:22:00Z')).toBe(true)
    expect(isIsoDate('2026-06-20T12:00:00.123456+00:00')).toBe(true)
    expect(isIsoDate('2026-13-01')).toBe(false)
    expect(isIsoDate('June 1')).toBe(false)
  })
})
