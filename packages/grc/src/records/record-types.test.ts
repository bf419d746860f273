import { expect, it } from 'vitest'
import { isRecordType, RECORD_TYPES } from './record-types'

it('lists the 13 wire record types once each', () => {
  expect(RECORD_TYPES).toHaveLength(13)
  expect(new Set(RECORD_TYPES).size).toBe(13)
  expect(RECORD_TYPES).toContain('quality_management_review')
  expect(RECORD_TYPES).toContain('deployer_obligations_review')
})

it('recognises record types and rejects anything else', () => {
  expect(isRecordType('human_oversight')).toBe(true)
  expect(isRecordType('Human_Oversight')).toBe(false)
  expect(isRecordType('attestation')).toBe(false)
  expect(isRecordType(7)).toBe(false)
})
