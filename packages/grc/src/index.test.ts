import { expect, it } from 'vitest'
import {
  collectGrcRecordIssues,
  computeReadiness,
  createGrc,
  createGrcRecordBuilder,
  deriveControls,
  evaluateGates,
  FRAMEWORK_SLUGS,
  isRecordType,
  mapRecordToControls,
  parseGatePolicyInput,
  possibleControls,
  RECORD_TYPES,
  resolveControl,
  validateGrcRecord,
} from './index'

it('exports the public API from the barrel', () => {
  const functions = [
    createGrc,
    createGrcRecordBuilder,
    validateGrcRecord,
    collectGrcRecordIssues,
    mapRecordToControls,
    possibleControls,
    resolveControl,
    computeReadiness,
    evaluateGates,
    parseGatePolicyInput,
    deriveControls,
    isRecordType,
  ]
  for (const fn of functions) expect(typeof fn).toBe('function')
  expect(RECORD_TYPES).toHaveLength(13)
  expect(FRAMEWORK_SLUGS).toEqual(['eu_ai_act', 'iso_42001', 'iso_27001', 'soc2_type2', 'nist_airf'])
})
