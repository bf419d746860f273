import { InvalidField, isObject, optionalString } from '../http/validation'

const TOKEN_FIELDS = ['input_tokens', 'output_tokens', 'cached_tokens'] as const

/**
 * Checks the optional usage fields of an attestation (`provider`, `operation`, `*_tokens`,
 * `cost_usd`, `session_id`, `parent_attestation_id`, `metadata`). Absent fields are fine: the
 * Python SDK's records carry none of them. Throws {@link InvalidField} (422) otherwise.
 */
export function validateUsageFields(record: Record<string, unknown>): void {
  optionalString(record, 'provider', 200)
  optionalString(record, 'operation', 200)
  optionalString(record, 'session_id', 500)
  optionalString(record, 'parent_attestation_id', 500)
  for (const field of TOKEN_FIELDS) {
    const value = record[field]
    if (value === undefined || value === null) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new InvalidField(field, `${field} must be a non-negative integer.`)
  }
  const cost = record.cost_usd
  if (cost !== undefined && cost !== null) {
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0 || cost > 1e9)
      throw new InvalidField('cost_usd', 'cost_usd must be a non-negative number of US dollars.')
  }
  const metadata = record.metadata
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) throw new InvalidField('metadata', 'metadata must be a JSON object.')
    if (JSON.stringify(metadata).length > 16_384)
      throw new InvalidField('metadata', 'metadata must be at most 16 KB of JSON.')
  }
}
