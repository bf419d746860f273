import type { DecisionRecord, PolicyDecision } from '@mima/policy'
import { httpError } from '../http/errors'

/** Policy names: what `mima policy upload --name` and the URL accept. */
export const POLICY_NAME: RegExp = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** A 422 unless `name` is a policy name. */
export function policyName(name: string | undefined, field = 'name'): string {
  if (name === undefined || !POLICY_NAME.test(name)) {
    throw httpError(
      'validation_failed',
      `${field} must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
      { field },
    )
  }
  return name
}

const MAX_DEPTH = 64
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Whether PostgreSQL can store `value` as text: no NUL character, no lone surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value)
}

/** Whether `value` has no control character (names shown on one line). */
export function isPrintable(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) if (value.charCodeAt(index) < 32) return false
  return true
}

/**
 * A 422 when any string in `value` (keys included) holds a NUL character or a lone surrogate,
 * which PostgreSQL cannot store, or when it nests deeper than 64 levels.
 */
export function assertStorableJson(value: unknown, field: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw httpError('validation_failed', `${field} nests too deeply.`, { field })
  if (typeof value === 'string') {
    if (!isStorableText(value)) {
      throw httpError('validation_failed', `${field} holds a NUL character or a lone surrogate.`, { field })
    }
    return
  }
  if (value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    for (const item of value) assertStorableJson(item, field, depth + 1)
    return
  }
  for (const [key, item] of Object.entries(value)) {
    assertStorableJson(key, field, depth + 1)
    assertStorableJson(item, field, depth + 1)
  }
}

/** An optional string field: absent/null → undefined; otherwise a storable string of at most `max`. */
export function optionalText(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.length > max) {
    throw httpError('validation_failed', `${field} must be a string of at most ${max} characters.`, { field })
  }
  assertStorableJson(value, field)
  return value
}

/** An optional list of short strings. */
export function optionalNames(
  body: Record<string, unknown>,
  field: string,
  maxItems = 1000,
): string[] | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (
    !Array.isArray(value) ||
    value.length > maxItems ||
    value.some((item) => typeof item !== 'string' || item === '' || item.length > 500)
  ) {
    throw httpError(
      'validation_failed',
      `${field} must be a list of at most ${maxItems} non-empty strings.`,
      {
        field,
      },
    )
  }
  assertStorableJson(value, field)
  return value as string[]
}

const DECISIONS: readonly PolicyDecision[] = ['allow', 'deny', 'confirm', 'redact']
const UUIDISH = /^[A-Za-z0-9._:-]{1,128}$/

/** Reads one client-reported decision record (422 with the field and index when malformed). */
export function decisionRecordFrom(value: unknown, index: number): DecisionRecord {
  const field = (name: string): string => `decisions[${index}].${name}`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw httpError('validation_failed', `decisions[${index}] must be an object.`, {
      field: `decisions[${index}]`,
    })
  }
  const record = value as Record<string, unknown>
  // A record never carries text: refuse one that tries to, so raw PII cannot be stored by mistake.
  for (const forbidden of ['text', 'raw_text', 'payload', 'redacted']) {
    if (record[forbidden] !== undefined) {
      throw httpError(
        'validation_failed',
        `${field(forbidden)} is not accepted: decision records never carry text.`,
        {
          field: field(forbidden),
        },
      )
    }
  }
  const text = (name: string, max: number, required: boolean): string | undefined => {
    const item = record[name]
    if (item === undefined || item === null) {
      if (required)
        throw httpError('validation_failed', `${field(name)} is required.`, { field: field(name) })
      return undefined
    }
    if (typeof item !== 'string' || item === '' || item.length > max) {
      throw httpError('validation_failed', `${field(name)} must be a string of 1–${max} characters.`, {
        field: field(name),
      })
    }
    assertStorableJson(item, field(name))
    return item
  }
  const decisionId = text('decision_id', 128, true) as string
  if (!UUIDISH.test(decisionId)) {
    throw httpError(
      'validation_failed',
      `${field('decision_id')} must be an id (letters, digits, . _ : -).`,
      {
        field: field('decision_id'),
      },
    )
  }
  const decision = record.decision
  if (typeof decision !== 'string' || !DECISIONS.includes(decision as PolicyDecision)) {
    throw httpError('validation_failed', `${field('decision')} must be one of ${DECISIONS.join(', ')}.`, {
      field: field('decision'),
    })
  }
  const direction = record.direction
  if (direction !== 'ingress' && direction !== 'egress') {
    throw httpError('validation_failed', `${field('direction')} must be ingress or egress.`, {
      field: field('direction'),
    })
  }
  const decidedAt = text('decided_at', 64, true) as string
  if (Number.isNaN(Date.parse(decidedAt)) || !/^\d{4}-\d{2}-\d{2}T/.test(decidedAt)) {
    throw httpError('validation_failed', `${field('decided_at')} must be an ISO-8601 date-time.`, {
      field: field('decided_at'),
    })
  }
  const list = (name: string): string[] => {
    const item = record[name] ?? []
    if (
      !Array.isArray(item) ||
      item.length > 100 ||
      item.some((entry) => typeof entry !== 'string' || entry.length > 200)
    ) {
      throw httpError('validation_failed', `${field(name)} must be a list of at most 100 short strings.`, {
        field: field(name),
      })
    }
    assertStorableJson(item, field(name))
    return item as string[]
  }
  const findings = record.findings ?? 0
  if (typeof findings !== 'number' || !Number.isInteger(findings) || findings < 0 || findings > 1_000_000) {
    throw httpError('validation_failed', `${field('findings')} must be a whole number.`, {
      field: field('findings'),
    })
  }
  const commitment = text('text_commitment', 200, false)
  if (commitment !== undefined && !/^hmac-sha256:[0-9a-f]{64}$/.test(commitment)) {
    throw httpError('validation_failed', `${field('text_commitment')} must be hmac-sha256:<64 hex>.`, {
      field: field('text_commitment'),
    })
  }
  const optional = (name: string): Record<string, string> => {
    const item = text(name, 500, false)
    return item === undefined ? {} : { [name]: item }
  }
  return {
    decision_id: decisionId,
    decided_at: new Date(decidedAt).toISOString(),
    policy_id: text('policy_id', 128, true) as string,
    policy_version: text('policy_version', 64, true) as string,
    rule_id: text('rule_id', 500, true) as string,
    decision: decision as PolicyDecision,
    direction,
    reasons: list('reasons'),
    detector_kinds: list('detector_kinds'),
    findings,
    ...(commitment === undefined ? {} : { text_commitment: commitment }),
    ...optional('tool'),
    ...optional('agent'),
    ...optional('correlation_id'),
  }
}
