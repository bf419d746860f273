import { expect, it } from 'vitest'
import * as grc from './index'

it('exports the public API from the barrel', () => {
  for (const name of [
    'createGrc',
    'createGrcRecordBuilder',
    'validateGrcRecord',
    'collectGrcRecordIssues',
    'mapRecordToControls',
    'possibleControls',
    'resolveControl',
    'computeReadiness',
    'evaluateGates',
    'parseGatePolicyInput',
    'deriveControls',
    'isRecordType',
  ] as const) {
    expect(typeof grc[name], name).toBe('function')
  }
  expect(grc.RECORD_TYPES).toHaveLength(13)
  expect(grc.FRAMEWORK_SLUGS).toEqual(['eu_ai_act', 'iso_42001', 'iso_27001', 'soc2_type2', 'nist_airf'])
})
