import { resolveConnection } from '../config/resolve-config'
import { runAttested } from '../context/attested-context'
import { MimaError } from '../errors/mima-error'
import { withAttestationSpans } from '../telemetry/attestation-spans'
import { createTransport } from '../transport/transport'
import { createAttest } from './attest-function'
import { createAttestationRecords, emptyResult } from './attestation-record'
import { createClientDelivery } from './client-delivery'
import { createClientReporter } from './client-reporter'
import {
  approvalParts,
  authorisedByWire,
  consoleLogger,
  createSigner,
  systemClock,
  validateHash,
} from './client-support'
import { createBatch } from './create-batch'
import { createTrace } from './create-trace'
import { recordEntry } from './record-entry'
import { redeemApproval } from './redeem-approval'
import { createWorkspaceResolver } from './resolve-workspace'
import type { AttestationBatch, Mima, MimaOptions, OnError, Trace, TraceOptions } from './types'

// The client is assembled from parts, each in its own module: the record builder
// (attestation-record), failure reporting (client-reporter), delivery through the outbox
// (client-delivery, deliver-attestations), `attest` (attest-function, redeem-approval), `trace`,
// `batch` and `record`.

/**
 * Creates the Mima client. Missing required options fail here with a clear message.
 *
 * @example
 * ```ts
 * const mima = createMima({ apiKey: process.env.MIMA_API_KEY, systemName: 'loan-scorer' })
 * const classify = mima.attest({ toolName: 'classify', modelId: 'gpt-4o' }, async (text: string) => llm(text))
 * await classify('hello') // runs the function, sends a signed attestation
 * await mima.close()
 * ```
 */
export function createMima(options: MimaOptions = {}): Mima {
  const env =
    options.env ??
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ??
    {}
  const systemName = options.systemName ?? env.MIMA_SYSTEM_NAME
  if (typeof systemName !== 'string' || systemName.trim() === '') {
    throw new MimaError(
      'config_missing',
      'Mima needs a systemName: pass createMima({ systemName: "my-ai-system" }) or set MIMA_SYSTEM_NAME.',
    )
  }
  const connection = resolveConnection(options, { env, configFile: options.configFile })
  const onError: OnError = options.onError ?? 'warn'
  if (onError !== 'warn' && onError !== 'raise' && onError !== 'silent') {
    throw new MimaError(
      'config_invalid',
      `onError must be "warn", "raise" or "silent"; got "${String(onError)}".`,
    )
  }
  const batchMaxSize = options.batchMaxSize ?? 100
  const batchFlushInterval = options.batchFlushInterval ?? 30_000
  if (!Number.isInteger(batchMaxSize) || batchMaxSize < 1) {
    throw new MimaError('config_invalid', 'batchMaxSize must be a positive integer.')
  }
  if (!(batchFlushInterval > 0))
    throw new MimaError('config_invalid', 'batchFlushInterval must be a positive number of milliseconds.')
  const agentName = options.agentName ?? systemName
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? consoleLogger
  const signingKey = options.signingKey ?? (env.MIMA_SIGNING_KEY?.trim() || undefined)
  const sign = signingKey === undefined ? undefined : createSigner(signingKey)
  const defaultAuthorisedBy = authorisedByWire(options.authorisedBy)
  const transport = createTransport({
    baseUrl: connection.baseUrl,
    apiKey: connection.apiKey,
    fetch: options.fetch,
    timeout: options.timeout,
    retry: options.retry,
  })

  const reporter = createClientReporter({ onError, logger })
  const workspaceId = createWorkspaceResolver(transport, connection.workspaceId)
  const delivery = createClientDelivery({
    systemName,
    clock,
    onError,
    logger,
    reporter,
    transport,
    workspaceId,
    hmacKey: options.hmacKey,
    batchMaxSize,
    batchFlushInterval,
    outbox: options.outbox,
    flushOnExit: options.flushOnExit !== false,
  })
  const newRecord = withAttestationSpans(
    createAttestationRecords({ agentName, systemName, defaultAuthorisedBy, sign }),
    options.tracer,
  )
  const client = {
    systemName,
    clock,
    reporter,
    newRecord,
    workspaceId,
    attestations: delivery.attestations,
    enqueue: delivery.enqueue,
    submit: delivery.submit,
    scheduleRetry: delivery.scheduleRetry,
    redeemApproval: (token: string, toolName: string, contextHash: string | undefined) =>
      redeemApproval({ transport, workspaceId, clock }, token, toolName, contextHash),
  }

  const mima: Mima = {
    systemName,
    agentName,
    attest: createAttest(client),
    async push(toolName, inputHash, outputHash, pushOptions = {}) {
      if (typeof toolName !== 'string' || toolName.trim() === '')
        throw new MimaError('validation_failed', 'push needs a non-empty toolName.')
      validateHash(inputHash, 'inputHash')
      validateHash(outputHash, 'outputHash')
      const approval = approvalParts(pushOptions.approvalToken)
      const record = newRecord(toolName, pushOptions.executedAt?.getTime() ?? clock.now(), {
        inputHash,
        outputHash,
        modelId: pushOptions.modelId,
        authorisedBy: authorisedByWire(pushOptions.authorisedBy),
        approvalToken: approval?.token || undefined,
        durationMs: pushOptions.durationMs,
        errorType: pushOptions.errorType,
        usage: pushOptions.usage,
      })
      return (
        delivery.submit(record, pushOptions.mode ?? 'sync', approval) ??
        emptyResult(record, 'queued', 'buffered')
      )
    },
    record: (entry) => recordEntry(client, entry),
    trace: ((
      toolName: string,
      fnOrOptions?: ((trace: Trace) => unknown) | TraceOptions,
      maybeOptions?: TraceOptions,
    ): unknown => {
      if (typeof fnOrOptions !== 'function') return createTrace(client, toolName, fnOrOptions ?? {})
      const trace = createTrace(client, toolName, maybeOptions ?? {})
      return (async () => {
        try {
          return await runAttested({ toolName, systemName }, () => fnOrOptions(trace))
        } catch (error) {
          trace.fail(error)
          throw error
        } finally {
          await trace.end().catch((failure: unknown) => reporter.deferIfRaise(failure))
        }
      })()
    }) as Mima['trace'],
    batch: ((fn?: (batch: AttestationBatch) => unknown): unknown => {
      const batch = createBatch(client)
      if (fn === undefined) return batch
      return (async () => {
        const result = await fn(batch)
        await batch.send()
        return result
      })()
    }) as Mima['batch'],
    pushEvidence: (record) => delivery.pushEvidence(record, 'call'),
    workspaceId,
    get pending() {
      return delivery.pending
    },
    flush: delivery.flush,
    close: delivery.close,
    [Symbol.asyncDispose]: delivery.close,
  }
  // Companion packages (@mima/approvals) reuse this client's server, key and fetch without extra
  // wiring; a registered symbol, non-enumerable, so the key never shows in logs or JSON.
  Object.defineProperty(mima, Symbol.for('mima.connection'), {
    value: {
      baseUrl: connection.baseUrl,
      apiKey: connection.apiKey,
      fetch: options.fetch,
      workspaceId,
      authorisedBy: defaultAuthorisedBy?.identity,
    },
  })
  return mima
}
