import { type Mima, MimaError, runAttested } from '@mima/core'
import {
  finishReasonOf,
  type LlmResultLike,
  lazy,
  normaliseChainValue,
  normaliseDocuments,
  normaliseGenerations,
  normaliseMessage,
  normaliseToolOutput,
  usageOf,
} from './langchain-values'

/** Options of {@link createMimaCallbackHandler}. */
export interface MimaCallbackHandlerOptions {
  /** The Mima client the records go to (`createMima`). */
  readonly mima: Mima
  /** Prefix of every recorded tool name (default `langchain`: `langchain:chat_model`, `langchain:tool:search`). */
  readonly toolNamePrefix?: string
  /** Record chain steps (runnables, graph nodes) too (default true). */
  readonly recordChains?: boolean
  /**
   * Await the handler inside each call (default false: LangChain runs it in the background, off the
   * call path; `awaitAllCallbacks()` from `@langchain/core/callbacks/promises` waits for it).
   */
  readonly awaitHandlers?: boolean
}

/** What LangChain passes as the serialised component (`Serialized`). */
interface SerializedLike {
  readonly id?: readonly string[]
  readonly name?: string
}

interface OpenRun {
  readonly kind: 'llm' | 'chat_model' | 'chain' | 'tool' | 'retriever'
  readonly toolName: string
  readonly startedAt: number
  readonly started: number
  readonly parentRunId: string | undefined
  readonly input: unknown
  readonly modelId?: string | undefined
  readonly metadata: Record<string, unknown>
}

const monotonic = (): number => performance.now()
const MAX_OPEN_RUNS = 10_000

function componentName(serialized: SerializedLike | undefined, runName: string | undefined): string {
  return runName ?? serialized?.name ?? serialized?.id?.[serialized.id.length - 1] ?? 'unnamed'
}

function modelIdOf(
  extraParams: Record<string, unknown> | undefined,
  metadata: Record<string, unknown> | undefined,
): string | undefined {
  const invocation = extraParams?.invocation_params as Record<string, unknown> | undefined
  const id = invocation?.model ?? invocation?.model_name ?? invocation?.modelName ?? metadata?.ls_model_name
  return typeof id === 'string' && id !== '' ? id : undefined
}

/**
 * A LangChain callback handler that attests every LLM and chat-model call, tool call, retriever
 * call and chain step (runnables, LangGraph nodes) through `mima.record`: real input and output
 * hashes, the model id, token usage, finish reason, and LangChain's run ids as the records'
 * idempotency keys, so `parent_idempotency_key` links each step to the run that started it. Errors
 * are recorded with their type. It imports nothing from `@langchain/core` at run time (LangChain
 * recognises handlers by shape), so it works with every 1.x copy.
 */
export class MimaCallbackHandler {
  /** The handler's name, as LangChain reports it. */
  readonly name: string = 'MimaCallbackHandler'
  readonly awaitHandlers: boolean
  readonly raiseError: boolean = false
  readonly ignoreLLM: boolean = false
  readonly ignoreChain: boolean
  readonly ignoreAgent: boolean = false
  readonly ignoreRetriever: boolean = false
  readonly ignoreCustomEvent: boolean = true
  readonly lc_serializable: boolean = false
  readonly mima: Mima
  readonly #prefix: string
  readonly #runs = new Map<string, OpenRun>()

  constructor(options: MimaCallbackHandlerOptions) {
    if (typeof options?.mima?.record !== 'function') {
      throw new MimaError(
        'config_invalid',
        'MimaCallbackHandler needs { mima }: a client made by createMima().',
      )
    }
    this.mima = options.mima
    this.#prefix = options.toolNamePrefix ?? 'langchain'
    this.ignoreChain = options.recordChains === false
    this.awaitHandlers = options.awaitHandlers ?? false
  }

  /** LangChain copies handlers into child runs; one handler keeps one set of open runs. */
  copy(): this {
    return this
  }

  /**
   * Runs `fn` as attested work: model and SDK calls made inside count as attested for
   * `@mima/guard`, e.g. `await handler.attested('answer', () => chain.invoke(input, { callbacks: [handler] }))`.
   */
  attested<T>(name: string, fn: () => T): T {
    return runAttested({ toolName: `${this.#prefix}:${name}`, systemName: this.mima.systemName }, fn)
  }

  #open(runId: string, run: OpenRun): void {
    if (this.#runs.size >= MAX_OPEN_RUNS) {
      const oldest = this.#runs.keys().next().value
      if (oldest !== undefined) this.#runs.delete(oldest)
    }
    this.#runs.set(runId, run)
  }

  #close(
    runId: string,
    outcome: { output?: unknown; error?: unknown; extra?: Record<string, unknown> },
  ): void {
    const run = this.#runs.get(runId)
    if (run === undefined) return
    this.#runs.delete(runId)
    const metadata = outcome.extra === undefined ? run.metadata : { ...run.metadata, ...outcome.extra }
    this.mima.record({
      toolName: run.toolName,
      input: run.input,
      ...('output' in outcome ? { output: outcome.output } : {}),
      ...(run.modelId === undefined ? {} : { modelId: run.modelId }),
      startedAt: run.startedAt,
      durationMs: Math.round((monotonic() - run.started) * 1000) / 1000,
      ...('error' in outcome
        ? { errorType: outcome.error instanceof Error ? outcome.error.name : typeof outcome.error }
        : {}),
      idempotencyKey: runId,
      ...(run.parentRunId === undefined ? {} : { parentIdempotencyKey: run.parentRunId }),
      metadata,
    })
  }

  #start(
    kind: OpenRun['kind'],
    name: string,
    runId: string,
    parentRunId: string | undefined,
    input: unknown,
    extra: { modelId?: string | undefined; metadata?: Record<string, unknown> | undefined; runName?: string },
  ): void {
    const metadata: Record<string, unknown> = { framework: 'langchain', run_type: kind, run_id: runId }
    if (parentRunId !== undefined) metadata.parent_run_id = parentRunId
    const provider = extra.metadata?.ls_provider
    if (typeof provider === 'string') metadata.provider = provider
    const node = extra.metadata?.langgraph_node
    if (typeof node === 'string') metadata.langgraph_node = node
    this.#open(runId, {
      kind,
      toolName:
        kind === 'llm' || kind === 'chat_model'
          ? `${this.#prefix}:${kind}`
          : `${this.#prefix}:${kind}:${name}`,
      startedAt: Date.now(),
      started: monotonic(),
      parentRunId,
      input,
      modelId: extra.modelId,
      metadata,
    })
  }

  handleLLMStart(
    llm: SerializedLike,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.#start('llm', componentName(llm, runName), runId, parentRunId, prompts.slice(), {
      modelId: modelIdOf(extraParams, metadata),
      metadata,
    })
  }

  handleChatModelStart(
    llm: SerializedLike,
    messages: unknown[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    // A shallow copy: the caller may append to its message list after the call.
    const batches = messages.map((batch) => batch.slice())
    this.#start(
      'chat_model',
      componentName(llm, runName),
      runId,
      parentRunId,
      lazy(() => batches.map((batch) => batch.map(normaliseMessage))),
      { modelId: modelIdOf(extraParams, metadata), metadata },
    )
  }

  handleLLMEnd(output: LlmResultLike, runId: string): void {
    const extra: Record<string, unknown> = {}
    const usage = usageOf(output)
    if (usage !== undefined) extra.usage = usage
    const finishReason = finishReasonOf(output)
    if (finishReason !== undefined) extra.finish_reason = finishReason
    this.#close(runId, { output: lazy(() => normaliseGenerations(output)), extra })
  }

  handleLLMError(error: unknown, runId: string): void {
    this.#close(runId, { error })
  }

  handleChainStart(
    chain: SerializedLike,
    inputs: unknown,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): void {
    this.#start(
      'chain',
      componentName(chain, runName),
      runId,
      parentRunId,
      lazy(() => normaliseChainValue(inputs)),
      {
        metadata,
      },
    )
  }

  handleChainEnd(outputs: unknown, runId: string): void {
    this.#close(runId, { output: lazy(() => normaliseChainValue(outputs)) })
  }

  handleChainError(error: unknown, runId: string): void {
    // A LangGraph interrupt ends its node with a GraphInterrupt: a pause, not a failure.
    const name = error instanceof Error ? error.name : ''
    if (name === 'GraphInterrupt' || name === 'NodeInterrupt') {
      this.#close(runId, { extra: { interrupted: true } })
      return
    }
    this.#close(runId, { error })
  }

  handleToolStart(
    tool: SerializedLike,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    this.#start('tool', componentName(tool, runName), runId, parentRunId, input, { metadata })
    if (toolCallId !== undefined)
      (this.#runs.get(runId)?.metadata as Record<string, unknown>).tool_call_id = toolCallId
  }

  handleToolEnd(output: unknown, runId: string): void {
    this.#close(runId, { output: lazy(() => normaliseToolOutput(output)) })
  }

  handleToolError(error: unknown, runId: string): void {
    this.#close(runId, { error })
  }

  handleRetrieverStart(
    retriever: SerializedLike,
    query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.#start('retriever', componentName(retriever, name), runId, parentRunId, query, { metadata })
  }

  handleRetrieverEnd(documents: unknown, runId: string): void {
    this.#close(runId, { output: lazy(() => normaliseDocuments(documents)) })
  }

  handleRetrieverError(error: unknown, runId: string): void {
    this.#close(runId, { error })
  }
}

/**
 * Creates a {@link MimaCallbackHandler}.
 *
 * @example
 * ```ts
 * const mima = createMima({ systemName: 'research-assistant' })
 * const handler = createMimaCallbackHandler({ mima })
 * await chain.invoke({ question: 'What is RFC 9162?' }, { callbacks: [handler] })
 * await awaitAllCallbacks() // from @langchain/core/callbacks/promises
 * await mima.flush()
 * ```
 */
export function createMimaCallbackHandler(options: MimaCallbackHandlerOptions): MimaCallbackHandler {
  return new MimaCallbackHandler(options)
}
