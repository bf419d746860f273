import { describe, expect, it } from 'vitest'
import { recordTypesForControl } from '../mapping/map-record-to-controls'
import { MAPPING_RULES } from '../mapping/mapping-rules'
import { RECORD_TYPES } from '../records/record-types'
import { FRAMEWORK_CATALOGS, getControl, listControls, requiredControls, resolveControl } from './catalog'
import { FRAMEWORK_SLUGS } from './control'

// Every control id the Python project emits (reference §3.2 tables a, e, f, g; the SDK seed).
const PYTHON_IDS: Record<string, string> = {
  SOC2_CC6_1: 'soc2_type2:CC6.1',
  'SOC2_CC6.1': 'soc2_type2:CC6.1',
  'SOC2_CC6.2': 'soc2_type2:CC6.2',
  'ISO27001_A.9.2': 'iso_27001:A.5.18',
  'ISO27001_A.9.4': 'iso_27001:A.8.3',
  'SOC2_CC8.1': 'soc2_type2:CC8.1',
  'ISO27001_A.12.1': 'iso_27001:A.8.32',
  'SOC2_CC9.2': 'soc2_type2:CC9.2',
  'ISO27001_A.15.1': 'iso_27001:A.5.19',
  'ISO27001_A.15.2': 'iso_27001:A.5.22',
  'SOC2_CC1.4': 'soc2_type2:CC1.4',
  'SOC2_CC2.2': 'soc2_type2:CC2.2',
  'ISO27001_A.7.2': 'iso_27001:A.6.3',
  'NISTAI_GOV1.1': 'nist_airf:GOVERN-1.1',
  'SOC2_CC7.3': 'soc2_type2:CC7.3',
  'SOC2_CC7.4': 'soc2_type2:CC7.4',
  'ISO27001_A.16.1': 'iso_27001:A.5.26',
  EUAIA_ART73: 'eu_ai_act:art_73',
  EUAIA_ART9: 'eu_ai_act:art_9',
  EUAIA_ART11: 'eu_ai_act:art_11',
  'ISO42001_6.1': 'iso_42001:6.1.2',
  ISO42001_6_1: 'iso_42001:6.1.2',
  'NISTAI_MAP1.1': 'nist_airf:MAP-1.1',
  EUAIA_ART10: 'eu_ai_act:art_10',
  'ISO42001_6.2': 'iso_42001:6.2',
  'NISTAI_MAP2.1': 'nist_airf:MAP-2.1',
  'ISO42001_8.4': 'iso_42001:8.4',
  'NISTAI_MEASURE2.5': 'nist_airf:MEASURE-2.5',
  EUAIA_ART14: 'eu_ai_act:art_14',
  'ISO42001_8.6': 'iso_42001:A.9.2',
  'NISTAI_GOVERN5.1': 'nist_airf:GOVERN-5.1',
  'ISO42001_9.1': 'iso_42001:9.1',
  'NISTAI_MANAGE4.1': 'nist_airf:MANAGE-4.1',
  'SOC2_CC1.1': 'soc2_type2:CC1.1',
  'SOC2_CC4.1': 'soc2_type2:CC4.1',
  'ISO42001_9.3': 'iso_42001:9.3',
  'NISTAI_GOVERN1.1': 'nist_airf:GOVERN-1.1',
  EUAIA_ART17: 'eu_ai_act:art_17',
  'ISO42001_A.6.1': 'iso_42001:A.6.1.3',
  'ISO42001_A.6.3': 'iso_42001:A.6.2.4',
  EUAIA_ART26: 'eu_ai_act:art_26',
  'ISO42001_A.9.2': 'iso_42001:A.9.2',
  EUAIA_ART15: 'eu_ai_act:art_15',
  NIST_AIRF_MEA_1: 'nist_airf:MEASURE-1.1',
  NIST_AIRF_MEA_2_5: 'nist_airf:MEASURE-2.5',
  SOC2_CC4_1: 'soc2_type2:CC4.1',
  'SOC2_CC3.3': 'soc2_type2:CC3.3',
  'SOC2_CC5.1': 'soc2_type2:CC5.1',
  EUAIA_ART15_R: 'eu_ai_act:art_15.4',
  EUAIA_ART13: 'eu_ai_act:art_13',
  'ISO42001_A.6.6': 'iso_42001:A.9.2',
  NIST_AIRF_GOV_1: 'nist_airf:GOVERN-1.1',
  'ISO42001_A.6.2': 'iso_42001:A.6.2.8',
  'ISO27001_2022_5.16': 'iso_27001:A.5.16',
  'ISO27001_2022_8.32': 'iso_27001:A.8.32',
  'SOC2_CC3.1': 'soc2_type2:CC3.1',
  'SOC2_CC2.1': 'soc2_type2:CC2.1',
  'SOC2_CC5.2': 'soc2_type2:CC5.2',
  EUAIA_ART72: 'eu_ai_act:art_72',
}

describe('control catalog', () => {
  it('has one data file per framework, in slug order, with unique well-formed ids', () => {
    expect(FRAMEWORK_CATALOGS.map((catalog) => catalog.framework)).toEqual([...FRAMEWORK_SLUGS])
    const ids = listControls().map((control) => control.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const control of listControls()) {
      expect(control.id.startsWith(`${control.framework}:`)).toBe(true)
      expect(control.title.length).toBeGreaterThan(3)
      expect(control.description.length).toBeGreaterThan(10)
    }
  })

  it('names only catalog controls in the mapping, and only required ones', () => {
    for (const recordType of RECORD_TYPES) {
      for (const rule of MAPPING_RULES[recordType]) {
        for (const id of rule.controls) {
          const control = getControl(id)
          expect(control, `${recordType} maps to ${id}`).toBeDefined()
          expect(control?.required, `${id} is required`).toBe(true)
        }
      }
    }
  })

  it('lets some record type earn every required control, so 100% is reachable', () => {
    for (const framework of FRAMEWORK_SLUGS) {
      expect(requiredControls(framework).length).toBeGreaterThan(0)
      for (const control of requiredControls(framework)) {
        expect(recordTypesForControl(control.id), control.id).not.toEqual([])
      }
    }
  })

  it('resolves every id the Python project emits to its catalog control', () => {
    for (const [alias, id] of Object.entries(PYTHON_IDS)) {
      expect(resolveControl(alias)?.id, alias).toBe(id)
    }
    expect(resolveControl('euaia_art14')?.id).toBe('eu_ai_act:art_14')
    expect(resolveControl('nist_airf:MEASURE-2.11')?.id).toBe('nist_airf:MEASURE-2.11')
    expect(resolveControl('EUAIA_ART99')).toBeUndefined()
    expect(resolveControl('SOC2_CC10.1')).toBeUndefined()
  })
})
