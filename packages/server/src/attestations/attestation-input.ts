import { type AttestationPayload, hashValue, MimaError, uuidv7, verifyAttestationSignature } from '@mima/core'
import {
  InvalidField,
  isObject,
  optionalIdempotencyKey,
  optionalString,
  optionalTimestamp,
  requiredString,
} from '../http/validation'
import type { NewAttestation } from '../ingest/ingest-queue'
import { validateUsageFields } from '../usage/usage-fields'

const HASH = /^(?:[0-9a-f]{64})?$/

function hashField(record: Record<string, unknown>, field: string): string {
  const value = record[field]
  if (typeof value !== 'string' || !HASH.test(value)) {
    throw new InvalidField(field, `${field} must be 64 lowercase hex characters (SHA-256) or "".`)
  }
  return value
}

/**
 * Validates one attestation (reference §1.4 plus the TypeScript SDK's additive fields), checks its
 * signature and returns it ready to store. Throws {@link InvalidField} (code `validation_failed`
 * or `signature_invalid`).
 */
export function parseAttestation(value: unknown, fallbackIdempotencyKey?: string): NewAttestation {
  if (!isObject(value)) throw new InvalidField('record', 'An attestation must be a JSON object.')
  const systemName = requiredString(value, 'system_name', 500)
  const agentName = optionalString(value, 'agent_name', 500) ?? systemName
  const toolName = requiredString(value, 'tool_name', 500)
  const inputHash = hashField(value, 'input_hash')
  const outputHash = hashField(value, 'output_hash')
  const schemaVersion = value.schema_version
  if (schemaVersion !== undefined && (!Number.isInteger(schemaVersion) || (schemaVersion as number) < 1)) {
    throw new InvalidField('schema_version', 'schema_version must be a positive integer.')
  }
  const modelId = optionalString(value, 'model_id', 500)
  const executedAt = optionalTimestamp(value, 'executed_at')
  if (value.authorised_by !== undefined && value.authorised_by !== null) {
    const principal = value.authorised_by
    if (!isObject(principal))
      throw new InvalidField('authorised_by', 'authorised_by must be an object with identity.')
    requiredString(principal, 'identity', 500)
    optionalString(principal, 'role', 500)
    optionalString(principal, 'session_id', 500)
  }
  optionalString(value, 'witness_sig', 200)
  optionalString(value, 'verifying_key_hex', 200)
  optionalString(value, 'sig_alg', 64)
  optionalString(value, 'approval_token', 4000)
  optionalString(value, 'error_type', 200)
  // Framework integrations (`mima.record`): the parent record's key, and facts that are not hashes.
  optionalString(value, 'parent_idempotency_key', 200)
  if (value.metadata !== undefined && !isObject(value.metadata)) {
    throw new InvalidField('metadata', 'metadata must be a JSON object.')
  }
  if (
    value.duration_ms !== undefined &&
    (typeof value.duration_ms !== 'number' || !(value.duration_ms >= 0))
  ) {
    throw new InvalidField('duration_ms', 'duration_ms must be a non-negative number.')
  }
  if (value.outcome !== undefined && value.outcome !== 'ok' && value.outcome !== 'error') {
    throw new InvalidField('outcome', 'outcome must be "ok" or "error".')
  }
  validateUsageFields(value)
  const idempotencyKey = optionalIdempotencyKey(value.idempotency_key) ?? fallbackIdempotencyKey

  let recordHash: string
  let verdict: 'valid' | 'invalid' | 'unsigned'
  try {
    recordHash = hashValue(value)
    verdict = verifyAttestationSignature(value as unknown as AttestationPayload)
  } catch (error) {
    if (MimaError.isInstance(error)) throw new InvalidField('record', error.message)
    // Pathologically deep nesting overflows the canonicaliser's recursion: refuse it as input.
    if (error instanceof RangeError) throw new InvalidField('record', 'The record is nested too deeply.')
    throw error
  }
  if (verdict === 'invalid') {
    throw new InvalidField(
      'witness_sig',
      'The Ed25519 signature does not verify against verifying_key_hex for this record; it was not stored.',
      'signature_invalid',
    )
  }
  const signed = verdict === 'valid'
  return {
    id: uuidv7(),
    idempotencyKey,
    recordHash,
    systemName,
    agentName,
    toolName,
    modelId,
    inputHash,
    outputHash,
    executedAt,
    trustTier: signed ? 'verified' : 'declared',
    signatureScheme: signed
      ? value.sig_alg === undefined
        ? 'ed25519-legacy'
        : String(value.sig_alg)
      : undefined,
    record: value,
  }
}

/** The `detail` the server answers for a stored attestation. */
export function attestationDetail(trustTier: string, signatureScheme: string | null | undefined): string {
  if (trustTier !== 'verified') return 'Accepted (declared: the record carried no signature).'
  return signatureScheme === 'ed25519-legacy'
    ? 'Accepted; Ed25519 signature verified (legacy message: input_hash:output_hash:executed_at).'
    : 'Accepted; Ed25519 signature over the whole record verified.'
}
