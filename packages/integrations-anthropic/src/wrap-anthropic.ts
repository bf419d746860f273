import {
  createModelCallTracker,
  estimateTokens,
  type ModelCallOutcome,
  type ModelCallTracker,
  type ModelCallTrackerOptions,
  observeApiCall,
  observeStream,
  type TokenCounts,
} from '@mima/core'

/** Options of {@link wrapAnthropic}: the Mima client, and optionally a budget, prices and context. */
export type WrapAnthropicOptions = ModelCallTrackerOptions

const WRAPPED = Symbol.for('mima.integrations.wrapped')

type Params = Record<string, unknown> & { model?: unknown; stream?: unknown; max_tokens?: unknown }

interface AnthropicUsage {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_read_input_tokens?: number | null
  cache_creation_input_tokens?: number | null
}

/** The resources wrapped, by path on the client. */
const RESOURCES: readonly (readonly string[])[] = [['messages'], ['beta', 'messages']]

/** Anthropic counts cache reads and writes apart from `input_tokens`; ours include them. */
function tokenCounts(
  usage: AnthropicUsage | null | undefined,
  outputTokens?: number,
): TokenCounts | undefined {
  if (usage === undefined || usage === null) return undefined
  const read = usage.cache_read_input_tokens ?? 0
  const write = usage.cache_creation_input_tokens ?? 0
  return {
    inputTokens: (usage.input_tokens ?? 0) + read + write,
    outputTokens: outputTokens ?? usage.output_tokens ?? 0,
    ...(read > 0 ? { cachedTokens: read } : {}),
    ...(write > 0 ? { cacheWriteTokens: write } : {}),
  }
}

/** Observes a message stream: `message_start` (model, input usage), text deltas, `message_delta` (output tokens). */
function observeMessageStream(
  stream: unknown,
  finish: (outcome: ModelCallOutcome) => void,
  requestedModel: string | undefined,
): boolean {
  let model = requestedModel
  let usage: AnthropicUsage | undefined
  let outputTokens: number | undefined
  let text = ''
  return observeStream(
    stream,
    (event) => {
      const value = event as {
        type?: string
        message?: { model?: string; usage?: AnthropicUsage }
        delta?: { type?: string; text?: string }
        usage?: AnthropicUsage
      }
      if (value.type === 'message_start') {
        if (typeof value.message?.model === 'string') model = value.message.model
        usage = value.message?.usage
      } else if (value.type === 'content_block_delta' && typeof value.delta?.text === 'string') {
        text += value.delta.text
      } else if (value.type === 'message_delta' && value.usage) {
        // Cumulative output tokens; newer API versions repeat the input counts here too.
        if (typeof value.usage.output_tokens === 'number') outputTokens = value.usage.output_tokens
        if (typeof value.usage.input_tokens === 'number') usage = { ...usage, ...value.usage }
      }
      return 'pass'
    },
    (error) =>
      finish({
        model,
        usage: tokenCounts(usage, outputTokens),
        output: { text, usage: usage ?? null, output_tokens: outputTokens ?? null },
        error,
      }),
  )
}

function invoke(
  tracker: ModelCallTracker,
  original: (...args: unknown[]) => unknown,
  self: unknown,
  params: Params,
  rest: unknown[],
): unknown {
  const model = typeof params.model === 'string' ? params.model : undefined
  const streaming = params.stream === true
  return tracker.call(
    {
      operation: 'messages',
      model,
      params,
      inputTokens: estimateTokens([params.system, params.messages, params.tools]),
      maxOutputTokens: typeof params.max_tokens === 'number' ? params.max_tokens : undefined,
    },
    () => original.call(self, params, ...rest),
    (result, finish) =>
      observeApiCall(
        result,
        (data) => {
          if (streaming) {
            if (!observeMessageStream(data, finish, model)) finish({ model })
            return data
          }
          const message = data as { model?: string; usage?: AnthropicUsage } | null
          finish({ model: message?.model ?? model, usage: tokenCounts(message?.usage), output: data })
          return data
        },
        (error) => finish({ model, error }),
      ),
  )
}

/**
 * Wraps an `@anthropic-ai/sdk` client (1.x) in place so every `messages.create` and
 * `beta.messages.create` call (and `messages.stream`, built on it) is attested with its token
 * usage, cache reads and cost, and, with a `budget`, checked first on its projected cost
 * (`max_tokens`). Streaming, `.withResponse()` and `.asResponse()` keep working. Wrapping twice
 * does nothing.
 *
 * @example
 * ```ts
 * import Anthropic from '@anthropic-ai/sdk'
 * import { createMima } from '@mima/core'
 * import { wrapAnthropic } from '@mima/integrations-anthropic'
 *
 * const mima = createMima({ systemName: 'support-bot' })
 * const anthropic = wrapAnthropic(new Anthropic(), { mima })
 * await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] })
 * ```
 */
export function wrapAnthropic<Client extends object>(client: Client, options: WrapAnthropicOptions): Client {
  const marked = client as Client & { [WRAPPED]?: boolean }
  if (marked[WRAPPED] === true) return client
  const tracker = createModelCallTracker('anthropic', options)
  for (const path of RESOURCES) {
    let resource: unknown = client
    for (const key of path) resource = (resource as Record<string, unknown> | undefined)?.[key]
    const target = resource as { create?: (...args: unknown[]) => unknown } | undefined
    if (typeof target?.create !== 'function') continue
    const original = target.create
    target.create = function create(this: unknown, ...args: unknown[]): unknown {
      const [params, ...rest] = args
      return invoke(tracker, original, this, (params ?? {}) as Params, rest)
    }
  }
  Object.defineProperty(client, WRAPPED, { value: true, enumerable: false })
  return client
}
