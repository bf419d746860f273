import { type GrcWireRecord, hashValue, MimaError, uuidv7, verifyGrcSignature } from '@mima/core'
import {
  collectGrcRecordIssues,
  describeGrcIssue,
  isRecordType,
  mapRecordToControls,
  RECORD_TYPES,
} from '@mima/grc'
import {
  InvalidField,
  isObject,
  optionalIdempotencyKey,
  optionalString,
  optionalTimestamp,
  requiredString,
} from '../http/validation'
import type { NewEvidence } from '../ingest/ingest-queue'

/** A GRC record field that failed `@mima/grc`'s checks, with its allowed values when enumerated. */
export class InvalidGrcField extends InvalidField {
  readonly allowed: readonly string[] | undefined
  constructor(field: string, message: string, allowed: readonly string[] | undefined) {
    super(field, message)
    this.allowed = allowed
  }
}

/**
 * Validates one GRC wire record (reference §1.5): a known `record_type`, an object `payload`, a
 * `system_name`, optional strings, then the type's payload fields with `@mima/grc`'s
 * `collectGrcRecordIssues` (the first issue is the error). A dry run only checks the types of
 * the payload fields present (the live tests dry-run a one-field `ai_risk_assessment`).
 * `hmacKey` is the workspace's registered HMAC key: when set, a present `client_sig` must verify.
 */
export function parseEvidence(
  value: unknown,
  options: {
    workspaceId: string
    hmacKey: Uint8Array | undefined
    fallbackIdempotencyKey?: string | undefined
    /** `?dry_run=true`: the type's required payload fields may be missing. */
    dryRun?: boolean | undefined
    /** The request body as received: `client_sig` is checked against its numbers as written. */
    sourceText?: string | undefined
  },
): NewEvidence {
  if (!isObject(value)) throw new InvalidField('record', 'A GRC evidence record must be a JSON object.')
  const recordType = value.record_type
  if (!isRecordType(recordType)) {
    throw new InvalidField(
      'record_type',
      `record_type must be one of ${RECORD_TYPES.join(', ')}; got ${JSON.stringify(recordType)?.slice(0, 80)}.`,
    )
  }
  if (!isObject(value.payload)) throw new InvalidField('payload', 'payload must be a JSON object.')
  const systemName = requiredString(value, 'system_name', 500)
  const identity = optionalString(value, 'identity', 500)
  const resource = optionalString(value, 'resource', 1000)
  const environment = optionalString(value, 'environment', 200)
  const occurredAt = optionalTimestamp(value, 'occurred_at')
  const clientSig = optionalString(value, 'client_sig', 200)
  const algorithm = optionalString(value, 'client_sig_algo', 64)
  if (algorithm !== undefined && algorithm !== 'hmac-sha256') {
    throw new InvalidField('client_sig_algo', 'client_sig_algo must be "hmac-sha256".')
  }
  const idempotencyKey = optionalIdempotencyKey(value.idempotency_key) ?? options.fallbackIdempotencyKey
  const [issue] = collectGrcRecordIssues(value, { dryRun: options.dryRun ?? false })
  if (issue !== undefined) {
    throw new InvalidGrcField(issue.field, `${recordType}: ${describeGrcIssue(issue)}.`, issue.allowed)
  }

  let clientSigStatus = clientSig === undefined ? 'unsigned' : 'unchecked'
  if (clientSig !== undefined && options.hmacKey !== undefined) {
    const ok = verifyGrcSignature(value as unknown as GrcWireRecord, {
      key: options.hmacKey,
      workspaceId: options.workspaceId,
      ...(options.sourceText === undefined ? {} : { sourceText: options.sourceText }),
    })
    if (!ok) {
      throw new InvalidField(
        'client_sig',
        'client_sig is not the HMAC-SHA256 of this record under the workspace key; it was not stored.',
        'signature_invalid',
      )
    }
    clientSigStatus = 'verified'
  }
  let recordHash: string
  try {
    recordHash = hashValue(value)
  } catch (error) {
    if (MimaError.isInstance(error)) throw new InvalidField('record', error.message)
    // Pathologically deep nesting overflows the canonicaliser's recursion: refuse it as input.
    if (error instanceof RangeError) throw new InvalidField('record', 'The record is nested too deeply.')
    throw error
  }
  return {
    id: uuidv7(),
    idempotencyKey,
    recordHash,
    recordType,
    systemName,
    identity,
    resource,
    environment,
    occurredAt,
    payload: value.payload,
    clientSigStatus,
    mappedControls: mapRecordToControls({ record_type: recordType, payload: value.payload }),
    record: value,
  }
}
