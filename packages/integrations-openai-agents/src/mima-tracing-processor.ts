import { type Mima, MimaError } from '@mima/core'

/** What the processor reads of an Agents SDK trace (`Trace`). */
export interface TraceLike {
  readonly traceId: string
  readonly name: string
  readonly groupId?: string | null
  readonly metadata?: Record<string, unknown> | undefined
}

/** What the processor reads of an Agents SDK span (`Span`): its data and its place in the tree. */
export interface SpanLike {
  readonly traceId: string
  readonly spanId: string
  readonly parentId: string | null
  readonly spanData: { readonly type: string } & Record<string, unknown>
  readonly startedAt: string | null
  readonly endedAt: string | null
  readonly error: { readonly message: string; readonly data?: Record<string, unknown> } | null
}

/** Options of {@link createMimaTracingProcessor}. */
export interface MimaTracingProcessorOptions {
  readonly mima: Mima
  /** Prefix of every recorded tool name (default `openai-agents`). */
  readonly toolNamePrefix?: string
  /** Span types not to record (default: `turn`, `task`; the run and its steps are recorded). */
  readonly ignoreSpanTypes?: readonly string[]
}

/** A tracing processor for `addTraceProcessor` / `setTraceProcessors` of `@openai/agents`. */
export interface MimaTracingProcessor {
  start(): void
  onTraceStart(trace: TraceLike): Promise<void>
  onTraceEnd(trace: TraceLike): Promise<void>
  onSpanStart(span: SpanLike): Promise<void>
  onSpanEnd(span: SpanLike): Promise<void>
  shutdown(timeout?: number): Promise<void>
  forceFlush(): Promise<void>
}

function usageOf(data: Record<string, unknown>): Record<string, number> | undefined {
  const usage = (data.usage ?? (data._response as { usage?: unknown } | undefined)?.usage) as
    | Record<string, unknown>
    | undefined
  if (usage === undefined || usage === null) return undefined
  const result: Record<string, number> = {}
  for (const [from, to] of [
    ['input_tokens', 'input_tokens'],
    ['output_tokens', 'output_tokens'],
    ['total_tokens', 'total_tokens'],
    ['prompt_tokens', 'input_tokens'],
    ['completion_tokens', 'output_tokens'],
  ] as const) {
    const value = usage[from]
    if (typeof value === 'number' && result[to] === undefined) result[to] = value
  }
  if (
    result.total_tokens === undefined &&
    result.input_tokens !== undefined &&
    result.output_tokens !== undefined
  )
    result.total_tokens = result.input_tokens + result.output_tokens
  return Object.keys(result).length === 0 ? undefined : result
}

/** The tool name, input, output and facts of one span. */
function describe(
  prefix: string,
  data: SpanLike['spanData'],
): {
  toolName: string
  input?: unknown
  output?: unknown
  modelId?: string
  metadata: Record<string, unknown>
} {
  const name = typeof data.name === 'string' ? data.name : undefined
  const metadata: Record<string, unknown> = { framework: 'openai-agents', span_type: data.type }
  switch (data.type) {
    case 'agent':
      return {
        toolName: `${prefix}:agent:${name ?? 'agent'}`,
        metadata: { ...metadata, tools: data.tools, handoffs: data.handoffs },
      }
    case 'function':
      return {
        toolName: `${prefix}:tool:${name ?? 'tool'}`,
        input: data.input,
        output: data.output,
        metadata,
      }
    case 'generation': {
      const usage = usageOf(data)
      return {
        toolName: `${prefix}:generation`,
        input: data.input,
        output: data.output,
        ...(typeof data.model === 'string' ? { modelId: data.model } : {}),
        metadata: usage === undefined ? metadata : { ...metadata, usage },
      }
    }
    case 'response': {
      const response = data._response as { model?: unknown; output?: unknown; status?: unknown } | undefined
      const usage = usageOf(data)
      return {
        toolName: `${prefix}:generation`,
        input: data._input,
        output: response?.output,
        ...(typeof response?.model === 'string' ? { modelId: response.model } : {}),
        metadata: {
          ...metadata,
          ...(usage === undefined ? {} : { usage }),
          ...(typeof response?.status === 'string' ? { finish_reason: response.status } : {}),
          ...(typeof data.response_id === 'string' ? { response_id: data.response_id } : {}),
        },
      }
    }
    case 'handoff':
      return {
        toolName: `${prefix}:handoff`,
        input: { from_agent: data.from_agent },
        output: { to_agent: data.to_agent },
        metadata: { ...metadata, from_agent: data.from_agent, to_agent: data.to_agent },
      }
    case 'guardrail':
      return {
        toolName: `${prefix}:guardrail:${name ?? 'guardrail'}`,
        output: { triggered: data.triggered },
        metadata: { ...metadata, triggered: data.triggered },
      }
    default:
      return { toolName: `${prefix}:${data.type}${name === undefined ? '' : `:${name}`}`, metadata }
  }
}

function millis(iso: string | null): number | undefined {
  if (iso === null) return undefined
  const value = Date.parse(iso)
  return Number.isNaN(value) ? undefined : value
}

/**
 * Creates a tracing processor that attests every `@openai/agents` run (trace), agent, generation,
 * tool call, handoff and guardrail through `mima.record`: the SDK's trace and span ids are the
 * records' idempotency keys and each span's parent (or its trace) is `parent_idempotency_key`.
 * Register it with `setTraceProcessors([processor])` (replacing the default exporter, which sends
 * traces to OpenAI) or `addTraceProcessor(processor)`.
 *
 * @example
 * ```ts
 * setTraceProcessors([createMimaTracingProcessor({ mima })])
 * await run(agent, 'Where is order A-17?')
 * await mima.flush()
 * ```
 */
export function createMimaTracingProcessor(options: MimaTracingProcessorOptions): MimaTracingProcessor {
  const mima = options?.mima
  if (typeof mima?.record !== 'function') {
    throw new MimaError(
      'config_invalid',
      'createMimaTracingProcessor needs { mima }: a client made by createMima().',
    )
  }
  const prefix = options.toolNamePrefix ?? 'openai-agents'
  const ignored = new Set(options.ignoreSpanTypes ?? ['turn', 'task'])
  const traces = new Map<string, number>()
  // Spans not recorded hand their children to their own parent, so every parent link resolves.
  const skipped = new Map<string, string>()
  const parentOf = (span: SpanLike): string => {
    const parent = span.parentId ?? span.traceId
    return skipped.get(parent) ?? parent
  }
  return {
    start() {},
    async onTraceStart(trace) {
      traces.set(trace.traceId, Date.now())
    },
    async onTraceEnd(trace) {
      const startedAt = traces.get(trace.traceId) ?? Date.now()
      traces.delete(trace.traceId)
      mima.record({
        toolName: `${prefix}:run:${trace.name}`,
        startedAt,
        durationMs: Date.now() - startedAt,
        idempotencyKey: trace.traceId,
        metadata: {
          framework: 'openai-agents',
          span_type: 'trace',
          ...(trace.groupId ? { group_id: trace.groupId } : {}),
        },
      })
    },
    async onSpanStart(span) {
      if (ignored.has(span.spanData.type)) skipped.set(span.spanId, parentOf(span))
    },
    async onSpanEnd(span) {
      if (ignored.has(span.spanData.type)) {
        skipped.delete(span.spanId)
        return
      }
      const described = describe(prefix, span.spanData)
      const startedAt = millis(span.startedAt) ?? Date.now()
      const endedAt = millis(span.endedAt) ?? Date.now()
      mima.record({
        toolName: described.toolName,
        ...('input' in described ? { input: described.input } : {}),
        ...('output' in described && span.error === null ? { output: described.output } : {}),
        ...(described.modelId === undefined ? {} : { modelId: described.modelId }),
        startedAt,
        durationMs: Math.max(0, endedAt - startedAt),
        ...(span.error === null ? {} : { errorType: String(span.error.data?.name ?? 'SpanError') }),
        idempotencyKey: span.spanId,
        parentIdempotencyKey: parentOf(span),
        metadata: { ...described.metadata, trace_id: span.traceId },
      })
    },
    async shutdown() {
      await mima.flush()
    },
    async forceFlush() {
      await mima.flush()
    },
  }
}
