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

/** Options of {@link wrapOpenAI}: the Mima client, and optionally a budget, prices and context. */
export type WrapOpenAIOptions = ModelCallTrackerOptions

const WRAPPED = Symbol.for('mima.integrations.wrapped')

type Params = Record<string, unknown> & {
  model?: unknown
  stream?: unknown
  stream_options?: Record<string, unknown> | null
  max_tokens?: unknown
  max_completion_tokens?: unknown
  max_output_tokens?: unknown
}

interface OpenAIUsage {
  prompt_tokens?: number
  completion_tokens?: number
  input_tokens?: number
  output_tokens?: number
  prompt_tokens_details?: { cached_tokens?: number } | null
  input_tokens_details?: { cached_tokens?: number } | null
}

/** The resources wrapped, by path on the client, with the operation name they record. */
const RESOURCES: readonly { readonly path: readonly string[]; readonly operation: string }[] = [
  { path: ['chat', 'completions'], operation: 'chat.completions' },
  { path: ['responses'], operation: 'responses' },
  { path: ['completions'], operation: 'completions' },
  { path: ['embeddings'], operation: 'embeddings' },
]

function usageOf(value: unknown): TokenCounts | undefined {
  const usage = (value as { usage?: OpenAIUsage | null } | null)?.usage
  if (usage === undefined || usage === null || typeof usage !== 'object') return undefined
  const inputTokens = usage.prompt_tokens ?? usage.input_tokens
  const outputTokens = usage.completion_tokens ?? usage.output_tokens ?? 0
  const cachedTokens = usage.prompt_tokens_details?.cached_tokens ?? usage.input_tokens_details?.cached_tokens
  return {
    ...(inputTokens === undefined ? {} : { inputTokens }),
    outputTokens,
    ...(cachedTokens === undefined ? {} : { cachedTokens }),
  }
}

function maxOutputOf(params: Params, operation: string): number | undefined {
  if (operation === 'embeddings') return 0
  const value = params.max_completion_tokens ?? params.max_tokens ?? params.max_output_tokens
  return typeof value === 'number' && value >= 0 ? value : undefined
}

function contentOf(params: Params): unknown {
  return params.messages ?? params.input ?? params.prompt ?? params.instructions
}

/** Observes a chat-completions stream: text deltas, the usage chunk (hidden when we asked for it). */
function observeChatStream(
  stream: unknown,
  finish: (outcome: ModelCallOutcome) => void,
  hideUsageChunk: boolean,
  requestedModel: string | undefined,
): boolean {
  let text = ''
  let usage: TokenCounts | undefined
  let model = requestedModel
  return observeStream(
    stream,
    (chunk) => {
      const value = chunk as {
        model?: string
        choices?: { delta?: { content?: string | null } }[]
        usage?: unknown
      }
      if (typeof value.model === 'string') model = value.model
      const delta = value.choices?.[0]?.delta?.content
      if (typeof delta === 'string') text += delta
      if (value.usage !== undefined && value.usage !== null) {
        usage = usageOf(value)
        if (hideUsageChunk && (value.choices?.length ?? 0) === 0) return 'hide'
      }
      return 'pass'
    },
    (error) => finish({ model, usage, output: { text, usage: usage ?? null }, error }),
  )
}

/** Observes a responses stream: the `response.completed` event carries the whole response. */
function observeResponsesStream(
  stream: unknown,
  finish: (outcome: ModelCallOutcome) => void,
  requestedModel: string | undefined,
): boolean {
  let completed: { model?: string } | undefined
  return observeStream(
    stream,
    (event) => {
      const value = event as { type?: string; response?: { model?: string } }
      if ((value.type === 'response.completed' || value.type === 'response.incomplete') && value.response)
        completed = value.response
      return 'pass'
    },
    (error) =>
      finish({
        model: completed?.model ?? requestedModel,
        usage: usageOf(completed),
        output: completed,
        error,
      }),
  )
}

function invoke(
  tracker: ModelCallTracker,
  operation: string,
  original: (...args: unknown[]) => unknown,
  self: unknown,
  params: Params,
  rest: unknown[],
): unknown {
  const model = typeof params?.model === 'string' ? params.model : undefined
  const streaming = params?.stream === true
  let sent: Params = params
  let hideUsageChunk = false
  // Usage arrives only in the last chunk of a stream, and only when asked for: ask, and hide the
  // extra chunk from a caller who did not.
  if (streaming && (operation === 'chat.completions' || operation === 'completions')) {
    if (params.stream_options?.include_usage !== true) {
      sent = { ...params, stream_options: { ...(params.stream_options ?? {}), include_usage: true } }
      hideUsageChunk = true
    }
  }
  return tracker.call(
    {
      operation,
      model,
      params,
      inputTokens: estimateTokens(contentOf(params ?? {})),
      maxOutputTokens: maxOutputOf(params ?? {}, operation),
    },
    () => original.call(self, sent, ...rest),
    (result, finish) =>
      observeApiCall(
        result,
        (data) => {
          if (streaming) {
            const observed =
              operation === 'responses'
                ? observeResponsesStream(data, finish, model)
                : observeChatStream(data, finish, hideUsageChunk, model)
            if (!observed) finish({ model })
            return data
          }
          const response = data as { model?: string } | null
          finish({ model: response?.model ?? model, usage: usageOf(response), output: data })
          return data
        },
        (error) => finish({ model, error }),
      ),
  )
}

/**
 * Wraps an `openai` client (v6 or v7) in place so every `chat.completions.create`,
 * `responses.create`, `completions.create` and `embeddings.create` call is attested with its token
 * usage and cost, and, with a `budget`, checked first on its projected cost (`max_tokens`, or
 * `defaultMaxTokens`). Streaming, `.withResponse()`, `.asResponse()` and the helpers built on
 * `create` (`chat.completions.stream`, `runTools`) keep working. Wrapping twice does nothing.
 *
 * @example
 * ```ts
 * import OpenAI from 'openai'
 * import { createMima } from '@mima/core'
 * import { wrapOpenAI } from '@mima/integrations-openai'
 *
 * const mima = createMima({ systemName: 'support-bot' })
 * const openai = wrapOpenAI(new OpenAI(), { mima })
 * await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
 * ```
 */
export function wrapOpenAI<Client extends object>(client: Client, options: WrapOpenAIOptions): Client {
  const marked = client as Client & { [WRAPPED]?: boolean }
  if (marked[WRAPPED] === true) return client
  const tracker = createModelCallTracker('openai', options)
  for (const { path, operation } of RESOURCES) {
    let resource: unknown = client
    for (const key of path) resource = (resource as Record<string, unknown> | undefined)?.[key]
    const target = resource as { create?: (...args: unknown[]) => unknown } | undefined
    if (typeof target?.create !== 'function') continue
    const original = target.create
    target.create = function create(this: unknown, ...args: unknown[]): unknown {
      const [params, ...rest] = args
      return invoke(tracker, operation, original, this, (params ?? {}) as Params, rest)
    }
  }
  Object.defineProperty(client, WRAPPED, { value: true, enumerable: false })
  return client
}
