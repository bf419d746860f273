import { describe, expect, it } from 'vitest'
import { readinessDelta } from './readiness'
import { quickestWins } from './status'

describe('quickestWins', () => {
  it('ranks record types by the open controls they evidence in frameworks with a gap, ignoring covered ones', () => {
    const readiness = {
      overall_pct: 50,
      frameworks: [
        { framework: 'eu_ai_act', score_pct: 50, controls_covered: 1, controls_required: 2 },
        { framework: 'soc2_type2', score_pct: 100, controls_covered: 1, controls_required: 1 },
      ],
    }
    const catalog = {
      frameworks: [
        {
          framework: 'eu_ai_act',
          controls: [
            { control_id: 'eu_ai_act:art_9', evidence_record_types: ['ai_risk_assessment'], covered: true },
            {
              control_id: 'eu_ai_act:art_14',
              evidence_record_types: ['human_oversight', 'deployer_obligations_review'],
              covered: false,
            },
            {
              control_id: 'eu_ai_act:art_26',
              evidence_record_types: ['deployer_obligations_review'],
              covered: false,
            },
            { control_id: 'eu_ai_act:art_99', evidence_record_types: ['incident_report'], required: false },
          ],
        },
        // No gap here: nothing from this framework counts.
        {
          framework: 'soc2_type2',
          controls: [{ control_id: 'soc2_type2:CC8.1', evidence_record_types: ['change_event'] }],
        },
      ],
    }
    expect(quickestWins(readiness, catalog)).toEqual([
      { record_type: 'deployer_obligations_review', open_controls: 2, frameworks: ['eu_ai_act'] },
      { record_type: 'human_oversight', open_controls: 1, frameworks: ['eu_ai_act'] },
    ])
  })
})

describe('readinessDelta', () => {
  it('lists the frameworks that moved', () => {
    const before = {
      overall_pct: 0,
      frameworks: [{ framework: 'iso_42001', score_pct: 0, controls_covered: 0, controls_required: 10 }],
    }
    const after = {
      overall_pct: 10,
      frameworks: [{ framework: 'iso_42001', score_pct: 10, controls_covered: 1, controls_required: 10 }],
    }
    expect(readinessDelta(before, after)).toEqual({
      frameworks: [
        { framework: 'iso_42001', before_pct: 0, after_pct: 10, delta_pct: 10, controls_gained: 1 },
      ],
      overall_before: 0,
      overall_after: 10,
    })
    expect(readinessDelta(after, after).frameworks).toEqual([])
  })
})
