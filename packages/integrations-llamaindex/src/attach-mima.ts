import { type Mima, MimaError } from '@mima/core'

/** A LlamaIndex event as handlers receive it (`LlamaIndexCustomEvent`): what happened is in `detail`. */
interface EventLike {
  readonly detail: Record<string, unknown>
}

/** What the integration needs of LlamaIndex's `CallbackManager` (`Settings.callbackManager`). */
export interface CallbackManagerLike {
  on(event: string, handler: (event: EventLike) => void): unknown
  off(event: string, handler: (event: EventLike) => void): unknown
}

/** Options of {@link attachMima}. */
export interface AttachMimaOptions {
  readonly mima: Mima
  /** Prefix of every recorded tool name (default `llamaindex`). */
  readonly toolNamePrefix?: string
}

interface ChatMessageLike {
  readonly role?: string
  readonly content?: unknown
  readonly options?: {
    readonly toolCall?: readonly { readonly id?: string }[]
    readonly toolResult?: unknown
  }
}

interface OpenCall {
  readonly startedAt: number
  readonly started: number
  readonly input: unknown
}

const monotonic = (): number => performance.now()
const MAX_OPEN = 10_000

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_OPEN) {
    const oldest = map.keys().next().value
    if (oldest !== undefined) map.delete(oldest)
  }
  map.set(key, value)
}

function message(value: ChatMessageLike | undefined): unknown {
  if (value === undefined) return null
  return {
    role: value.role ?? 'assistant',
    content: value.content ?? '',
    ...(value.options?.toolCall ? { tool_calls: value.options.toolCall } : {}),
  }
}

function usageOf(raw: Record<string, unknown> | undefined): Record<string, number> | undefined {
  const usage = raw?.usage as Record<string, unknown> | undefined
  if (usage === undefined || usage === null) return undefined
  const result: Record<string, number> = {}
  const input = usage.prompt_tokens ?? usage.input_tokens
  const output = usage.completion_tokens ?? usage.output_tokens
  if (typeof input === 'number') result.input_tokens = input
  if (typeof output === 'number') result.output_tokens = output
  if (typeof usage.total_tokens === 'number') result.total_tokens = usage.total_tokens
  else if (typeof input === 'number' && typeof output === 'number') result.total_tokens = input + output
  return Object.keys(result).length === 0 ? undefined : result
}

/**
 * Attests LlamaIndex work by listening to its callback events: every LLM call (`llm-start` /
 * `llm-end`, streamed or not: messages in, the assistant message out, model id, token usage,
 * finish reason), every tool call (`llm-tool-call` / `llm-tool-result`, linked to the LLM call that
 * asked for it), and every retrieval (`retrieve-start` / `retrieve-end`: the query and the nodes).
 * LlamaIndex's event ids are the records' idempotency keys. LlamaIndex dispatches events in a
 * microtask, off the call path. Returns a function that detaches the listeners.
 *
 * @example
 * ```ts
 * import { Settings } from 'llamaindex'
 * const detach = attachMima(Settings.callbackManager, { mima })
 * await index.asQueryEngine().query({ query: 'What is RFC 9162?' })
 * await mima.flush()
 * ```
 */
export function attachMima(callbackManager: CallbackManagerLike, options: AttachMimaOptions): () => void {
  const mima = options?.mima
  if (typeof mima?.record !== 'function') {
    throw new MimaError('config_invalid', 'attachMima needs { mima }: a client made by createMima().')
  }
  if (typeof callbackManager?.on !== 'function') {
    throw new MimaError(
      'config_invalid',
      'attachMima needs a LlamaIndex CallbackManager (Settings.callbackManager).',
    )
  }
  const prefix = options.toolNamePrefix ?? 'llamaindex'
  const llmCalls = new Map<string, OpenCall>()
  const retrievals = new Map<string, OpenCall>()
  const toolCalls = new Map<string, OpenCall & { readonly parent: string | undefined }>()
  // Which LLM call asked for each tool call (its id is in the assistant message's toolCall option).
  const askedBy = new Map<string, string>()

  const handlers: Record<string, (event: EventLike) => void> = {
    'llm-start': ({ detail }) => {
      const messages = (detail.messages as ChatMessageLike[] | undefined) ?? []
      remember(llmCalls, String(detail.id), {
        startedAt: Date.now(),
        started: monotonic(),
        input: messages.slice(),
      })
    },
    'llm-end': ({ detail }) => {
      const id = String(detail.id)
      const call = llmCalls.get(id)
      llmCalls.delete(id)
      const response = detail.response as { message?: ChatMessageLike; raw?: unknown } | undefined
      const raw = (Array.isArray(response?.raw) ? undefined : response?.raw) as
        | Record<string, unknown>
        | undefined
      const metadata: Record<string, unknown> = { framework: 'llamaindex', event_id: id }
      const usage = usageOf(raw)
      if (usage !== undefined) metadata.usage = usage
      const finish = (raw?.choices as { finish_reason?: unknown }[] | undefined)?.[0]?.finish_reason
      if (typeof finish === 'string') metadata.finish_reason = finish
      for (const toolCall of response?.message?.options?.toolCall ?? [])
        if (typeof toolCall.id === 'string') remember(askedBy, toolCall.id, id)
      const startedAt = call?.startedAt ?? Date.now()
      mima.record({
        toolName: `${prefix}:llm`,
        input: (call?.input as ChatMessageLike[] | undefined)?.map(message) ?? null,
        output: message(response?.message),
        ...(typeof raw?.model === 'string' ? { modelId: raw.model } : {}),
        startedAt,
        durationMs: call === undefined ? 0 : Math.round((monotonic() - call.started) * 1000) / 1000,
        idempotencyKey: id,
        metadata,
      })
    },
    'llm-tool-call': ({ detail }) => {
      const toolCall = detail.toolCall as { id?: string; name?: string; input?: unknown }
      const key = toolCall.id ?? `${toolCall.name}:${Date.now()}`
      remember(toolCalls, key, {
        startedAt: Date.now(),
        started: monotonic(),
        input: toolCall.input,
        parent: toolCall.id === undefined ? undefined : askedBy.get(toolCall.id),
      })
    },
    'llm-tool-result': ({ detail }) => {
      const toolCall = detail.toolCall as { id?: string; name?: string; input?: unknown }
      const result = detail.toolResult as { output?: unknown; isError?: boolean } | undefined
      const open = toolCall.id === undefined ? undefined : toolCalls.get(toolCall.id)
      if (toolCall.id !== undefined) toolCalls.delete(toolCall.id)
      const parent = open?.parent ?? (toolCall.id === undefined ? undefined : askedBy.get(toolCall.id))
      mima.record({
        toolName: `${prefix}:tool:${toolCall.name ?? 'tool'}`,
        input: toolCall.input,
        ...(result?.isError ? { errorType: 'ToolError' } : { output: result?.output }),
        startedAt: open?.startedAt ?? Date.now(),
        durationMs: open === undefined ? 0 : Math.round((monotonic() - open.started) * 1000) / 1000,
        ...(parent === undefined ? {} : { parentIdempotencyKey: parent }),
        metadata: {
          framework: 'llamaindex',
          ...(toolCall.id === undefined ? {} : { tool_call_id: toolCall.id }),
        },
      })
    },
    'retrieve-start': ({ detail }) => {
      remember(retrievals, String(detail.id), {
        startedAt: Date.now(),
        started: monotonic(),
        input: detail.query,
      })
    },
    'retrieve-end': ({ detail }) => {
      const id = String(detail.id)
      const open = retrievals.get(id)
      retrievals.delete(id)
      const nodes =
        (detail.nodes as { node?: { id_?: string; text?: string }; score?: number }[] | undefined) ?? []
      mima.record({
        toolName: `${prefix}:retrieve`,
        input: open?.input ?? detail.query,
        output: nodes.map((entry) => ({ id: entry.node?.id_, text: entry.node?.text, score: entry.score })),
        startedAt: open?.startedAt ?? Date.now(),
        durationMs: open === undefined ? 0 : Math.round((monotonic() - open.started) * 1000) / 1000,
        idempotencyKey: id,
        metadata: { framework: 'llamaindex', nodes: nodes.length },
      })
    },
  }
  for (const [name, handler] of Object.entries(handlers)) callbackManager.on(name, handler)
  return () => {
    for (const [name, handler] of Object.entries(handlers)) callbackManager.off(name, handler)
  }
}
