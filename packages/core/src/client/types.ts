import type { AttestationResult, AuthorisedBy } from '../attestation/attestation-payload'
import type { ConfigSources } from '../config/resolve-config'
import type { GrcResult, GrcWireRecord } from '../grc/grc-record'
import type { OutboxOptions } from '../outbox/outbox'
import type { AttestationTracer } from '../telemetry/attestation-spans'
import type { RetryOptions } from '../transport/transport'
import type { AttestationUsage } from '../usage/attestation-usage'

/** How a failed send is reported. It never decides whether data is kept: unsent records stay in the outbox. */
export type OnError = 'warn' | 'raise' | 'silent'

/** Wall-clock time source (ms since the epoch); inject one in tests. */
export interface Clock {
  now(): number
}

/** Where `onError: 'warn'` writes (default `console.warn`). */
export interface Logger {
  warn(message: string): void
}

/** Options of {@link createMima}. Everything but `systemName` can come from the environment. */
export interface MimaOptions extends ConfigSources {
  /** Workspace API key; falls back to `MIMA_API_KEY`, then `~/.mima/config.json`. */
  readonly apiKey?: string | undefined
  /** The AI system the attestations belong to (falls back to `MIMA_SYSTEM_NAME`). */
  readonly systemName?: string | undefined
  /** Falls back to `MIMA_WORKSPACE_ID`, the config file, then `GET /api/me` (once, cached). */
  readonly workspaceId?: string | undefined
  /** Server URL, with or without `/api` (default `https://api.mima.ai`; env `MIMA_BASE_URL`). */
  readonly baseUrl?: string | undefined
  /** Defaults to `systemName`. */
  readonly agentName?: string | undefined
  /** Ed25519 seed (64 hex digits or 32 bytes; env `MIMA_SIGNING_KEY`): every attestation is signed (v2 scheme). */
  readonly signingKey?: string | Uint8Array | undefined
  /**
   * HMAC key for GRC records' `client_sig` (the Python SDK's scheme). Kept apart from
   * `signingKey` on purpose: the server must hold an HMAC key to check it, and it must never
   * hold the Ed25519 seed.
   */
  readonly hmacKey?: string | Uint8Array | undefined
  /** The default principal of every attestation. */
  readonly authorisedBy?: AuthorisedBy | undefined
  /** Default `warn`. */
  readonly onError?: OnError | undefined
  /** How often buffered (`batch` mode) records are sent, in milliseconds (default 30 000). */
  readonly batchFlushInterval?: number | undefined
  /** Buffered records that trigger a send (default 100). */
  readonly batchMaxSize?: number | undefined
  /** A `fetch` implementation (default the global one). */
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Time source for `executed_at` and idempotency keys. */
  readonly clock?: Clock | undefined
  readonly logger?: Logger | undefined
  /** Per-request timeout in milliseconds (default 15 000). */
  readonly timeout?: number | undefined
  readonly retry?: RetryOptions | undefined
  readonly outbox?: OutboxOptions | undefined
  /** Flush on `beforeExit` and save unsent records on `exit` (Node; default true). */
  readonly flushOnExit?: boolean | undefined
  /**
   * An OpenTelemetry tracer (`trace.getTracer('my-app')`): every attestation is then also a span,
   * named and attributed by the GenAI semantic conventions (`gen_ai.operation.name`,
   * `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.usage.*`), timed as the call was.
   */
  readonly tracer?: AttestationTracer | undefined
}

/** An approval presented by an attested call (see `@mima/approvals`). */
export interface ApprovalTokenInput {
  /** The server-signed token, sent as `approval_token`. */
  readonly token: string
  /** The approval's id, exposed through the attested context. */
  readonly approvalId?: string
  /** SHA-256 hex of the approved context; when set, the redemption also checks it. */
  readonly contextHash?: string
  /** A `human_oversight` record pushed once the attestation is accepted. */
  readonly oversightEvidence?: GrcWireRecord
}

/** Options of `mima.attest`. */
export interface AttestOptions<Args extends readonly unknown[] = readonly unknown[], Result = unknown> {
  readonly toolName: string
  /** `sync` (default) sends at once; `batch` buffers and sends in batches. */
  readonly mode?: 'sync' | 'batch'
  readonly modelId?: string
  /** Overrides the client's `authorisedBy` for this tool. */
  readonly authorisedBy?: AuthorisedBy
  /**
   * An approval gate. A non-empty token is redeemed at the server BEFORE each call runs the
   * function (fail closed): a reused, forged, expired or other action's token throws
   * `approval_token_invalid` and an unreachable server a retryable `network_error`, and the
   * function does not run, whatever `onError` says. The attestation then carries the token as
   * `approval_token` (sent at once), and the server links it to the approval. With an approval
   * token the wrapped function always returns a promise (decorate async methods only).
   */
  readonly approvalToken?: string | ApprovalTokenInput
  /** What to hash as the input (default: the argument array). */
  readonly hashInput?: (...args: Args) => unknown
  /** What to hash as the output (default: the return value, awaited). */
  readonly hashOutput?: (result: Awaited<Result>) => unknown
  /**
   * Sent as the attestation's `metadata` (made JSON with `toHashable`), like `record`'s: an object,
   * or a function of the call's result (`undefined` when it threw) for metadata known only after it.
   */
  readonly metadata?:
    | Readonly<Record<string, unknown>>
    | ((result: Awaited<Result> | undefined) => Readonly<Record<string, unknown>> | undefined)
}

/** A method decorator (TC39 decorators, and TypeScript's `experimentalDecorators`). */
export interface AttestDecorator {
  <This, Args extends unknown[], Result>(
    method: (this: This, ...args: Args) => Result,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Result>,
  ): (this: This, ...args: Args) => Result
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor
}

/** `mima.attest`: wraps a function, or returns a method decorator. */
export interface AttestFunction {
  /** With an approval token: each call first redeems it at the server, so the result is a promise. */
  <This, Args extends unknown[], Result>(
    options: AttestOptions<Args, Result> & { readonly approvalToken: string | ApprovalTokenInput },
    fn: (this: This, ...args: Args) => Result,
  ): (this: This, ...args: Args) => Promise<Awaited<Result>>
  /** Without one: a sync function stays sync. */
  <This, Args extends unknown[], Result>(
    options: (AttestOptions<Args, Result> & { readonly approvalToken?: undefined }) | string,
    fn: (this: This, ...args: Args) => Result,
  ): (this: This, ...args: Args) => Result
  /** An approval token that may or may not be there. */
  <This, Args extends unknown[], Result>(
    options: AttestOptions<Args, Result>,
    fn: (this: This, ...args: Args) => Result,
  ): (this: This, ...args: Args) => Result | Promise<Awaited<Result>>
  (options: AttestOptions | string): AttestDecorator
}

/** Options of `mima.push`. */
export interface PushOptions {
  readonly modelId?: string
  readonly authorisedBy?: AuthorisedBy
  /**
   * Sent as `approval_token`. `push` records an action that already happened, so nothing is
   * redeemed first: the server consumes the token when the attestation arrives (as for the Python
   * SDK). To gate an action, wrap it with `attest({ approvalToken })`.
   */
  readonly approvalToken?: string | ApprovalTokenInput
  /** `sync` (default) sends now and resolves with the server's answer; `batch` buffers. */
  readonly mode?: 'sync' | 'batch'
  /** When the action happened (default now). */
  readonly executedAt?: Date
  readonly durationMs?: number
  /** Token usage, cost, session and parent of a model call (validated; see `AttestationUsage`). */
  readonly usage?: AttestationUsage
  /** `error` when the recorded call failed, with the error's name (never its message). */
  readonly errorType?: string
}

/** Options of `mima.trace`. */
export interface TraceOptions {
  readonly modelId?: string
  readonly authorisedBy?: AuthorisedBy
  readonly mode?: 'sync' | 'batch'
}

/** The handle `mima.trace` gives: record what went in and out, then end it (or let `await using` end it). */
export interface Trace {
  setInput(value: unknown): void
  setOutput(value: unknown): void
  setInputHash(hash: string): void
  setOutputHash(hash: string): void
  setModelId(modelId: string): void
  /** Records that the traced work failed (the error's name, never its message). */
  fail(error: unknown): void
  /** Sends the attestation (once; later calls return the same result). */
  end(): Promise<AttestationResult>
  [Symbol.asyncDispose](): Promise<void>
}

/** One entry of `mima.batch().add`. Explicit hashes win over values. */
export interface BatchEntry {
  readonly input?: unknown
  readonly output?: unknown
  readonly inputHash?: string
  readonly outputHash?: string
  readonly modelId?: string
  readonly authorisedBy?: AuthorisedBy
}

/**
 * One attestation for `mima.record`: what a framework integration saw of a model, tool or chain
 * step. Values are hashed when the record is sent, not when it is recorded: pass values the
 * caller will not mutate afterwards.
 */
export interface RecordEntry {
  readonly toolName: string
  /** Hashed as `hashValue(toHashable(input))` when sent; leave it out for an unknown input (`""`). */
  readonly input?: unknown
  /** Hashed like `input`; leave it out when there is no output (a failed call). */
  readonly output?: unknown
  /** A precomputed input hash (64 hex digits or `""`); wins over `input`. */
  readonly inputHash?: string
  /** A precomputed output hash; wins over `output`. */
  readonly outputHash?: string
  readonly modelId?: string
  readonly authorisedBy?: AuthorisedBy
  /** When the call started (ms since the epoch; default now). */
  readonly startedAt?: number
  readonly durationMs?: number
  /** The error's name when the call failed (recorded as `outcome: 'error'`). */
  readonly errorType?: string
  /** The record's idempotency key (a UUIDv7 by default); children name it as their parent. */
  readonly idempotencyKey?: string
  /**
   * The `idempotency_key` of the parent record (a run, or the step that asked for a tool): sent as
   * `parent_idempotency_key`, distinct from `usage.parentAttestationId` (decision 0033).
   */
  readonly parentIdempotencyKey?: string
  /** Usage, finish reason, run ids, …: sent as `metadata` (made JSON with `toHashable`). */
  readonly metadata?: Readonly<Record<string, unknown>>
}

/** What a batch send or a flush achieved. */
export interface SendSummary {
  /** Accepted by the server. */
  readonly sent: number
  /** Refused by the server for good (reported through `onError`). */
  readonly rejected: number
  /** Still waiting in the outbox (server unreachable). */
  readonly pending: number
}

/** Records collected with `add` and sent as one batch request by `send()` (or `await using`). */
export interface AttestationBatch {
  add(toolName: string, entry?: BatchEntry): void
  readonly size: number
  send(): Promise<SendSummary>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * The Mima client returned by {@link createMima}. Create one per process and `close()` it on
 * shutdown: each client owns a spill file and a flush timer.
 */
export interface Mima {
  readonly systemName: string
  readonly agentName: string
  /** Wraps a function (sync or async) so each call is attested; without `fn`, a method decorator. */
  readonly attest: AttestFunction
  /** Sends an attestation for precomputed hashes (64 hex digits each, or `""`). */
  push(
    toolName: string,
    inputHash: string,
    outputHash: string,
    options?: PushOptions,
  ): Promise<AttestationResult>
  /** Runs `fn` attested and sends what it recorded when it settles (also when it throws). */
  trace<T>(toolName: string, fn: (trace: Trace) => T, options?: TraceOptions): Promise<Awaited<T>>
  /**
   * A trace handle for `await using t = mima.trace('tool')`; the attestation is sent when the scope
   * ends. Unlike the callback form, it cannot mark the scope as attested for the guard.
   */
  trace(toolName: string, options?: TraceOptions): Trace
  /**
   * Queues one attestation without blocking the caller: hashing, signing and sending happen when
   * the outbox is drained (every `batchMaxSize` records, `batchFlushInterval`, `flush()` or
   * `close()`). Returns the record's idempotency key, which children pass as
   * `parentIdempotencyKey`. Made for framework integrations, whose hooks sit on the call path.
   */
  record(entry: RecordEntry): string
  /** A batch sent as one request. */
  batch(): AttestationBatch
  /** Runs `fn` with a batch and sends it once `fn` settles. */
  batch<T>(fn: (batch: AttestationBatch) => T): Promise<Awaited<T>>
  /** Pushes a GRC evidence record (signed with `hmacKey` when set) to `grc/evidence`. */
  pushEvidence(record: GrcWireRecord): Promise<GrcResult>
  /** The workspace id (resolved once through `GET /api/me` when not configured). */
  workspaceId(): Promise<string>
  /** Records not yet accepted by the server (memory and spill file). */
  readonly pending: number
  /** Sends everything waiting now. */
  flush(): Promise<SendSummary>
  /** Flushes, saves anything unsent to the spill file and stops timers. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}
