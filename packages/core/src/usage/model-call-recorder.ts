import type { Mima } from '../client/types'
import { hashValue } from '../hashing/sha256'
import type { AttestationUsage } from './attestation-usage'

/** One finished model call, as an SDK wrapper hands it over. */
export interface ModelCall {
  readonly toolName: string
  readonly modelId?: string | undefined
  /** What went in (the request parameters); hashed later, off the call path. */
  readonly input: unknown
  /** What came out (the response, or the text and usage of a stream); hashed later. */
  readonly output: unknown
  readonly usage: AttestationUsage
  /** `Date.now()` when the call started. */
  readonly startedAt: number
  readonly durationMs: number
  /** The error's name when the call failed. */
  readonly errorType?: string | undefined
}

/**
 * The budget an SDK wrapper checks (structurally `BudgetClient` or `RuntimeControls` from
 * `@mima/policy`): a synchronous fast path, the full check, and usage tracking.
 */
export interface ModelCallBudget<Ticket = unknown> {
  /** A ticket when the call fits the locally held budget; undefined to ask `checkOrRaise`. */
  tryCheck?(input: ModelCallProjection): Ticket | undefined
  /** Reserves the projected cost or throws (for example `BudgetExceededError`). */
  checkOrRaise(input: ModelCallProjection): Promise<Ticket>
  trackUsage(ticket: Ticket | undefined, usage: { model?: string; costUsd?: number; tokens?: number }): void
  /** Gives an unused reservation back (the call failed before it cost anything). */
  release?(ticket: Ticket): void
}

/** What a call is projected to cost before it runs. */
export interface ModelCallProjection {
  readonly model?: string | undefined
  readonly projectedUsd?: number | undefined
  readonly projectedTokens?: number | undefined
}

/** Records finished model calls as attestations, hashing and sending them in the background. */
export interface ModelCallRecorder {
  /** Queues a call; returns at once (hashing, signing and sending happen after the caller moves on). */
  record(call: ModelCall): void
  /** Processes everything queued now (then `mima.flush()` sends it). */
  drain(): Promise<void>
}

const schedule: (callback: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (callback) => {
        ;(globalThis as unknown as { setImmediate: (callback: () => void) => void }).setImmediate(callback)
      }
    : (callback) => {
        setTimeout(callback, 0)
      }

/**
 * Creates a recorder that turns {@link ModelCall}s into attestations (`mima.push` in batch mode)
 * on a later turn of the event loop, so an SDK wrapper adds almost nothing to the call itself.
 * Failures go to `onError` (recording never breaks the host app).
 *
 * @example
 * ```ts
 * const recorder = createModelCallRecorder(mima)
 * recorder.record({ toolName: 'openai.chat.completions', modelId: 'gpt-4o', input: params, output: response, usage, startedAt, durationMs })
 * ```
 */
export function createModelCallRecorder(
  mima: Pick<Mima, 'push'>,
  options: { readonly onError?: (error: unknown) => void } = {},
): ModelCallRecorder {
  let queue: ModelCall[] = []
  let scheduled = false
  let idle: Promise<void> = Promise.resolve()
  let markIdle: () => void = () => {}
  const onError =
    options.onError ?? ((error: unknown) => console.warn('[mima] model call not recorded:', error))

  const process = (): void => {
    scheduled = false
    const batch = queue
    queue = []
    for (const call of batch) {
      try {
        mima
          .push(call.toolName, safeHash(call.input), call.output === undefined ? '' : safeHash(call.output), {
            mode: 'batch',
            ...(call.modelId === undefined ? {} : { modelId: call.modelId }),
            executedAt: new Date(call.startedAt),
            durationMs: call.durationMs,
            usage: call.usage,
            ...(call.errorType === undefined ? {} : { errorType: call.errorType }),
          })
          .catch(onError)
      } catch (error) {
        onError(error)
      }
    }
    markIdle()
  }

  return {
    record(call) {
      queue.push(call)
      if (scheduled) return
      scheduled = true
      idle = new Promise<void>((resolve) => {
        markIdle = resolve
      })
      schedule(process)
    },
    drain: () => idle,
  }
}

// Binary uploads (audio, images) have no canonical JSON form: their hash is left empty.
function safeHash(value: unknown): string {
  try {
    return hashValue(value)
  } catch {
    return ''
  }
}
