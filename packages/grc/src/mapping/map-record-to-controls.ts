import { listControls } from '../catalog/catalog'
import type { ControlId, FrameworkSlug } from '../catalog/control'
import { isRecordType, RECORD_TYPES, type RecordType } from '../records/record-types'
import { MAPPING_RULES, type PayloadView } from './mapping-rules'

/** What the mapping reads from a record: its type and payload (the wire field names). */
export interface MappableRecord {
  readonly record_type: string
  readonly payload?: unknown
}

const CATALOG_ORDER: ReadonlyMap<string, number> = new Map(
  listControls().map((control, index) => [control.id, index]),
)

/**
 * The canonical control ids a record earns, in catalog order (frameworks as in `FRAMEWORK_SLUGS`).
 * This is what the server returns as `mapped_controls`. An unknown record type earns nothing.
 *
 * @example
 * ```ts
 * mapRecordToControls({ record_type: 'change_event', payload: {} })
 * // ['iso_42001:8.1', 'iso_27001:A.8.32', 'soc2_type2:CC8.1']
 * ```
 */
export function mapRecordToControls(record: MappableRecord): ControlId[] {
  if (!isRecordType(record.record_type)) return []
  const payload: PayloadView =
    typeof record.payload === 'object' && record.payload !== null && !Array.isArray(record.payload)
      ? (record.payload as PayloadView)
      : {}
  const earned = new Set<ControlId>()
  for (const rule of MAPPING_RULES[record.record_type]) {
    if (rule.when === undefined || rule.when.test(payload)) {
      for (const id of rule.controls) earned.add(id)
    }
  }
  return [...earned].sort((a, b) => (CATALOG_ORDER.get(a) ?? 0) - (CATALOG_ORDER.get(b) ?? 0))
}

/** Every control a record type can earn, and the condition (if any) under which it does. */
export interface PossibleControl {
  readonly control_id: ControlId
  readonly framework: FrameworkSlug
  /** `undefined` when the record type always earns the control. */
  readonly condition?: string
}

/** The controls a record type can earn (unconditionally or under a condition), for dry runs and docs. */
export function possibleControls(recordType: RecordType): PossibleControl[] {
  const result: PossibleControl[] = []
  for (const rule of MAPPING_RULES[recordType]) {
    for (const id of rule.controls) {
      if (result.some((entry) => entry.control_id === id)) continue
      const framework = id.slice(0, id.indexOf(':')) as FrameworkSlug
      result.push({
        control_id: id,
        framework,
        ...(rule.when === undefined ? {} : { condition: rule.when.description }),
      })
    }
  }
  return result
}

/** The record types that can earn a control (`evidence_record_types` in `grc/frameworks`). */
export function recordTypesForControl(id: string): RecordType[] {
  return RECORD_TYPES.filter((recordType) =>
    MAPPING_RULES[recordType].some((rule) => rule.controls.includes(id as ControlId)),
  )
}
