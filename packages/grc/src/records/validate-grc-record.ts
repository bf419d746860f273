import { MimaError } from '@mima/core'
import {
  ANNEX_III_CATEGORIES,
  APPROVAL_OVERSIGHT_SPEC,
  type FieldSpec,
  PAYLOAD_SPECS,
  type PayloadSpec,
  RISK_TIERS,
} from './payload-specs'
import { isRecordType, RECORD_TYPES, type RecordType } from './record-types'

/** A GRC evidence record as it travels on the wire (reference §1.5). */
export interface GrcRecord {
  readonly record_type: RecordType
  /** The type-specific payload. */
  readonly payload: Readonly<Record<string, unknown>>
  readonly system_name: string
  readonly identity?: string
  readonly resource?: string
  readonly environment?: string
  /** ISO-8601 date or date-time. */
  readonly occurred_at?: string
  /** HMAC-SHA256 hex over the canonical record (Python SDK `signing_key`). */
  readonly client_sig?: string
  readonly client_sig_algo?: 'hmac-sha256'
  /** Client-generated key (extension of `@mima/core`); the server stores each key once. */
  readonly idempotency_key?: string
}

/** Why a record is invalid: one problem with one field. */
export interface GrcValidationIssue {
  /** The wire path of the field, e.g. `record_type`, `payload.tier`. */
  readonly field: string
  readonly code: 'missing' | 'invalid_type' | 'not_allowed' | 'out_of_range' | 'invalid_date'
  /** What the field must be, e.g. `a non-empty string`, `an integer from 0 to 100`. */
  readonly expected: string
  /** The allowed values, for enumerated fields. */
  readonly allowed?: readonly string[]
  /** The value received (absent when missing). */
  readonly received?: unknown
}

/** Options of {@link validateGrcRecord}. */
export interface ValidateGrcRecordOptions {
  /**
   * A dry run checks the envelope and the type of each payload field present, but does not require
   * the type's payload fields (the Python live tests send a one-field payload with `dry_run=true`).
   */
  readonly dryRun?: boolean
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/
const HEX_64 = /^[0-9a-f]{64}$/i
const MAX_STRING = 10_000
const MAX_SYSTEM_NAME = 256

/** Whether `value` is an ISO-8601 date (`2026-06-01`) or date-time a `Date` can read. */
export function isIsoDate(value: unknown): value is string {
  return (
    typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))
  )
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function expectedOf(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'string':
      return spec.allowed
        ? `one of ${spec.allowed.join(', ')}`
        : spec.required
          ? 'a non-empty string'
          : 'a string'
    case 'boolean':
      return 'true or false'
    case 'number':
      return 'a finite number'
    case 'integer':
      if (spec.min !== undefined && spec.max !== undefined)
        return `an integer from ${spec.min} to ${spec.max}`
      return spec.min !== undefined ? `an integer ≥ ${spec.min}` : 'an integer'
    case 'string_list':
      return 'a list of strings'
    case 'object':
      return 'an object'
    case 'date':
      return 'an ISO-8601 date or date-time'
  }
}

function checkField(
  field: string,
  value: unknown,
  spec: FieldSpec,
  requireFields: boolean,
): GrcValidationIssue | undefined {
  const expected = expectedOf(spec)
  const allowed = spec.allowed ? { allowed: spec.allowed } : {}
  if (value === undefined || value === null) {
    return spec.required && requireFields ? { field, code: 'missing', expected, ...allowed } : undefined
  }
  const invalid = (code: GrcValidationIssue['code'] = 'invalid_type'): GrcValidationIssue => ({
    field,
    code,
    expected,
    ...allowed,
    received: value,
  })
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string' || value.length > MAX_STRING) return invalid()
      if (spec.allowed && !spec.allowed.includes(value)) return invalid('not_allowed')
      if (spec.required && requireFields && value.trim() === '') return invalid('missing')
      return undefined
    case 'boolean':
      return typeof value === 'boolean' ? undefined : invalid()
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return invalid()
      if (spec.kind === 'integer' && !Number.isInteger(value)) return invalid()
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return invalid('out_of_range')
      }
      return undefined
    }
    case 'string_list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : invalid()
    case 'object':
      return isPlainObject(value) ? undefined : invalid()
    case 'date':
      return isIsoDate(value) ? undefined : invalid('invalid_date')
  }
}

function checkPayload(
  recordType: RecordType,
  payload: Record<string, unknown>,
  requireFields: boolean,
): GrcValidationIssue[] {
  const spec: PayloadSpec =
    recordType === 'human_oversight' && payload.oversight_status !== undefined
      ? APPROVAL_OVERSIGHT_SPEC
      : PAYLOAD_SPECS[recordType]
  const issues: GrcValidationIssue[] = []
  for (const [name, fieldSpec] of Object.entries(spec)) {
    const issue = checkField(`payload.${name}`, payload[name], fieldSpec, requireFields)
    if (issue) issues.push(issue)
  }
  if (recordType === 'ai_risk_assessment' && issues.length === 0) {
    const level = payload.risk_level ?? payload.risk_tier
    if (requireFields && (level === undefined || level === null)) {
      issues.push({
        field: 'payload.risk_level',
        code: 'missing',
        expected: `one of ${RISK_TIERS.join(', ')}`,
        allowed: RISK_TIERS,
      })
    }
    const annex = payload.annex_iii_category
    if (requireFields && level === 'high' && (annex === undefined || annex === null || annex === '')) {
      issues.push({
        field: 'payload.annex_iii_category',
        code: 'missing',
        expected: `required for high-risk systems: one of ${ANNEX_III_CATEGORIES.join(', ')}`,
        allowed: ANNEX_III_CATEGORIES,
      })
    }
  }
  return issues
}

/**
 * Every problem with a GRC wire record, in field order (empty when valid). Never throws.
 */
export function collectGrcRecordIssues(
  input: unknown,
  options: ValidateGrcRecordOptions = {},
): GrcValidationIssue[] {
  if (!isPlainObject(input)) {
    return [{ field: 'record', code: 'invalid_type', expected: 'a JSON object', received: input }]
  }
  const issues: GrcValidationIssue[] = []
  const recordType = input.record_type
  if (!isRecordType(recordType)) {
    issues.push({
      field: 'record_type',
      code: recordType === undefined || recordType === null ? 'missing' : 'not_allowed',
      expected: `one of ${RECORD_TYPES.join(', ')}`,
      allowed: RECORD_TYPES,
      ...(recordType === undefined ? {} : { received: recordType }),
    })
  }
  const systemName = input.system_name
  if (typeof systemName !== 'string' || systemName.trim() === '' || systemName.length > MAX_SYSTEM_NAME) {
    issues.push({
      field: 'system_name',
      code: systemName === undefined || systemName === null ? 'missing' : 'invalid_type',
      expected: `a non-empty string of at most ${MAX_SYSTEM_NAME} characters`,
      ...(systemName === undefined ? {} : { received: systemName }),
    })
  }
  for (const name of ['identity', 'resource', 'environment', 'idempotency_key'] as const) {
    const issue = checkField(name, input[name], { kind: 'string' }, false)
    if (issue) issues.push(issue)
  }
  const algo = checkField(
    'client_sig_algo',
    input.client_sig_algo,
    { kind: 'string', allowed: ['hmac-sha256'] },
    false,
  )
  if (algo) issues.push(algo)
  const occurredAt = checkField('occurred_at', input.occurred_at, { kind: 'date' }, false)
  if (occurredAt) issues.push(occurredAt)
  if (
    input.client_sig !== undefined &&
    input.client_sig !== null &&
    !(typeof input.client_sig === 'string' && HEX_64.test(input.client_sig))
  ) {
    issues.push({
      field: 'client_sig',
      code: 'invalid_type',
      expected: '64 hex characters (HMAC-SHA256)',
      received: input.client_sig,
    })
  }
  const payload = input.payload
  if (payload === undefined || payload === null) {
    if (!options.dryRun) issues.push({ field: 'payload', code: 'missing', expected: 'an object' })
  } else if (!isPlainObject(payload)) {
    issues.push({ field: 'payload', code: 'invalid_type', expected: 'an object', received: payload })
  } else if (isRecordType(recordType)) {
    issues.push(...checkPayload(recordType, payload, !options.dryRun))
  }
  return issues
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/**
 * One sentence for an issue, naming the field (`label`, by default its wire path), what it must be
 * and what was received.
 */
export function describeGrcIssue(issue: GrcValidationIssue, label: string = issue.field): string {
  const got = 'received' in issue ? ` (got ${show(issue.received)})` : ''
  switch (issue.code) {
    case 'missing':
      return `${label} is required: ${issue.expected}`
    case 'not_allowed':
      return `${label} must be one of ${issue.allowed?.join(', ') ?? issue.expected}${got}`
    case 'out_of_range':
      return `${label} must be ${issue.expected}${got}`
    case 'invalid_date':
      return `${label} must be ${issue.expected}${got}`
    case 'invalid_type':
      return `${label} must be ${issue.expected}${got}`
  }
}

/** Builds the `validation_failed` error for a list of issues (the first one is the message). */
export function grcValidationError(
  recordType: string,
  issues: readonly GrcValidationIssue[],
  label: (issue: GrcValidationIssue) => string = (issue) => issue.field,
): MimaError {
  const [first] = issues
  const message = first
    ? `${recordType}: ${describeGrcIssue(first, label(first))}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : `${recordType}: invalid record`
  return new MimaError('validation_failed', message, {
    status: 422,
    details: {
      field: first ? label(first) : undefined,
      ...(first?.allowed ? { allowed: first.allowed } : {}),
      issues: issues.map((issue) => ({
        ...issue,
        field: label(issue),
        message: describeGrcIssue(issue, label(issue)),
      })),
    },
  })
}

const ENVELOPE_KEYS = [
  'identity',
  'resource',
  'environment',
  'occurred_at',
  'client_sig',
  'client_sig_algo',
  'idempotency_key',
] as const

/**
 * Checks a GRC wire record (as the Python SDK, the Python CLI or `@mima/grc` builders send it) and
 * returns it normalised: known envelope fields only, `null` optional fields dropped, payload as sent
 * (fields a type does not define are kept). Throws {@link MimaError} `validation_failed` (status 422, as the server answers it)
 * naming the field and the allowed values; `details.issues` lists every problem.
 *
 * @example
 * ```ts
 * const record = validateGrcRecord(await request.json(), { dryRun: url.searchParams.get('dry_run') === 'true' })
 * ```
 */
export function validateGrcRecord(input: unknown, options: ValidateGrcRecordOptions = {}): GrcRecord {
  const issues = collectGrcRecordIssues(input, options)
  const source = input as Record<string, unknown>
  if (issues.length > 0) {
    const recordType =
      isPlainObject(input) && typeof source.record_type === 'string' ? source.record_type : 'grc record'
    throw grcValidationError(recordType.slice(0, 64), issues)
  }
  const record: Record<string, unknown> = {
    record_type: source.record_type,
    payload: isPlainObject(source.payload) ? source.payload : {},
    system_name: source.system_name,
  }
  for (const key of ENVELOPE_KEYS) {
    if (source[key] !== undefined && source[key] !== null) record[key] = source[key]
  }
  return record as unknown as GrcRecord
}
