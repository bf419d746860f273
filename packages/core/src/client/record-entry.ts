import { MimaError } from '../errors/mima-error'
import { toHashable } from '../hashing/hashable-value'
import { hashValue } from '../hashing/sha256'
import { uuidv7 } from '../ids/uuidv7'
import type { OutboxEntry } from '../outbox/outbox'
import type { NewAttestationRecord } from './attestation-record'
import type { ClientReporter } from './client-reporter'
import { asMimaError, authorisedByWire, validateHash } from './client-support'
import type { Clock, RecordEntry } from './types'

/** What `mima.record` needs from its client. */
export interface RecordEntryClient {
  readonly clock: Clock
  readonly reporter: ClientReporter
  readonly newRecord: NewAttestationRecord
  enqueue(record: OutboxEntry): void
}

/** A value's hash, or "" (reported) when even its hashable copy cannot be hashed. */
function lenientHash(client: RecordEntryClient, value: unknown, toolName: string, what: string): string {
  try {
    return hashValue(toHashable(value))
  } catch (error) {
    client.reporter.report(asMimaError(error, `record(${toolName}) ${what} hash`), 'background')
    return ''
  }
}

/**
 * `mima.record(entry)`: queues a framework's record of a finished call (built and hashed at send
 * time, off the call path) and returns its idempotency key.
 */
export function recordEntry(client: RecordEntryClient, entry: RecordEntry): string {
  const toolName = entry?.toolName
  if (typeof toolName !== 'string' || toolName.trim() === '')
    throw new MimaError('validation_failed', 'record needs a non-empty toolName.')
  if (entry.inputHash !== undefined) validateHash(entry.inputHash, 'inputHash')
  if (entry.outputHash !== undefined) validateHash(entry.outputHash, 'outputHash')
  const startedAt = entry.startedAt ?? client.clock.now()
  const idempotencyKey = entry.idempotencyKey ?? uuidv7(startedAt)
  const authorisedBy = authorisedByWire(entry.authorisedBy)
  client.enqueue(() =>
    client.newRecord(toolName, startedAt, {
      inputHash:
        entry.inputHash ?? ('input' in entry ? lenientHash(client, entry.input, toolName, 'input') : ''),
      outputHash:
        entry.outputHash ?? ('output' in entry ? lenientHash(client, entry.output, toolName, 'output') : ''),
      modelId: entry.modelId,
      authorisedBy,
      durationMs: entry.durationMs,
      errorType: entry.errorType,
      idempotencyKey,
      parentIdempotencyKey: entry.parentIdempotencyKey,
      metadata:
        entry.metadata === undefined ? undefined : (toHashable(entry.metadata) as Record<string, unknown>),
    }),
  )
  return idempotencyKey
}
