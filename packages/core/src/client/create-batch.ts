import type { AttestationPayload } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'
import { hashValue } from '../hashing/sha256'
import type { OutboxEntry } from '../outbox/outbox'
import type { NewAttestationRecord } from './attestation-record'
import type { ClientReporter } from './client-reporter'
import { asMimaError, authorisedByWire, validateHash } from './client-support'
import type { AttestationDelivery } from './deliver-attestations'
import type { AttestationBatch, Clock, SendSummary } from './types'

/** What a batch needs from its client. */
export interface BatchClient {
  readonly clock: Clock
  readonly reporter: ClientReporter
  readonly newRecord: NewAttestationRecord
  readonly attestations: AttestationDelivery
  readonly workspaceId: () => Promise<string>
  enqueue(record: OutboxEntry): void
  scheduleRetry(): void
}

/** `mima.batch()`: attestations collected, then sent together (kept in the outbox when the server is down). */
export function createBatch(client: BatchClient): AttestationBatch {
  const { report } = client.reporter
  const records: AttestationPayload[] = []
  let sending: Promise<SendSummary> | undefined
  const batch: AttestationBatch = {
    add(toolName, entry = {}) {
      if (sending)
        throw new MimaError(
          'validation_failed',
          'This batch was already sent; start a new one with mima.batch().',
        )
      if (typeof toolName !== 'string' || toolName.trim() === '')
        throw new MimaError('validation_failed', 'batch.add needs a non-empty toolName.')
      if (entry.inputHash !== undefined) validateHash(entry.inputHash, 'inputHash')
      if (entry.outputHash !== undefined) validateHash(entry.outputHash, 'outputHash')
      records.push(
        client.newRecord(toolName, client.clock.now(), {
          inputHash: entry.inputHash ?? hashValue(entry.input),
          outputHash: entry.outputHash ?? hashValue(entry.output),
          modelId: entry.modelId,
          authorisedBy: authorisedByWire(entry.authorisedBy),
        }),
      )
    },
    get size() {
      return records.length
    },
    send() {
      sending ??= (async (): Promise<SendSummary> => {
        if (records.length === 0) return { sent: 0, rejected: 0, pending: 0 }
        try {
          const ws = await client.workspaceId()
          let sent = 0
          const rejected: string[] = []
          for (let index = 0; index < records.length; index += 1000) {
            const result = await client.attestations.deliver(ws, records.slice(index, index + 1000))
            sent += result.sent
            rejected.push(...result.rejected)
          }
          client.attestations.reportRejections(rejected, 'call')
          return { sent, rejected: rejected.length, pending: 0 }
        } catch (error) {
          for (const record of records) client.enqueue(record)
          client.scheduleRetry()
          const failure = asMimaError(error, 'Batch push')
          report(
            new MimaError(
              failure.code,
              `${failure.message} (${records.length} record(s) kept in the outbox)`,
              {
                cause: failure,
              },
            ),
            'call',
          )
          return { sent: 0, rejected: 0, pending: records.length }
        }
      })()
      return sending
    },
    [Symbol.asyncDispose]: async () => {
      await batch.send()
    },
  }
  return batch
}
