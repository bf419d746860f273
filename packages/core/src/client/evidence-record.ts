import { MimaError } from '../errors/mima-error'
import type { GrcResult, GrcWireRecord } from '../grc/grc-record'
import { signGrcRecord } from '../grc/sign-grc-record'
import { uuidv7 } from '../ids/uuidv7'
import type { EvidenceResponse } from '../transport/transport'
import type { Clock } from './types'

function validateEvidence(record: GrcWireRecord): void {
  if (typeof record !== 'object' || record === null)
    throw new MimaError('validation_failed', 'A GRC record must be an object.')
  if (typeof record.record_type !== 'string' || record.record_type === '') {
    throw new MimaError('validation_failed', 'A GRC record needs a record_type.')
  }
  if (typeof record.payload !== 'object' || record.payload === null || Array.isArray(record.payload)) {
    throw new MimaError('validation_failed', 'A GRC record needs a payload object.')
  }
  if (typeof record.system_name !== 'string' || record.system_name === '') {
    throw new MimaError('validation_failed', 'A GRC record needs a system_name.')
  }
}

/** Validates a GRC record, drops any old signature (it is signed at send time) and gives it an idempotency key. */
export function keyedEvidence(
  input: GrcWireRecord,
  client: { systemName: string; clock: Clock },
): GrcWireRecord {
  // Records built without a system (oversight evidence from @mima/approvals) report as this client's.
  const record = input?.system_name === '' ? { ...input, system_name: client.systemName } : input
  validateEvidence(record)
  const { client_sig: _sig, client_sig_algo: _algo, ...unsigned } = record
  return unsigned.idempotency_key ? unsigned : { ...unsigned, idempotency_key: uuidv7(client.clock.now()) }
}

/** The record as sent to workspace `workspaceId`: HMAC-signed when the client has a key. */
export function prepareEvidence(
  record: GrcWireRecord,
  workspaceId: string,
  hmacKey: string | Uint8Array | undefined,
): GrcWireRecord {
  return hmacKey === undefined ? record : signGrcRecord(record, { key: hmacKey, workspaceId })
}

/** The caller's view of the server's answer to one GRC record. */
export function grcResult(record: GrcWireRecord, response: EvidenceResponse): GrcResult {
  return {
    recordId: typeof response.record_id === 'string' ? response.record_id : '',
    recordType: typeof response.record_type === 'string' ? response.record_type : record.record_type,
    mappedControls: Array.isArray(response.mapped_controls) ? response.mapped_controls : [],
    detail: 'ok',
  }
}
