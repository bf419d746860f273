import type {
  AttestationPayload,
  AttestationResult,
  AuthorisedBy,
  AuthorisedByWire,
} from '../attestation/attestation-payload'
import { SIG_ALG_V2 } from '../attestation/attestation-payload'
import { resolveConnection } from '../config/resolve-config'
import { type AttestedContext, runAttested } from '../context/attested-context'
import { MimaError } from '../errors/mima-error'
import type { GrcResult, GrcWireRecord } from '../grc/grc-record'
import { signGrcRecord } from '../grc/sign-grc-record'
import {
  type CanonicalSnapshot,
  canonicalJson,
  captureCanonical,
  snapshotText,
} from '../hashing/canonical-json'
import { toHashable } from '../hashing/hashable-value'
import { hashValue, sha256Hex } from '../hashing/sha256'
import { uuidv7 } from '../ids/uuidv7'
import { createOutbox, isEvidence, type OutboxEntry } from '../outbox/outbox'
import { ed25519Sign, seedBytes, verifyingKeyHex } from '../signing/ed25519'
import { toHex } from '../signing/hex'
import {
  createTransport,
  type EvidenceResponse,
  type RedemptionResponse,
  type Transport,
} from '../transport/transport'
import { type AttestationUsage, usageWireFields } from '../usage/attestation-usage'
import { registerForExit, unregisterForExit } from './exit-hooks'
import type {
  ApprovalTokenInput,
  AttestationBatch,
  AttestDecorator,
  AttestFunction,
  AttestOptions,
  Clock,
  Logger,
  Mima,
  MimaOptions,
  OnError,
  RecordEntry,
  SendSummary,
  Trace,
  TraceOptions,
} from './types'

const HASH = /^(?:[0-9a-f]{64})?$/
const REJECTION_CODES = new Set(['bad_request', 'validation_failed', 'payload_too_large'])
const REJECTION_STATUSES = new Set([400, 413, 422])

/**
 * The server refused the record for good (bad input): report it, never retry it. Judged by the
 * code and by the status, since the server may name a precise code (e.g. `approval_token_invalid`
 * or `signature_invalid` with a 422).
 */
function isRejection(failure: MimaError): boolean {
  return (
    REJECTION_CODES.has(failure.code) ||
    (failure.status !== undefined && REJECTION_STATUSES.has(failure.status))
  )
}

/** The server already holds a record with this idempotency key. */
function isConflict(failure: MimaError): boolean {
  return failure.code === 'conflict' || failure.status === 409
}
const encoder = new TextEncoder()
const systemClock: Clock = { now: () => Date.now() }
const consoleLogger: Logger = { warn: (message) => console.warn(message) }
const monotonic: () => number =
  typeof globalThis.performance?.now === 'function' ? () => globalThis.performance.now() : () => Date.now()

function authorisedByWire(value: AuthorisedBy | undefined): AuthorisedByWire | undefined {
  if (!value) return undefined
  if (typeof value.identity !== 'string' || value.identity === '') {
    throw new MimaError('validation_failed', 'authorisedBy.identity must be a non-empty string.')
  }
  const wire: AuthorisedByWire = { identity: value.identity }
  if (value.role) wire.role = value.role
  if (value.sessionId) wire.session_id = value.sessionId
  return wire
}

function approvalParts(token: string | ApprovalTokenInput | undefined): ApprovalTokenInput | undefined {
  if (token === undefined) return undefined
  if (typeof token === 'string') {
    if (token === '') throw new MimaError('validation_failed', 'approvalToken must not be empty.')
    return { token }
  }
  // An empty token with evidence is a timeout that proceeded (@mima/approvals' TimeoutToken):
  // no approval_token is sent, only its human_oversight evidence is pushed.
  if (typeof token?.token !== 'string' || (token.token === '' && !token.oversightEvidence)) {
    throw new MimaError(
      'validation_failed',
      'approvalToken must be a token string or { token, oversightEvidence? }.',
    )
  }
  return token
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (value !== null &&
      (typeof value === 'object' || typeof value === 'function') &&
      typeof (value as { then?: unknown }).then === 'function')
  )
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name
  return typeof error
}

function asMimaError(error: unknown, what: string): MimaError {
  if (MimaError.isInstance(error)) return error
  return new MimaError(
    'internal_error',
    `${what}: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
    },
  )
}

function validateHash(hash: string, name: string): void {
  if (typeof hash !== 'string' || !HASH.test(hash)) {
    throw new MimaError('validation_failed', `${name} must be 64 lowercase hex digits (SHA-256) or "".`)
  }
}

type Signer = (record: AttestationPayload) => AttestationPayload

function createSigner(seed: string | Uint8Array): Signer {
  const bytes = seedBytes(seed)
  const publicKey = verifyingKeyHex(bytes)
  return (record) => {
    record.sig_alg = SIG_ALG_V2
    record.witness_sig = toHex(ed25519Sign(encoder.encode(canonicalJson(record)), bytes))
    record.verifying_key_hex = publicKey
    return record
  }
}

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
  const hmacKey = options.hmacKey
  const defaultAuthorisedBy = authorisedByWire(options.authorisedBy)
  const transport = createTransport({
    baseUrl: connection.baseUrl,
    apiKey: connection.apiKey,
    fetch: options.fetch,
    timeout: options.timeout,
    retry: options.retry,
  })

  // ---- reporting -------------------------------------------------------------------------
  const deferred: MimaError[] = []
  let outageReported = false

  /** `call`: the caller awaits this operation; `background`: timers, exit, fire-and-forget sends. */
  function report(error: MimaError, where: 'call' | 'background'): void {
    if (onError === 'silent') return
    if (onError === 'raise') {
      if (where === 'call') throw error
      if (deferred.length < 100) deferred.push(error)
      return
    }
    logger.warn(`[mima] ${error.message}`)
  }

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

  // ---- workspace -------------------------------------------------------------------------
  let workspace = connection.workspaceId
  let resolving: Promise<string> | undefined
  function workspaceId(): Promise<string> {
    if (workspace !== undefined) return Promise.resolve(workspace)
    resolving ??= transport
      .me()
      .then((me) => {
        if (typeof me.workspace_id !== 'string' || me.workspace_id === '') {
          throw new MimaError('not_found', 'GET /api/me did not return a workspace_id.')
        }
        workspace = me.workspace_id
        return workspace
      })
      .catch((error: unknown) => {
        const cause = asMimaError(error, 'Workspace lookup')
        throw new MimaError(
          cause.code,
          `workspaceId is not set and could not be resolved through GET /api/me (${cause.message}) — pass createMima({ workspaceId }), set MIMA_WORKSPACE_ID, or run \`mima login\`.`,
          { cause, ...(cause.status === undefined ? {} : { status: cause.status }) },
        )
      })
      .finally(() => {
        resolving = undefined
      })
    return resolving
  }

  // ---- sending ---------------------------------------------------------------------------
  let batchUnsupported = false

  function prepareEvidence(record: GrcWireRecord, ws: string): GrcWireRecord {
    return hmacKey === undefined ? record : signGrcRecord(record, { key: hmacKey, workspaceId: ws })
  }

  function grcResult(record: GrcWireRecord, response: EvidenceResponse): GrcResult {
    return {
      recordId: typeof response.record_id === 'string' ? response.record_id : '',
      recordType: typeof response.record_type === 'string' ? response.record_type : record.record_type,
      mappedControls: Array.isArray(response.mapped_controls) ? response.mapped_controls : [],
      detail: 'ok',
    }
  }

  /** Sends attestations through the batch endpoint (or one by one where there is none). Throws when nothing could be delivered. */
  async function deliverAttestations(
    ws: string,
    records: readonly AttestationPayload[],
    http: Omit<Transport, 'quick'> = transport,
  ): Promise<{ sent: number; rejected: string[] }> {
    if (records.length === 0) return { sent: 0, rejected: [] }
    if (!batchUnsupported) {
      try {
        const response = await http.postBatch(ws, records)
        const rejected: string[] = []
        for (const result of response.results ?? []) {
          if (result.status === 'rejected' || result.status === 'error')
            rejected.push(result.reason ?? 'rejected')
        }
        const count = Math.max(rejected.length, typeof response.rejected === 'number' ? response.rejected : 0)
        while (rejected.length < count) rejected.push('rejected')
        return { sent: records.length - count, rejected }
      } catch (error) {
        const failure = asMimaError(error, 'Batch push')
        if (failure.status === 404) batchUnsupported = true
        else if (!isRejection(failure)) throw failure
        // 400/413/422 for the whole batch: send one by one so one bad record cannot block the rest.
      }
    }
    let sent = 0
    const rejected: string[] = []
    for (const record of records) {
      try {
        await http.postAttestation(ws, record)
        sent++
      } catch (error) {
        const failure = asMimaError(error, 'Attestation push')
        if (isConflict(failure))
          sent++ // already stored under this idempotency key
        else if (isRejection(failure)) rejected.push(failure.message)
        else {
          if (failure.status === 404 && sent === 0) batchUnsupported = false // the workspace is missing, not the batch route
          throw failure
        }
      }
    }
    return { sent, rejected }
  }

  function reportRejections(rejected: readonly string[], where: 'call' | 'background'): void {
    if (rejected.length === 0) return
    report(
      new MimaError(
        'validation_failed',
        `Batch: ${rejected.length} record(s) rejected by the server: ${rejected[0]}${rejected.length > 1 ? '…' : ''}`,
        { details: { reasons: rejected.slice(0, 20) } },
      ),
      where,
    )
  }

  // ---- drain loop ------------------------------------------------------------------------
  let draining: Promise<SendSummary> | undefined
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let retryDelay = 1_000
  // While the server is known to be down, sync sends go straight to the outbox instead of making
  // the caller wait through retries (a simple circuit breaker; the retry timer probes the server).
  let outageUntil = 0
  let closed = false

  function unref(timer: ReturnType<typeof setTimeout>): void {
    ;(timer as { unref?: () => void }).unref?.()
  }

  async function drainOnce(http: Omit<Transport, 'quick'>): Promise<SendSummary> {
    let sent = 0
    let rejected = 0
    for (;;) {
      const batch = outbox.next(batchMaxSize)
      if (!batch) break
      try {
        const ws = await workspaceId()
        const attestations = batch.records.filter((record) => !isEvidence(record)) as AttestationPayload[]
        const result = await deliverAttestations(ws, attestations, http)
        sent += result.sent
        rejected += result.rejected.length
        reportRejections(result.rejected, 'background')
        for (const record of batch.records) {
          if (!isEvidence(record)) continue
          try {
            await http.postEvidence(ws, prepareEvidence(record, ws))
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

  function drain(http: Omit<Transport, 'quick'> = transport): Promise<SendSummary> {
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
    }, batchFlushInterval)
    unref(flushTimer)
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
  function emptyResult(
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

  /** Queues an attestation and, after it, the oversight evidence its approval carries. */
  function enqueueWithEvidence(record: AttestationPayload, approval: ApprovalTokenInput | undefined): void {
    enqueue(record)
    if (!approval?.oversightEvidence) return
    try {
      enqueue(keyedEvidence(approval.oversightEvidence))
    } catch (error) {
      report(asMimaError(error, 'Oversight evidence'), 'background')
    }
  }

  async function sendNow(
    record: AttestationPayload,
    where: 'call' | 'background',
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
        outageUntil = monotonic() + retryDelay
        if (!retryTimer) scheduleRetry()
        report(
          new MimaError(failure.code, `${failure.message} (kept in the outbox; it will be retried)`, {
            cause: failure,
          }),
          where,
        )
        return emptyResult(record, 'queued', failure.message)
      }
    }
    if (approval?.oversightEvidence) await pushEvidenceInternal(approval.oversightEvidence, where)
    return result
  }

  function newRecord(
    toolName: string,
    startedAt: number,
    fields: {
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
    },
  ): AttestationPayload {
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
    record.system_name = systemName as string
    record.tool_name = toolName
    return sign ? sign(record) : record
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

  // ---- approval gate ---------------------------------------------------------------------
  /**
   * Redeems an approval token at the server before the action it approves runs. Resolves only when
   * the server consumed it for `toolName`; otherwise throws `approval_token_invalid` (refused:
   * reused, forged, expired, another tool's or workspace's) or, when the server cannot be asked
   * (unreachable, 5xx, 429), the retryable transport error. Never reported through `onError`:
   * this is enforcement, not recording.
   */
  async function redeemApproval(
    token: string,
    toolName: string,
    contextHash: string | undefined,
  ): Promise<{ approvalId: string }> {
    // One id per redemption: the transport's retries of it are answered again, not refused.
    const redemptionId = uuidv7(clock.now())
    const refused = (message: string, cause?: MimaError): MimaError =>
      new MimaError(
        'approval_token_invalid',
        `attest(${toolName}): the approval token was not redeemed, so the action did not run — ${message}`,
        {
          ...(cause === undefined ? {} : { cause }),
          ...(cause?.status === undefined ? {} : { status: cause.status }),
          ...(cause?.requestId === undefined ? {} : { requestId: cause.requestId }),
          ...(cause === undefined || cause.code === 'approval_token_invalid'
            ? {}
            : { details: { cause_code: cause.code } }),
        },
      )
    let answer: RedemptionResponse
    try {
      const ws = await workspaceId()
      answer = await transport.redeemApproval(ws, {
        token,
        tool_name: toolName,
        redemption_id: redemptionId,
        ...(contextHash ? { context_hash: contextHash } : {}),
      })
    } catch (error) {
      const failure = asMimaError(error, 'Approval redemption')
      if (failure.retryable) {
        throw new MimaError(
          failure.code,
          `attest(${toolName}): the approval could not be redeemed, so the action did not run (fail closed); retry later — ${failure.message}`,
          {
            cause: failure,
            retryable: true,
            ...(failure.status === undefined ? {} : { status: failure.status }),
            ...(failure.requestId === undefined ? {} : { requestId: failure.requestId }),
          },
        )
      }
      throw refused(failure.message, failure)
    }
    // Fail closed on an answer that does not redeem this token for this tool and context.
    if (answer.status !== 'redeemed' || typeof answer.approval_id !== 'string' || answer.approval_id === '') {
      throw refused('the server did not confirm the redemption.')
    }
    if (answer.action_type !== toolName || (contextHash && answer.context_hash !== contextHash)) {
      throw refused(`the server redeemed it for action '${String(answer.action_type)}', not this one.`)
    }
    return { approvalId: answer.approval_id }
  }

  // ---- attest ----------------------------------------------------------------------------
  function wrap<This, Args extends unknown[], Result>(
    options: AttestOptions<Args, Result>,
    fn: (this: This, ...args: Args) => Result,
  ): (this: This, ...args: Args) => Result {
    const toolName = options.toolName
    if (typeof toolName !== 'string' || toolName.trim() === '') {
      throw new MimaError('validation_failed', 'attest needs a non-empty toolName.')
    }
    if (typeof fn !== 'function') throw new MimaError('validation_failed', 'attest needs a function to wrap.')
    const mode = options.mode ?? 'sync'
    if (mode !== 'sync' && mode !== 'batch') {
      throw new MimaError(
        'validation_failed',
        `attest mode must be "sync" or "batch"; got "${String(mode)}".`,
      )
    }
    const approval = approvalParts(options.approvalToken)
    const authorisedBy = authorisedByWire(options.authorisedBy)
    const modelId = options.modelId
    const hashInput = options.hashInput
    const hashOutput = options.hashOutput
    const context: AttestedContext = approval?.approvalId
      ? { toolName, systemName: systemName as string, approvalId: approval.approvalId }
      : { toolName, systemName: systemName as string }

    // Buffered records are finished later (hashes, time formatting, signature): the call only
    // captures the canonical text of its input and output, which is the snapshot that matters.
    const deferFinishing = mode === 'batch' && approval === undefined

    function canonicalOrReport(
      value: () => unknown,
      what: 'input' | 'output',
      where: 'call' | 'background',
    ): CanonicalSnapshot | undefined {
      try {
        return captureCanonical(value())
      } catch (error) {
        // No canonical form (a NaN, a Map, …). For the input, `raise` throws before anything runs;
        // otherwise the call goes on and the attestation records an unknown hash ("").
        const failure = asMimaError(error, `${what} hash`)
        report(
          new MimaError(failure.code, `attest(${toolName}) cannot hash its ${what}: ${failure.message}`, {
            cause: failure,
            ...(failure.details === undefined ? {} : { details: failure.details }),
          }),
          where,
        )
        return undefined
      }
    }

    /** SHA-256 of a snapshot; "" (reported) when it turns out to hold a lone surrogate. */
    function hashSnapshot(snapshot: CanonicalSnapshot | undefined, what: 'input' | 'output'): string {
      if (snapshot === undefined) return ''
      try {
        return sha256Hex(snapshotText(snapshot))
      } catch (error) {
        report(
          new MimaError(
            'validation_failed',
            `attest(${toolName}) cannot hash its ${what}: ${asMimaError(error, what).message}`,
          ),
          'background',
        )
        return ''
      }
    }

    function finish(
      startedAt: number,
      started: number,
      input: CanonicalSnapshot | undefined,
      outcome: 'value' | 'error',
      valueOrError: unknown,
    ): Promise<AttestationResult> | undefined {
      try {
        const durationMs = Math.round((monotonic() - started) * 1000) / 1000
        const output =
          outcome === 'error'
            ? undefined
            : canonicalOrReport(
                () => (hashOutput ? hashOutput(valueOrError as Awaited<Result>) : valueOrError),
                'output',
                'background',
              )
        const idempotencyKey = uuidv7(startedAt)
        const build = (): AttestationPayload =>
          newRecord(toolName, startedAt, {
            inputHash: hashSnapshot(input, 'input'),
            outputHash: hashSnapshot(output, 'output'),
            modelId,
            authorisedBy,
            approvalToken: approval?.token || undefined,
            durationMs,
            errorType: outcome === 'error' ? errorName(valueOrError) : undefined,
            idempotencyKey,
          })
        if (deferFinishing) {
          enqueue(build)
          return undefined
        }
        return submit(build(), mode, approval)
      } catch (error) {
        report(asMimaError(error, `attest(${toolName})`), 'background')
        return undefined
      }
    }

    /** Runs `fn` attested. `gated` (an approval was presented): always a promise, whose send is awaited. */
    function invoke(
      self: This,
      args: Args,
      input: CanonicalSnapshot | undefined,
      callContext: AttestedContext,
      gated: boolean,
    ): Result {
      const startedAt = clock.now()
      const started = monotonic()
      let result: Result
      try {
        result = runAttested(callContext, () => fn.apply(self, args))
      } catch (error) {
        if (!gated) {
          finish(startedAt, started, input, 'error', error)?.catch(deferIfRaise)
          throw error
        }
        result = Promise.reject(error) as Result
      }
      if (!gated && !isPromiseLike(result)) {
        finish(startedAt, started, input, 'value', result)?.catch(deferIfRaise)
        return result
      }
      return Promise.resolve(result).then(
        async (value) => {
          const sending = finish(startedAt, started, input, 'value', value)
          if (sending) await sending
          return value
        },
        async (error: unknown) => {
          const sending = finish(startedAt, started, input, 'error', error)
          if (sending) await sending.catch(() => undefined) // the function's own error wins
          throw error
        },
      ) as Result
    }

    const redeemToken = approval?.token ? approval.token : undefined

    // Capture the input before the call: the function may mutate its arguments.
    const captureInput = (args: Args): CanonicalSnapshot | undefined =>
      canonicalOrReport(() => (hashInput ? hashInput(...args) : args), 'input', 'call')

    return function attested(this: This, ...args: Args): Result {
      if (approval === undefined) return invoke(this, args, captureInput(args), context, false)
      // An approval gates the action (fail closed): its token is redeemed at the server BEFORE
      // `fn` runs, and `fn` runs only when the server consumed it for this tool. Refused, or the
      // server unreachable: `fn` never runs and the error is thrown whatever `onError` says.
      return (async () => {
        // Before the redemption: an input `raise` refuses to hash spends no token.
        const input = captureInput(args)
        let callContext = context
        if (redeemToken !== undefined) {
          const redeemed = await redeemApproval(redeemToken, toolName, approval.contextHash)
          if (callContext.approvalId === undefined)
            callContext = { ...callContext, approvalId: redeemed.approvalId }
        }
        return await invoke(this, args, input, callContext, true)
      })() as Result
    }
  }

  function deferIfRaise(failure: unknown): void {
    // A synchronous function cannot await its send: a `raise` failure surfaces from flush()/close().
    if (deferred.length < 100) deferred.push(asMimaError(failure, 'Attestation push'))
  }

  function decorate(options: AttestOptions): AttestDecorator {
    return function decorator(target: unknown, context: unknown, descriptor?: PropertyDescriptor): unknown {
      if (descriptor && typeof descriptor.value === 'function') {
        descriptor.value = wrap(options, descriptor.value as (...args: unknown[]) => unknown)
        return descriptor
      }
      if (
        typeof target === 'function' &&
        typeof context === 'object' &&
        context !== null &&
        (context as { kind?: string }).kind === 'method'
      ) {
        return wrap(options, target as (...args: unknown[]) => unknown)
      }
      throw new MimaError(
        'validation_failed',
        'mima.attest(options) decorates methods only; wrap functions with mima.attest(options, fn).',
      )
    } as AttestDecorator
  }

  const attest = ((options: AttestOptions | string, fn?: (...args: unknown[]) => unknown): unknown => {
    const normalised: AttestOptions = typeof options === 'string' ? { toolName: options } : options
    if (fn === undefined) {
      if (typeof normalised?.toolName !== 'string' || normalised.toolName.trim() === '') {
        throw new MimaError('validation_failed', 'attest needs a non-empty toolName.')
      }
      return decorate(normalised)
    }
    return wrap(normalised, fn)
  }) as AttestFunction

  // ---- evidence --------------------------------------------------------------------------
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
  function keyedEvidence(input: GrcWireRecord): GrcWireRecord {
    // Records built without a system (oversight evidence from @mima/approvals) report as this client's.
    const record = input?.system_name === '' ? { ...input, system_name: systemName as string } : input
    validateEvidence(record)
    const { client_sig: _sig, client_sig_algo: _algo, ...unsigned } = record
    return unsigned.idempotency_key ? unsigned : { ...unsigned, idempotency_key: uuidv7(clock.now()) }
  }

  async function pushEvidenceInternal(
    record: GrcWireRecord,
    where: 'call' | 'background',
  ): Promise<GrcResult> {
    const keyed = keyedEvidence(record)
    const empty = (detail: string): GrcResult => ({
      recordId: '',
      recordType: record.record_type,
      mappedControls: [],
      detail,
    })
    try {
      const ws = await workspaceId()
      return grcResult(keyed, await transport.postEvidence(ws, prepareEvidence(keyed, ws)))
    } catch (error) {
      const failure = asMimaError(error, 'GRC push')
      if (isConflict(failure)) return empty('already recorded under this idempotency key')
      if (isRejection(failure)) {
        report(failure, where)
        return empty(failure.message)
      }
      enqueue(keyed)
      outageUntil = monotonic() + retryDelay
      if (!retryTimer) scheduleRetry()
      report(
        new MimaError(failure.code, `${failure.message} (kept in the outbox; it will be retried)`, {
          cause: failure,
        }),
        where,
      )
      return empty(`queued: ${failure.message}`)
    }
  }

  // ---- trace and batch -------------------------------------------------------------------
  function createTrace(toolName: string, options: TraceOptions): Trace {
    if (typeof toolName !== 'string' || toolName.trim() === '')
      throw new MimaError('validation_failed', 'trace needs a non-empty toolName.')
    const startedAt = clock.now()
    const started = monotonic()
    const authorisedBy = authorisedByWire(options.authorisedBy)
    let inputHash = ''
    let outputHash = ''
    let modelId = options.modelId
    let errorType: string | undefined
    let ended: Promise<AttestationResult> | undefined
    const trace: Trace = {
      setInput: (value) => {
        inputHash = hashValue(value)
      },
      setOutput: (value) => {
        outputHash = hashValue(value)
      },
      setInputHash: (hash) => {
        validateHash(hash, 'inputHash')
        inputHash = hash
      },
      setOutputHash: (hash) => {
        validateHash(hash, 'outputHash')
        outputHash = hash
      },
      setModelId: (id) => {
        modelId = id
      },
      fail: (error) => {
        errorType = errorName(error)
      },
      end: () => {
        ended ??= (async () => {
          const record = newRecord(toolName, startedAt, {
            inputHash,
            outputHash,
            modelId,
            authorisedBy,
            durationMs: Math.round((monotonic() - started) * 1000) / 1000,
            errorType,
          })
          const sending = submit(record, options.mode ?? 'sync', undefined)
          return sending ?? emptyResult(record, 'queued', 'buffered')
        })()
        return ended
      },
      [Symbol.asyncDispose]: async () => {
        await trace.end()
      },
    }
    return trace
  }

  function createBatch(): AttestationBatch {
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
          newRecord(toolName, clock.now(), {
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
            const ws = await workspaceId()
            let sent = 0
            const rejected: string[] = []
            for (let index = 0; index < records.length; index += 1000) {
              const result = await deliverAttestations(ws, records.slice(index, index + 1000))
              sent += result.sent
              rejected.push(...result.rejected)
            }
            reportRejections(rejected, 'call')
            return { sent, rejected: rejected.length, pending: 0 }
          } catch (error) {
            for (const record of records) enqueue(record)
            if (!retryTimer) scheduleRetry()
            const failure = asMimaError(error, 'Batch push')
            report(
              new MimaError(
                failure.code,
                `${failure.message} (${records.length} record(s) kept in the outbox)`,
                { cause: failure },
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

  // ---- framework records -----------------------------------------------------------------
  /** A value's hash, or "" (reported) when even its hashable copy cannot be hashed. */
  function lenientHash(value: unknown, toolName: string, what: string): string {
    try {
      return hashValue(toHashable(value))
    } catch (error) {
      report(asMimaError(error, `record(${toolName}) ${what} hash`), 'background')
      return ''
    }
  }

  function recordEntry(entry: RecordEntry): string {
    const toolName = entry?.toolName
    if (typeof toolName !== 'string' || toolName.trim() === '')
      throw new MimaError('validation_failed', 'record needs a non-empty toolName.')
    if (entry.inputHash !== undefined) validateHash(entry.inputHash, 'inputHash')
    if (entry.outputHash !== undefined) validateHash(entry.outputHash, 'outputHash')
    const startedAt = entry.startedAt ?? clock.now()
    const idempotencyKey = entry.idempotencyKey ?? uuidv7(startedAt)
    const authorisedBy = authorisedByWire(entry.authorisedBy)
    enqueue(() =>
      newRecord(toolName, startedAt, {
        inputHash: entry.inputHash ?? ('input' in entry ? lenientHash(entry.input, toolName, 'input') : ''),
        outputHash:
          entry.outputHash ?? ('output' in entry ? lenientHash(entry.output, toolName, 'output') : ''),
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
    const first = deferred.shift()
    deferred.length = 0
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
  if (options.flushOnExit !== false) registerForExit(exitState)

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

  const mima: Mima = {
    systemName,
    agentName,
    attest,
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
      return submit(record, pushOptions.mode ?? 'sync', approval) ?? emptyResult(record, 'queued', 'buffered')
    },
    record: (entry) => recordEntry(entry),
    trace: ((
      toolName: string,
      fnOrOptions?: ((trace: Trace) => unknown) | TraceOptions,
      maybeOptions?: TraceOptions,
    ): unknown => {
      if (typeof fnOrOptions !== 'function') return createTrace(toolName, fnOrOptions ?? {})
      const trace = createTrace(toolName, maybeOptions ?? {})
      return (async () => {
        try {
          return await runAttested({ toolName, systemName: systemName as string }, () => fnOrOptions(trace))
        } catch (error) {
          trace.fail(error)
          throw error
        } finally {
          await trace.end().catch((failure: unknown) => deferIfRaise(failure))
        }
      })()
    }) as Mima['trace'],
    batch: ((fn?: (batch: AttestationBatch) => unknown): unknown => {
      const batch = createBatch()
      if (fn === undefined) return batch
      return (async () => {
        const result = await fn(batch)
        await batch.send()
        return result
      })()
    }) as Mima['batch'],
    pushEvidence: (record) => pushEvidenceInternal(record, 'call'),
    workspaceId,
    get pending() {
      return outbox.size
    },
    flush,
    close,
    [Symbol.asyncDispose]: close,
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
