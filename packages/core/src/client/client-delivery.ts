import type { AttestationPayload, AttestationResult } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'
import type { GrcResult, GrcWireRecord } from '../grc/grc-record'
import { createOutbox, isEvidence, type OutboxEntry } from '../outbox/outbox'
import type { Transport } from '../transport/transport'
import { emptyResult } from './attestation-record'
import type { ClientReporter } from './client-reporter'
import { asMimaError, isConflict, isRejection, monotonic, type ReportWhere, unref } from './client-support'
import {
  type AttestationDelivery,
  createAttestationDelivery,
  type DeliveryTransport,
} from './deliver-attestations'
import { grcResult, keyedEvidence, prepareEvidence } from './evidence-record'
import { registerForExit, unregisterForExit } from './exit-hooks'
import type { ApprovalTokenInput, Clock, Logger, MimaOptions, OnError, SendSummary } from './types'

/** What the delivery of one client needs from its options. */
export interface ClientDeliveryOptions {
  readonly systemName: string
  readonly clock: Clock
  readonly onError: OnError
  readonly logger: Logger
  readonly reporter: ClientReporter
  readonly transport: Transport
  readonly workspaceId: () => Promise<string>
  readonly hmacKey: string | Uint8Array | undefined
  readonly batchMaxSize: number
  readonly batchFlushInterval: number
  readonly outbox: MimaOptions['outbox']
  readonly flushOnExit: boolean
}

/**
 * How a client's records reach the server: sent at once (`submit`), or through the outbox,
 * drained in batches on a timer, retried with backoff while the server is down, and flushed at
 * exit.
 */
export interface ClientDelivery {
  readonly attestations: AttestationDelivery
  /** Records queued in the outbox. */
  readonly pending: number
  /** Queues a record (or a function building it at send time) in the outbox. */
  enqueue(record: OutboxEntry): void
  /** Sends now (`sync`, or with an approval), or queues (`batch`: then `undefined`). */
  submit(
    record: AttestationPayload,
    mode: 'sync' | 'batch',
    approval: ApprovalTokenInput | undefined,
  ): Promise<AttestationResult> | undefined
  /** Validates and keys a GRC record for sending. */
  keyedEvidence(record: GrcWireRecord): GrcWireRecord
  pushEvidence(record: GrcWireRecord, where: ReportWhere): Promise<GrcResult>
  /** Drains the outbox again after the current backoff (unless already planned or closed). */
  scheduleRetry(): void
  flush(): Promise<SendSummary>
  close(): Promise<void>
}

/** The delivery of one client (it owns the outbox and the exit hooks). */
export function createClientDelivery(options: ClientDeliveryOptions): ClientDelivery {
  const { systemName, clock, onError, logger, transport, workspaceId, hmacKey, batchMaxSize } = options
  const { report } = options.reporter
  let outageReported = false

  function reportOutage(error: MimaError): void {
    if (outageReported) return
    outageReported = true
    report(
      new MimaError(
        error.code,
        `${error.message}. Records are kept in the outbox${outbox.spillFile ? ` (spills to ${outbox.spillFile})` : ''} and sent when the server is reachable.`,
        { cause: error, ...(error.status === undefined ? {} : { status: error.status }) },
      ),
      'background',
    )
  }

  const outbox = createOutbox({
    name: systemName,
    ...(options.outbox?.directory === undefined ? {} : { directory: options.outbox.directory }),
    ...(options.outbox?.maxMemoryRecords === undefined
      ? {}
      : { maxMemoryRecords: options.outbox.maxMemoryRecords }),
    onLoss: (count, reason) =>
      report(new MimaError('internal_error', `${count} record(s) lost: ${reason}.`), 'background'),
    onSpillError: (error) =>
      report(
        new MimaError(
          'internal_error',
          `Cannot use the outbox spill file (${error instanceof Error ? error.message : String(error)}); records stay in memory.`,
          { cause: error },
        ),
        'background',
      ),
  })

  const attestations = createAttestationDelivery(transport, report)
  const keyed = (record: GrcWireRecord): GrcWireRecord => keyedEvidence(record, { systemName, clock })

  // ---- drain loop ------------------------------------------------------------------------
  let draining: Promise<SendSummary> | undefined
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let retryDelay = 1_000
  // While the server is known to be down, sync sends go straight to the outbox instead of making
  // the caller wait through retries (a simple circuit breaker; the retry timer probes the server).
  let outageUntil = 0
  let closed = false

  async function drainOnce(http: DeliveryTransport): Promise<SendSummary> {
    let sent = 0
    let rejected = 0
    for (;;) {
      const batch = outbox.next(batchMaxSize)
      if (!batch) break
      try {
        const ws = await workspaceId()
        const records = batch.records.filter((record) => !isEvidence(record)) as AttestationPayload[]
        const result = await attestations.deliver(ws, records, http)
        sent += result.sent
        rejected += result.rejected.length
        attestations.reportRejections(result.rejected, 'background')
        for (const record of batch.records) {
          if (!isEvidence(record)) continue
          try {
            await http.postEvidence(ws, prepareEvidence(record, ws, hmacKey))
            sent++
          } catch (error) {
            const failure = asMimaError(error, 'GRC push')
            if (isConflict(failure)) sent++
            else if (isRejection(failure)) {
              rejected++
              report(failure, 'background')
            } else throw failure
          }
        }
        batch.ack()
      } catch (error) {
        batch.release()
        throw asMimaError(error, 'Outbox delivery')
      }
    }
    if (outageReported && sent > 0) {
      outageReported = false
      if (onError === 'warn')
        logger.warn(`[mima] The server is reachable again; queued records are being delivered.`)
    }
    outageReported = false
    outageUntil = 0
    retryDelay = 1_000
    return { sent, rejected, pending: outbox.size }
  }

  function drain(http: DeliveryTransport = transport): Promise<SendSummary> {
    draining ??= drainOnce(http).finally(() => {
      draining = undefined
    })
    return draining
  }

  function scheduleRetry(): void {
    if (retryTimer || closed) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      backgroundDrain()
    }, retryDelay)
    unref(retryTimer)
    retryDelay = Math.min(retryDelay * 2, 60_000)
  }

  function backgroundDrain(): void {
    if (draining) return
    drain().then(
      (summary) => {
        if (summary.pending >= batchMaxSize) queueMicrotask(backgroundDrain)
        else if (summary.pending > 0) scheduleFlush()
      },
      (error: unknown) => {
        reportOutage(asMimaError(error, 'Outbox delivery'))
        outageUntil = monotonic() + retryDelay
        scheduleRetry()
      },
    )
  }

  function scheduleFlush(): void {
    if (flushTimer || closed) return
    flushTimer = setTimeout(() => {
      flushTimer = undefined
      backgroundDrain()
    }, options.batchFlushInterval)
    unref(flushTimer)
  }

  /** The server did not take a record: sends go to the outbox for a while, and a retry is planned. */
  function keepForRetry(): void {
    outageUntil = monotonic() + retryDelay
    if (!retryTimer) scheduleRetry()
  }

  function enqueue(record: OutboxEntry): void {
    outbox.add(record)
    exitState.flushedAtExit = false
    if (closed) {
      outbox.persist()
      return
    }
    if (!draining && !retryTimer && outbox.size >= batchMaxSize) backgroundDrain()
    else scheduleFlush()
  }

  // ---- one attestation -------------------------------------------------------------------
  /** Queues an attestation and, after it, the oversight evidence its approval carries. */
  function enqueueWithEvidence(record: AttestationPayload, approval: ApprovalTokenInput | undefined): void {
    enqueue(record)
    if (!approval?.oversightEvidence) return
    try {
      enqueue(keyed(approval.oversightEvidence))
    } catch (error) {
      report(asMimaError(error, 'Oversight evidence'), 'background')
    }
  }

  async function sendNow(
    record: AttestationPayload,
    where: ReportWhere,
    approval: ApprovalTokenInput | undefined,
  ): Promise<AttestationResult> {
    if (outageUntil > monotonic()) {
      enqueueWithEvidence(record, approval)
      return emptyResult(record, 'queued', 'the server is unreachable; kept in the outbox')
    }
    let result: AttestationResult
    try {
      const ws = await workspaceId()
      const response = await transport.postAttestation(ws, record)
      result = {
        attestationId: typeof response.attestation_id === 'string' ? response.attestation_id : '',
        externalVerified: response.external_verified === true,
        trustTier: typeof response.trust_tier === 'string' ? response.trust_tier : 'declared',
        detail: typeof response.detail === 'string' ? response.detail : 'ok',
        idempotencyKey: record.idempotency_key ?? '',
        status: 'sent',
      }
    } catch (error) {
      const failure = asMimaError(error, 'Attestation push')
      if (isConflict(failure)) {
        result = emptyResult(record, 'sent', 'already recorded under this idempotency key')
      } else if (isRejection(failure)) {
        report(failure, where)
        return emptyResult(record, 'rejected', failure.message)
      } else {
        enqueueWithEvidence(record, approval)
        keepForRetry()
        report(
          new MimaError(failure.code, `${failure.message} (kept in the outbox; it will be retried)`, {
            cause: failure,
          }),
          where,
        )
        return emptyResult(record, 'queued', failure.message)
      }
    }
    if (approval?.oversightEvidence) await pushEvidence(approval.oversightEvidence, where)
    return result
  }

  // Sends started without an awaiting caller (sync functions in sync mode); flush() waits for them.
  const inFlight = new Set<Promise<unknown>>()

  function submit(
    record: AttestationPayload,
    mode: 'sync' | 'batch',
    approval: ApprovalTokenInput | undefined,
  ): Promise<AttestationResult> | undefined {
    if (mode === 'batch' && approval === undefined) {
      enqueue(record)
      return undefined
    }
    const sending = sendNow(record, 'call', approval)
    const tracked: Promise<unknown> = sending.then(
      (): boolean => inFlight.delete(tracked),
      (): boolean => inFlight.delete(tracked),
    )
    inFlight.add(tracked)
    return sending
  }

  // ---- evidence --------------------------------------------------------------------------
  async function pushEvidence(record: GrcWireRecord, where: ReportWhere): Promise<GrcResult> {
    const keyedRecord = keyed(record)
    const empty = (detail: string): GrcResult => ({
      recordId: '',
      recordType: record.record_type,
      mappedControls: [],
      detail,
    })
    try {
      const ws = await workspaceId()
      return grcResult(
        keyedRecord,
        await transport.postEvidence(ws, prepareEvidence(keyedRecord, ws, hmacKey)),
      )
    } catch (error) {
      const failure = asMimaError(error, 'GRC push')
      if (isConflict(failure)) return empty('already recorded under this idempotency key')
      if (isRejection(failure)) {
        report(failure, where)
        return empty(failure.message)
      }
      enqueue(keyedRecord)
      keepForRetry()
      report(
        new MimaError(failure.code, `${failure.message} (kept in the outbox; it will be retried)`, {
          cause: failure,
        }),
        where,
      )
      return empty(`queued: ${failure.message}`)
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------
  async function flush(): Promise<SendSummary> {
    if (flushTimer) {
      clearTimeout(flushTimer)
      flushTimer = undefined
    }
    if (retryTimer) {
      clearTimeout(retryTimer)
      retryTimer = undefined
    }
    let summary: SendSummary
    while (inFlight.size > 0) await Promise.all(inFlight)
    try {
      // A drain already under way may have started before the latest records; run once more.
      if (draining) await draining.catch(() => undefined)
      summary = await drain()
    } catch (error) {
      const failure = asMimaError(error, 'Flush')
      scheduleRetry()
      report(
        new MimaError(failure.code, `${failure.message} (${outbox.size} record(s) kept in the outbox)`, {
          cause: failure,
        }),
        'call',
      )
      summary = { sent: 0, rejected: 0, pending: outbox.size }
    }
    const first = options.reporter.takeDeferred()
    if (first && onError === 'raise') throw first
    return summary
  }

  const exitState = {
    flushedAtExit: false,
    beforeExit: async (): Promise<void> => {
      if (exitState.flushedAtExit || closed || outbox.size === 0) return
      exitState.flushedAtExit = true
      // One quick attempt (no retries, 5 s timeout): exit must not hang on a dead server.
      await drain(transport.quick).catch(() => undefined)
    },
    exit: (): void => {
      outbox.close() // saves what is unsent and frees the spill slot for the next process
    },
  }
  if (options.flushOnExit) registerForExit(exitState)

  async function close(): Promise<void> {
    if (closed) return
    try {
      await flush()
    } finally {
      closed = true
      if (flushTimer) clearTimeout(flushTimer)
      if (retryTimer) clearTimeout(retryTimer)
      flushTimer = undefined
      retryTimer = undefined
      outbox.close()
      unregisterForExit(exitState)
    }
  }

  return {
    attestations,
    get pending() {
      return outbox.size
    },
    enqueue,
    submit,
    keyedEvidence: keyed,
    pushEvidence,
    scheduleRetry,
    flush,
    close,
  }
}
