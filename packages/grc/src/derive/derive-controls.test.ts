import { describe, expect, it } from 'vitest'
import { deriveControls } from './derive-controls'

describe('deriveControls', () => {
  it('infers a high-risk Annex III system from the description and lists uncovered controls', () => {
    const result = deriveControls({
      actionDescription: 'Score consumer loan applications and deploy the new model to production',
      coveredControls: ['EUAIA_ART9', 'soc2_type2:CC8.1'],
    })
    expect(result.annex_iii_category).toBe('essential_services')
    expect(result.system_risk_tier).toBe('high')
    expect(result.risk_tier_source).toBe('inferred')
    expect(result.art14_applicable).toBe(true)
    expect(result.required_record_types).toEqual(
      expect.arrayContaining(['ai_risk_assessment', 'human_oversight', 'model_evaluation', 'change_event']),
    )
    const ids = result.uncovered_required_controls.map((control) => control.control_id)
    expect(ids).toContain('eu_ai_act:art_14')
    expect(ids).not.toContain('eu_ai_act:art_9')
    expect(ids).not.toContain('soc2_type2:CC8.1')
    expect(result.total_covered).toBe(2)
    expect(result.total_required).toBe(result.total_covered + ids.length)
    const art14 = result.uncovered_required_controls.find(
      (control) => control.control_id === 'eu_ai_act:art_14',
    )
    expect(art14?.record_types).toEqual(['human_oversight'])
  })

  it('leaves out EU AI Act high-risk controls for a minimal-risk system', () => {
    const result = deriveControls({
      actionDescription: 'Summarise internal wiki pages',
      riskTier: 'minimal',
      coveredControls: [],
    })
    expect(result.art14_applicable).toBe(false)
    expect(result.risk_tier_source).toBe('given')
    expect(result.required_record_types).toEqual(['ai_risk_assessment'])
    expect(result.uncovered_required_controls.every((control) => control.framework !== 'eu_ai_act')).toBe(
      true,
    )
    expect(result.total_required).toBeGreaterThan(0)
  })

  it('says when the tier is unknown', () => {
    const result = deriveControls({ actionDescription: 'Chat with customers', coveredControls: [] })
    expect(result.system_risk_tier).toBeNull()
    expect(result.art14_applicable).toBeNull()
  })
})
