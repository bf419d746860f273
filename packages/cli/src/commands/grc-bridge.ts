import {
  collectGrcRecordIssues,
  type GrcValidationIssue,
  getControl,
  grcValidationError,
  mapRecordToControls,
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
