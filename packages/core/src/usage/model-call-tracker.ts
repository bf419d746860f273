import type { Mima } from '../client/types'
import { runAttested } from '../context/attested-context'
import { createModelCallRecorder, type ModelCallBudget, type ModelCallRecorder } from './model-call-recorder'
import { defaultPriceTable, type PriceTable, type TokenCounts } from './price-table'
import { deferredApiCall } from './sdk-call'

/** Options every SDK wrapper takes (`wrapOpenAI`, `wrapAnthropic`). */
export interface ModelCallTrackerOptions {
  /** The Mima client the attestations go through (`createMima(...)`). */
  readonly mima: Pick<Mima, 'push'> & Partial<Pick<Mima, 'systemName'>>
  /** Prices (default: the shipped table). */
  readonly priceTable?: PriceTable | undefined
  /**
   * A budget checked before each call on its projected cost and told its actual cost after
   * (`createRuntimeControls(...)` or `createBudgetClient(...)` from `@mima/policy`).
   */
  readonly budget?: ModelCallBudget<unknown> | undefined
  /** The output-token ceiling projected when a request sets no `max_tokens` (default 4096). */
  readonly defaultMaxTokens?: number | undefined
  /** The tool name of the attestations (default `<provider>.<operation>`, e.g. `openai.chat.completions`). */
  readonly toolName?: string | undefined
  readonly sessionId?: string | undefined
  readonly parentAttestationId?: string | undefined
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
  /** Told about a model the price table does not know (default: one warning per model). */
  readonly onUnknownModel?: ((model: string) => void) | undefined
  /** Recording failures (default `console.warn`); they never fail the call. */
  readonly onError?: ((error: unknown) => void) | undefined
}

/** How a tracked call ended. */
export interface ModelCallOutcome {
  /** The model the provider answered with (falls back to the requested one). */
  readonly model?: string | undefined
  readonly usage?: TokenCounts | undefined
  /** What is hashed as the call's output. */
  readonly output?: unknown
  readonly error?: unknown
}

/** One call as a wrapper describes it before sending it. */
export interface ModelCallSpec {
  readonly operation: string
  readonly model: string | undefined
  /** The request as the caller wrote it (hashed as the input). */
  readonly params: unknown
  /** Estimated input tokens (see `estimateTokens`). */
  readonly inputTokens: number
  /** The request's output ceiling (`max_tokens`), or undefined for the default. */
  readonly maxOutputTokens: number | undefined
}

/** Runs SDK calls with a budget check, usage and cost, and a background attestation. */
export interface ModelCallTracker {
  /**
   * Checks the budget (synchronously when the local lease covers it), then `send()`s inside the
   * attested context and lets `observe` watch the result; `finish` must be called once with the
   * outcome. Returns what `observe` returns (the SDK's own promise), or a deferred stand-in when
   * the budget check had to ask the server first.
   */
  call<T>(
    spec: ModelCallSpec,
    send: () => T,
    observe: (result: T, finish: (outcome: ModelCallOutcome) => void) => T,
  ): T
}

const warned = new Set<string>()

/**
 * Creates the per-call engine the SDK wrappers share.
 *
 * @example
 * ```ts
 * const tracker = createModelCallTracker('openai', { mima, budget: controls })
 * ```
 */
export function createModelCallTracker(provider: string, options: ModelCallTrackerOptions): ModelCallTracker {
  const prices = options.priceTable ?? defaultPriceTable()
  const recorder: ModelCallRecorder = createModelCallRecorder(
    options.mima,
    options.onError === undefined ? {} : { onError: options.onError },
  )
  const budget = options.budget
  const defaultMaxTokens = options.defaultMaxTokens ?? 4096
  const onUnknownModel =
    options.onUnknownModel ??
    ((model: string) => {
      if (warned.has(model)) return
      warned.add(model)
      console.warn(
        `[mima] No price for model "${model}": its calls are recorded without cost_usd. Add it with createPriceTable({ overrides }).`,
      )
    })
  const systemName = options.mima.systemName

  return {
    call(spec, send, observe) {
      const startedAt = Date.now()
      const started = performance.now()
      const toolName = options.toolName ?? `${provider}.${spec.operation}`
      const maxOutput = spec.maxOutputTokens ?? defaultMaxTokens
      let ticket: unknown
      let finished = false

      const finish = (outcome: ModelCallOutcome): void => {
        if (finished) return
        finished = true
        const model = outcome.model ?? spec.model
        const usage = outcome.usage
        let costUsd: number | undefined
        if (model !== undefined && usage !== undefined) {
          const priced = prices.price(model, usage)
          if (priced.status === 'priced') costUsd = priced.costUsd
          else onUnknownModel(model)
        }
        if (budget !== undefined) {
          if (outcome.error !== undefined && usage === undefined && ticket !== undefined && budget.release)
            budget.release(ticket)
          else
            budget.trackUsage(ticket, {
              ...(model === undefined ? {} : { model }),
              costUsd: costUsd ?? 0,
              tokens: (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0),
            })
        }
        const errorName =
          outcome.error === undefined
            ? undefined
            : outcome.error instanceof Error
              ? outcome.error.name
              : 'Error'
        recorder.record({
          toolName,
          modelId: model,
          input: spec.params,
          output: outcome.output,
          usage: {
            provider,
            operation: spec.operation,
            ...(usage?.inputTokens === undefined ? {} : { inputTokens: usage.inputTokens }),
            ...(usage?.outputTokens === undefined ? {} : { outputTokens: usage.outputTokens }),
            ...(usage?.cachedTokens === undefined ? {} : { cachedTokens: usage.cachedTokens }),
            ...(costUsd === undefined ? {} : { costUsd }),
            ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
            ...(options.parentAttestationId === undefined
              ? {}
              : { parentAttestationId: options.parentAttestationId }),
            ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
          },
          startedAt,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          errorType: errorName,
        })
      }

      const run = (): ReturnType<typeof send> =>
        observe(runAttested(systemName === undefined ? { toolName } : { toolName, systemName }, send), finish)
      if (budget === undefined) return run()
      let projectedUsd: number | undefined
      if (spec.model !== undefined) {
        const priced = prices.price(spec.model, { inputTokens: spec.inputTokens, outputTokens: maxOutput })
        if (priced.status === 'priced') projectedUsd = priced.costUsd
      }
      const projection = { model: spec.model, projectedUsd, projectedTokens: spec.inputTokens + maxOutput }
      try {
        ticket = budget.tryCheck?.(projection)
      } catch (error) {
        // Refused before the call (a killed agent): rejected like the SDK's own promise would be.
        return deferredApiCall<ReturnType<typeof send>>(Promise.reject(error))
      }
      if (ticket !== undefined) return run()
      return deferredApiCall(
        budget.checkOrRaise(projection).then((granted) => {
          ticket = granted
          return { call: run() }
        }),
      )
    },
  }
}
