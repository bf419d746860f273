import type { MimaErrorCode } from '@mima/core'
import { parseTimestamp } from './input-guard'

/** A field that failed validation (becomes a 422, or a per-record `rejected` reason in a batch). */
export class InvalidField extends Error {
  readonly field: string
  readonly code: MimaErrorCode
  constructor(field: string, message: string, code: MimaErrorCode = 'validation_failed') {
    super(message)
    this.name = 'InvalidField'
    this.field = field
    this.code = code
  }
}

type Json = Record<string, unknown>

/** A required non-empty string of at most `max` characters. */
export function requiredString(record: Json, field: string, max = 1000): string {
  const value = record[field]
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidField(field, `${field} must be a non-empty string.`)
  if (value.length > max) throw new InvalidField(field, `${field} must be at most ${max} characters.`)
  return value
}

/** An optional string (absent or null → undefined). */
export function optionalString(record: Json, field: string, max = 1000): string | undefined {
  const value = record[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new InvalidField(field, `${field} must be a string.`)
  if (value.length > max) throw new InvalidField(field, `${field} must be at most ${max} characters.`)
  return value
}

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** An optional ISO-8601 date or date-time string. */
export function optionalTimestamp(record: Json, field: string): string | undefined {
  const value = optionalString(record, field, 64)
  if (value === undefined) return undefined
  if (parseTimestamp(value) === undefined) {
    throw new InvalidField(
      field,
      `${field} must be an ISO-8601 date or date-time between years 0001 and 9999, got "${value.slice(0, 40)}".`,
    )
  }
  return value
}

/** Idempotency keys: 1–255 printable ASCII characters. */
export function optionalIdempotencyKey(value: unknown, field = 'idempotency_key'): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new InvalidField(field, `${field} must be 1–255 printable ASCII characters without spaces.`)
  }
  return value
}
