import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { computeReadiness } from './compute-readiness'
import { evaluateGates, type GatePolicy, parseGatePolicyInput } from './evaluate-gates'

// EU AI Act 3/11 = 27%, SOC 2 1/14 = 7%, NIST 0%
const readiness = computeReadiness({
  coverage: ['eu_ai_act:art_9', 'eu_ai_act:art_14', 'eu_ai_act:art_73', 'soc2_type2:CC8.1'].map(
    (controlId) => ({
      controlId,
      attested: true,
    }),
  ),
})
const policies: GatePolicy[] = [
  { id: 'g1', framework: 'eu_ai_act', mode: 'required', threshold_pct: 27, scope: 'workspace' },
  { id: 'g2', framework: 'soc2_type2', mode: 'required', threshold_pct: 8, scope: 'workspace' },
  { id: 'g3', framework: 'nist_airf', mode: 'advisory', threshold_pct: 50, scope: 'workspace' },
  { id: 'g4', framework: 'soc2_type2', mode: 'required', threshold_pct: 7, scope: 'bot' },
]

describe('evaluateGates', () => {
  it('fails when a required gate is below its threshold; advisory gates never fail the check', () => {
    const check = evaluateGates({ policies, readiness })
    expect(check.results.map((result) => [result.framework, result.current_pct, result.status])).toEqual([
      ['eu_ai_act', 27, 'passing'], // 27 >= 27
      ['soc2_type2', 7, 'failing'], // 7 < 8
      ['nist_airf', 0, 'failing'], // advisory
    ])
    expect(check.passed).toBe(false)
    expect(check.failing_required).toBe(1)
    expect(check.unconfigured_frameworks).toEqual(['iso_42001', 'iso_27001'])
  })

  it('uses a system override instead of the workspace gate', () => {
    const check = evaluateGates({ policies, readiness, systemName: 'bot' })
    expect(check.results.find((result) => result.framework === 'soc2_type2')).toMatchObject({
      policy_id: 'g4',
      status: 'passing',
    })
    expect(check.passed).toBe(true)
    expect(check.system_name).toBe('bot')
    expect(evaluateGates({ policies: [], readiness }).passed).toBe(true)
  })

  it('parses gate input with defaults and clear errors', () => {
    expect(parseGatePolicyInput({ framework: 'soc2_type2' })).toEqual({
      framework: 'soc2_type2',
      mode: 'required',
      threshold_pct: 80,
      scope: 'workspace',
    })
    expect(
      parseGatePolicyInput({ framework: 'eu_ai_act', mode: 'advisory', threshold_pct: 0, system_name: 'bot' })
        .scope,
    ).toBe('bot')
    const error = (() => {
      try {
        parseGatePolicyInput({ framework: 'gdpr' })
      } catch (caught) {
        return caught
      }
    })()
    expect(MimaError.isInstance(error) && error.code).toBe('validation_failed')
    expect(String((error as Error).message)).toBe(
      'framework must be one of eu_ai_act, iso_42001, iso_27001, soc2_type2, nist_airf',
    )
    expect(() => parseGatePolicyInput({ framework: 'eu_ai_act', mode: 'blocking' })).toThrow(
      /mode must be one of required, advisory/,
    )
    expect(() => parseGatePolicyInput({ framework: 'eu_ai_act', threshold_pct: 80.5 })).toThrow(
      /threshold_pct must be an integer from 0 to 100/,
    )
    expect(() => parseGatePolicyInput({ framework: 'eu_ai_act', threshold_pct: 101 })).toThrow(
      /threshold_pct/,
    )
  })
})
