import { describe, expect, it } from 'vitest'
import { requiredControls } from '../catalog/catalog'
import { FRAMEWORK_SLUGS } from '../catalog/control'
import { computeReadiness } from './compute-readiness'

describe('computeReadiness (hand-computed fixtures)', () => {
  it('has the required control counts the catalog declares', () => {
    expect(FRAMEWORK_SLUGS.map((framework) => requiredControls(framework).length)).toEqual([
      11, 19, 10, 14, 19,
    ])
  })

  it('scores an almost empty workspace: floor percentages, attested vs inferred, weakest framework', () => {
    const report = computeReadiness({
      coverage: [
        { controlId: 'eu_ai_act:art_9', attested: false },
        { controlId: 'EUAIA_ART9', attested: true }, // alias of the same control, merged: attested
        { controlId: 'eu_ai_act:art_14', attested: false }, // estate_auto only: inferred
        { controlId: 'eu_ai_act:art_73', attested: true },
        { controlId: 'eu_ai_act:art_12', attested: true }, // not required: ignored
        { controlId: 'soc2_type2:CC8.1', attested: true },
        { controlId: 'nonsense', attested: true },
      ],
      recordsByFramework: { eu_ai_act: 4, soc2_type2: 1 },
      validations: {
        eu_ai_act: { validatedAt: '2026-06-01T00:00:00.000Z', validatedBy: 'admin@example.com' },
      },
    })
    const eu = report.frameworks[0]
    // 3 of 11 covered: floor(300/11) = 27; 2 attested: floor(200/11) = 18; 1 inferred
    expect(eu).toMatchObject({
      framework: 'eu_ai_act',
      label: 'EU AI Act',
      controls_required: 11,
      controls_covered: 3,
      score_pct: 27,
      controls_covered_attested: 2,
      attested_pct: 18,
      controls_inferred: 1,
      records_total: 4,
      validated: true,
      validated_at: '2026-06-01T00:00:00.000Z',
      validated_by: 'admin@example.com',
    })
    expect(eu?.missing_controls).toHaveLength(8)
    expect(eu?.missing_controls).not.toContain('eu_ai_act:art_9')
    // 1 of 14: floor(100/14) = 7
    expect(report.frameworks[3]).toMatchObject({
      framework: 'soc2_type2',
      controls_covered: 1,
      score_pct: 7,
      validated: false,
      validated_at: null,
    })
    // ISO 42001 (first at 0 in catalog order) is the weakest link
    expect(report.overall_pct).toBe(0)
    expect(report.weakest_framework).toBe('iso_42001')
    expect(report.overall_rule).toBe('weakest_framework')
    expect(report.overall_rule_description).toMatch(/lowest score_pct/)
  })

  it('takes the minimum, not the average', () => {
    const coverage = FRAMEWORK_SLUGS.flatMap((framework) => {
      const controls = requiredControls(framework)
      // SOC 2: 7 of 14 covered (50%); ISO 27001: 9 of 10 (90%); the rest fully covered
      const take = framework === 'soc2_type2' ? 7 : framework === 'iso_27001' ? 9 : controls.length
      return controls.slice(0, take).map((control) => ({ controlId: control.id, attested: true }))
    })
    const report = computeReadiness({ coverage })
    expect(report.frameworks.map((framework) => framework.score_pct)).toEqual([100, 100, 90, 50, 100])
    expect(report.overall_pct).toBe(50)
    expect(report.weakest_framework).toBe('soc2_type2')
  })
})
