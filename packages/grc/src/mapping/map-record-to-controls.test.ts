import { describe, expect, it } from 'vitest'
import { mapRecordToControls, possibleControls, recordTypesForControl } from './map-record-to-controls'

describe('mapRecordToControls', () => {
  it('maps a change event to change-management controls in catalog order', () => {
    expect(mapRecordToControls({ record_type: 'change_event', payload: { type: 'deployment' } })).toEqual([
      'iso_42001:8.1',
      'iso_27001:A.8.32',
      'soc2_type2:CC8.1',
    ])
  })

  it('earns bias and robustness controls only when the evaluation carries them', () => {
    const base = { model_id: 'm', dataset: 'd', accuracy: 0.9, evaluated_by: 'a' }
    const plain = mapRecordToControls({ record_type: 'model_evaluation', payload: base })
    expect(plain).toContain('eu_ai_act:art_15')
    expect(plain).not.toContain('nist_airf:MEASURE-2.11')
    expect(plain).not.toContain('eu_ai_act:art_15.4')
    const emptyBias = mapRecordToControls({
      record_type: 'model_evaluation',
      payload: { ...base, bias_metrics: {} },
    })
    expect(emptyBias).not.toContain('nist_airf:MEASURE-2.11')
    const full = mapRecordToControls({
      record_type: 'model_evaluation',
      payload: { ...base, bias_metrics: { demographic_parity: 0.02 }, robustness_score: 0 },
    })
    expect(full).toContain('nist_airf:MEASURE-2.11')
    expect(full).toContain('eu_ai_act:art_15.4')
    expect(full).toContain('nist_airf:MEASURE-2.6')
  })

  it('earns Art. 73 only when the authority was notified', () => {
    const payload = { title: 't', severity: 'high', description: 'd', affected_systems: ['a'] }
    expect(mapRecordToControls({ record_type: 'incident_report', payload })).not.toContain('eu_ai_act:art_73')
    expect(
      mapRecordToControls({
        record_type: 'incident_report',
        payload: { ...payload, authority_notified_at: '2026-06-01T18:00:00Z' },
      }),
    ).toContain('eu_ai_act:art_73')
  })

  it('earns oversight for approved and builder-shaped records, nothing for a timeout', () => {
    expect(
      mapRecordToControls({
        record_type: 'human_oversight',
        payload: { oversight_status: 'approved', approval_id: 'a' },
      }),
    ).toContain('eu_ai_act:art_14')
    expect(
      mapRecordToControls({ record_type: 'human_oversight', payload: { decision_id: 'd', override: true } }),
    ).toContain('eu_ai_act:art_14')
    expect(
      mapRecordToControls({
        record_type: 'human_oversight',
        payload: { oversight_status: 'timeout_unblocked', approval_id: 'a' },
      }),
    ).toEqual([])
  })

  it('maps a minimal dry-run payload to the unconditional controls and unknown types to nothing', () => {
    expect(
      mapRecordToControls({ record_type: 'ai_risk_assessment', payload: { source: 'live-test' } }),
    ).toEqual([
      'eu_ai_act:art_9',
      'iso_42001:6.1.2',
      'iso_42001:8.2',
      'soc2_type2:CC3.2',
      'nist_airf:GOVERN-1.6',
      'nist_airf:MAP-1.1',
    ])
    expect(mapRecordToControls({ record_type: 'ai_risk_assessment' })).toContain('eu_ai_act:art_9')
    expect(mapRecordToControls({ record_type: 'attestation', payload: {} })).toEqual([])
  })

  it('earns Art. 10 only with a bias examination and Art. 14 for deployers only with oversight in place', () => {
    expect(
      mapRecordToControls({
        record_type: 'training_data_governance',
        payload: { bias_checks_performed: false },
      }),
    ).not.toContain('eu_ai_act:art_10')
    expect(
      mapRecordToControls({
        record_type: 'training_data_governance',
        payload: { bias_checks_performed: true },
      }),
    ).toContain('eu_ai_act:art_10')
    expect(
      mapRecordToControls({
        record_type: 'deployer_obligations_review',
        payload: { human_oversight_implemented: false },
      }),
    ).toEqual(['eu_ai_act:art_26', 'iso_42001:A.9.2'])
  })

  it('describes possible controls with their conditions', () => {
    const possible = possibleControls('incident_report')
    expect(possible.find((entry) => entry.control_id === 'soc2_type2:CC7.3')?.condition).toBeUndefined()
    expect(possible.find((entry) => entry.control_id === 'eu_ai_act:art_73')?.condition).toMatch(
      /authority_notified_at/,
    )
    expect(recordTypesForControl('eu_ai_act:art_14')).toEqual([
      'human_oversight',
      'deployer_obligations_review',
    ])
  })
})
