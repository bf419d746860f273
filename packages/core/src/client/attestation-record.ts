import type {
  AttestationPayload,
  AttestationResult,
  AuthorisedByWire,
} from '../attestation/attestation-payload'
import { uuidv7 } from '../ids/uuidv7'
import { type AttestationUsage, usageWireFields } from '../usage/attestation-usage'
import type { Signer } from './client-support'

/** What one attestation records besides its tool and start time. */
export interface AttestationRecordFields {
  inputHash: string
  outputHash: string
  modelId?: string | undefined
  authorisedBy?: AuthorisedByWire | undefined
  approvalToken?: string | undefined
  durationMs?: number | undefined
  errorType?: string | undefined
  idempotencyKey?: string | undefined
  usage?: AttestationUsage | undefined
  parentIdempotencyKey?: string | undefined
  metadata?: Record<string, unknown> | undefined
}

/** Builds the wire record of one attestation, signed when the client has a signing key. */
export type NewAttestationRecord = (
  toolName: string,
  startedAt: number,
  fields: AttestationRecordFields,
) => AttestationPayload

/** What every record of one client shares. */
export interface AttestationRecordDefaults {
  readonly agentName: string
  readonly systemName: string
  readonly defaultAuthorisedBy: AuthorisedByWire | undefined
  readonly sign: Signer | undefined
}

/** The record builder of one client. */
export function createAttestationRecords(defaults: AttestationRecordDefaults): NewAttestationRecord {
  const { agentName, systemName, defaultAuthorisedBy, sign } = defaults
  return function newRecord(toolName, startedAt, fields) {
    const usage = fields.usage === undefined ? undefined : usageWireFields(fields.usage)
    // Keys in sorted order: canonical JSON (signing) then needs no sort.
    const record = { agent_name: agentName } as AttestationPayload
    if (fields.approvalToken !== undefined) record.approval_token = fields.approvalToken
    const authorisedBy = fields.authorisedBy ?? defaultAuthorisedBy
    if (authorisedBy !== undefined) record.authorised_by = authorisedBy
    if (usage?.cached_tokens !== undefined) record.cached_tokens = usage.cached_tokens
    if (usage?.cost_usd !== undefined) record.cost_usd = usage.cost_usd
    if (fields.durationMs !== undefined) record.duration_ms = fields.durationMs
    if (fields.errorType !== undefined) record.error_type = fields.errorType
    record.executed_at = new Date(startedAt).toISOString()
    record.idempotency_key = fields.idempotencyKey ?? uuidv7(startedAt)
    record.input_hash = fields.inputHash
    if (usage?.input_tokens !== undefined) record.input_tokens = usage.input_tokens
    const metadata =
      usage?.metadata === undefined
        ? fields.metadata
        : fields.metadata === undefined
          ? usage.metadata
          : { ...usage.metadata, ...fields.metadata }
    if (metadata !== undefined) record.metadata = metadata
    if (fields.modelId) record.model_id = fields.modelId
    if (usage?.operation !== undefined) record.operation = usage.operation
    if (fields.errorType !== undefined) record.outcome = 'error'
    record.output_hash = fields.outputHash
    if (usage?.output_tokens !== undefined) record.output_tokens = usage.output_tokens
    if (usage?.parent_attestation_id !== undefined) record.parent_attestation_id = usage.parent_attestation_id
    if (fields.parentIdempotencyKey !== undefined) record.parent_idempotency_key = fields.parentIdempotencyKey
    if (usage?.provider !== undefined) record.provider = usage.provider
    record.schema_version = 2
    if (usage?.session_id !== undefined) record.session_id = usage.session_id
    record.system_name = systemName
    record.tool_name = toolName
    return sign ? sign(record) : record
  }
}

/** The result of an attestation that was not (yet) stored by the server. */
export function emptyResult(
  record: AttestationPayload,
  status: AttestationResult['status'],
  detail: string,
): AttestationResult {
  return {
    attestationId: '',
    externalVerified: false,
    trustTier: 'declared',
    detail,
    idempotencyKey: record.idempotency_key ?? '',
    status,
  }
}
