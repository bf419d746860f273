import { httpError } from './errors'
import { parseTimestamp } from './input-guard'

/** An opaque cursor for an id (base64url). */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url')
}

/** The id inside a cursor (422 for a malformed one). */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^[0-9a-f-]{36}$/.test(id))
    throw httpError('validation_failed', 'cursor is not a cursor this server issued.', { field: 'cursor' })
  return id
}

/** A `since`/`until` filter as an ISO timestamp (422 when unparsable). */
export function timeFilter(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined
  const millis = parseTimestamp(value)
  if (millis === undefined) {
    throw httpError(
      'validation_failed',
      `${field} must be an ISO-8601 date or date-time between years 0001 and 9999.`,
      { field },
    )
  }
  return new Date(millis).toISOString()
}

/** Builds `where` clauses with numbered parameters. */
export class WhereBuilder {
  readonly clauses: string[] = []
  readonly params: unknown[] = []

  /** Adds `clause` with `$?` replaced by the next parameter number, when `value` is defined. */
  add(clause: string, value: unknown): this {
    if (value === undefined) return this
    this.params.push(value)
    this.clauses.push(clause.replace('$?', `$${this.params.length}`))
    return this
  }

  /** `where a and b …`. */
  toSql(): string {
    return this.clauses.length === 0 ? '' : `where ${this.clauses.join(' and ')}`
  }
}

/**
 * A full-text filter as an `ilike` pattern: the words of `text` must appear (case-insensitive), in
 * order, anywhere; `%`, `_` and `\\` match themselves. Undefined for an absent or blank filter.
 */
export function containsPattern(text: string | undefined): string | undefined {
  const trimmed = text?.trim()
  if (trimmed === undefined || trimmed === '') return undefined
  if (trimmed.length > 200)
    throw httpError('validation_failed', 'q must be at most 200 characters.', { field: 'q' })
  const escaped = trimmed.replace(/[\\%_]/g, (character) => `\\${character}`)
  return `%${escaped.split(/\s+/).join('%')}%`
}
