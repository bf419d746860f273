import {
  collectGrcRecordIssues,
  type GrcValidationIssue,
  getControl,
  grcValidationError,
  isRecordType,
  mapRecordToControls,
  possibleControls,
} from '@mima/grc'
import { RefusedError } from '../cli/cli-error'
import { findPushRecord } from './push-records'

/** A control a record evidences, as shown by `push --dry-run`. */
export interface EarnedControl {
  control_id: string
  framework: string
  title?: string
}

/** The parts of a wire record the checks read. */
export interface CheckableRecord {
  record_type: string
  payload: Record<string, unknown>
}

/** Names a wire field by the flag that sets it (`payload.tier` → `--tier`), when there is one. */
function flagLabel(recordType: string, issue: GrcValidationIssue): string {
  const spec = findPushRecord(recordType)
  if (!spec) return issue.field
  const [, key] = /^payload\.(.+)$/.exec(issue.field) ?? []
  const flag = spec.flags.find((candidate) =>
    key === undefined
      ? candidate.target === issue.field
      : typeof candidate.target === 'object' && candidate.target.payload === key,
  )
  return flag ? `--${flag.name}` : issue.field
}

/**
 * Checks a wire record with `@mima/grc`'s validation (the same the server applies) before it is
 * sent. Refused input exits 1 and names the flag (or the JSON field for `--stdin`).
 */
export function validateWireRecord(
  record: CheckableRecord,
  options: { labels?: 'flags' | 'fields' } = {},
): void {
  const issues = collectGrcRecordIssues(record)
  if (issues.length === 0) return
  const useFlags = options.labels !== 'fields'
  const error = grcValidationError(record.record_type, issues, (issue) =>
    useFlags ? flagLabel(record.record_type, issue) : issue.field,
  )
  throw new RefusedError(error.message, {
    ...(error.details ? { details: error.details } : {}),
    cause: error,
  })
}

/** The controls a record would earn, computed locally by `@mima/grc` (no server, no credentials). */
export function mapControlsOffline(record: CheckableRecord): EarnedControl[] {
  return mapRecordToControls(record).map((id) => {
    const control = getControl(id)
    return {
      control_id: id,
      framework: control?.framework ?? id.slice(0, id.indexOf(':')),
      ...(control ? { title: control.title } : {}),
    }
  })
}

/** A control the record type can earn under a condition this record does not meet. */
export interface ConditionalControl extends EarnedControl {
  condition: string
}

/** Controls the record type earns only under a condition (bias metrics, authority notified, …) not met here. */
export function missedConditionalControls(
  record: CheckableRecord,
  earned: readonly EarnedControl[],
): ConditionalControl[] {
  if (!isRecordType(record.record_type)) return []
  const have = new Set(earned.map((control) => control.control_id))
  return possibleControls(record.record_type)
    .filter((control) => control.condition !== undefined && !have.has(control.control_id))
    .map((control) => ({
      control_id: control.control_id,
      framework: control.framework,
      condition: control.condition!,
      ...(getControl(control.control_id) ? { title: getControl(control.control_id)!.title } : {}),
    }))
}
