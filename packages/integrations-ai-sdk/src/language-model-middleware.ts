import { type Mima, runAttested, uuidv7 } from '@mima/core'
import type {
  ContentPart,
  GenerateResult,
  ModelCallParams,
  ModelFinishReason,
  ModelUsage,
  StreamPart,
  StreamResult,
  WrappedModel,
} from './model-types'
import type { RunLinks, StepLink } from './run-links'
import { finishReasonOf, usageMetadata } from './usage-metadata'

/**
 * A language-model middleware for `wrapLanguageModel` (`ai` 6 and 7). Declared structurally: it is
 * assignable to `LanguageModelMiddleware` of both majors.
 */
export interface MimaLanguageModelMiddleware {
  readonly specificationVersion: 'v3'
  wrapGenerate(options: {
    doGenerate: () => PromiseLike<GenerateResult>
    params: ModelCallParams
    model: WrappedModel
  }): Promise<never>
  wrapStream(options: {
    doStream: () => PromiseLike<StreamResult>
    params: ModelCallParams
    model: WrappedModel
  }): Promise<never>
}

const monotonic = (): number => performance.now()

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error
}

interface StepContext {
  readonly mima: Mima
  readonly links: RunLinks
}

/** What is known when a model call starts; the record is written when it ends. */
class Step {
  readonly startedAt = Date.now()
  readonly started = monotonic()
  readonly run: StepLink | undefined

  constructor(
    readonly context: StepContext,
    readonly toolName: string,
    readonly params: ModelCallParams,
    readonly model: WrappedModel,
  ) {
    this.run = context.links.runOf(params.prompt)
  }

  /** Records the step; remembers its tool calls so their executions and later steps link to the run. */
  end(outcome: {
    content?: readonly ContentPart[]
    usage?: ModelUsage | undefined
    finishReason?: ModelFinishReason | undefined
    modelId?: string | undefined
    error?: unknown
    aborted?: boolean
  }): void {
    const params = this.params
    const metadata: Record<string, unknown> = { framework: 'ai-sdk', provider: this.model.provider }
    const usage = usageMetadata(outcome.usage)
    if (usage !== undefined) metadata.usage = usage
    const finishReason = outcome.aborted ? 'aborted' : finishReasonOf(outcome.finishReason)
    if (finishReason !== undefined) metadata.finish_reason = finishReason
    if (params.responseFormat?.type === 'json') metadata.response_format = 'json'
    const key = uuidv7(this.startedAt)
    metadata.run_id = this.run?.runKey ?? key
    const failed = outcome.error !== undefined || outcome.aborted === true
    this.context.mima.record({
      toolName: this.toolName,
      input: { prompt: params.prompt, tools: params.tools, response_format: params.responseFormat },
      ...(outcome.content === undefined ? {} : { output: outcome.content }),
      modelId: outcome.modelId ?? this.model.modelId,
      startedAt: this.startedAt,
      idempotencyKey: key,
      durationMs: Math.round((monotonic() - this.started) * 1000) / 1000,
      ...(failed ? { errorType: outcome.aborted ? 'AbortError' : errorName(outcome.error) } : {}),
      ...(this.run === undefined ? {} : { parentIdempotencyKey: this.run.runKey }),
      metadata,
    })
    const link: StepLink = { stepKey: key, runKey: this.run?.runKey ?? key }
    for (const part of outcome.content ?? []) {
      if (part.type === 'tool-call' && typeof part.toolCallId === 'string')
        this.context.links.remember(part.toolCallId, link)
    }
  }
}

/** Collects a stream's parts into the content a generate call would have returned. */
class StreamCollector {
  readonly #texts = new Map<string, { type: string; text: string }>()
  readonly content: ContentPart[] = []
  usage: ModelUsage | undefined
  finishReason: ModelFinishReason | undefined
  modelId: string | undefined
  error: unknown

  observe(part: StreamPart): void {
    switch (part.type) {
      case 'text-delta':
      case 'reasoning-delta': {
        const id = `${part.type}:${part.id ?? ''}`
        let entry = this.#texts.get(id)
        if (entry === undefined) {
          entry = { type: part.type === 'text-delta' ? 'text' : 'reasoning', text: '' }
          this.#texts.set(id, entry)
          this.content.push(entry)
        }
        entry.text += part.delta ?? ''
        return
      }
      case 'tool-call':
        this.content.push({
          type: 'tool-call',
          ...(part.toolCallId === undefined ? {} : { toolCallId: part.toolCallId }),
          ...(part.toolName === undefined ? {} : { toolName: part.toolName }),
          input: part.input,
        })
        return
      case 'response-metadata':
        if (typeof part.modelId === 'string') this.modelId = part.modelId
        return
      case 'finish':
        this.usage = part.usage
        this.finishReason = part.finishReason
        return
      case 'error':
        this.error = part.error ?? new Error('stream error')
        return
    }
  }
}

/** Passes a model stream through unchanged and records the step when it ends, fails or is cancelled. */
function observeStream(source: ReadableStream<StreamPart>, step: Step): ReadableStream<StreamPart> {
  const reader = source.getReader()
  const collector = new StreamCollector()
  let ended = false
  const end = (extra: { error?: unknown; aborted?: boolean }): void => {
    if (ended) return
    ended = true
    step.end({
      content: collector.content,
      usage: collector.usage,
      finishReason: collector.finishReason,
      modelId: collector.modelId,
      ...(collector.error === undefined ? {} : { error: collector.error }),
      ...extra,
    })
  }
  return new ReadableStream<StreamPart>({
    async pull(controller) {
      let next: ReadableStreamReadResult<StreamPart>
      try {
        next = await reader.read()
      } catch (error) {
        const aborted = error instanceof Error && error.name === 'AbortError'
        end(aborted ? { aborted: true } : { error })
        controller.error(error)
        return
      }
      if (next.done) {
        end({})
        controller.close()
        return
      }
      collector.observe(next.value)
      controller.enqueue(next.value)
    },
    cancel(reason) {
      end({ aborted: true })
      return reader.cancel(reason)
    },
  })
}

/**
 * Creates the middleware: every `doGenerate` (`generateText`, `generateObject`) and `doStream`
 * (`streamText`, `streamObject`) call is recorded through `mima.record` when it ends, with hashes of
 * the prompt (and tool definitions) and of the content, the model id, token usage and finish reason.
 * Hashing and signing happen when the outbox drains, not here.
 */
export function createLanguageModelMiddleware(
  mima: Mima,
  links: RunLinks,
  options: { readonly toolNamePrefix: string },
): MimaLanguageModelMiddleware {
  const context: StepContext = { mima, links }
  const generateName = `${options.toolNamePrefix}:generate`
  const streamName = `${options.toolNamePrefix}:stream`
  const guardContext = { toolName: generateName, systemName: mima.systemName }
  const streamGuardContext = { toolName: streamName, systemName: mima.systemName }
  return {
    specificationVersion: 'v3',
    async wrapGenerate({ doGenerate, params, model }) {
      const step = new Step(context, generateName, params, model)
      let result: GenerateResult
      try {
        result = await runAttested(guardContext, doGenerate)
      } catch (error) {
        step.end({ error })
        throw error
      }
      step.end({
        content: result.content,
        usage: result.usage,
        finishReason: result.finishReason,
        modelId: result.response?.modelId,
      })
      return result as never
    },
    async wrapStream({ doStream, params, model }) {
      const step = new Step(context, streamName, params, model)
      let result: StreamResult
      try {
        result = await runAttested(streamGuardContext, doStream)
      } catch (error) {
        step.end({ error })
        throw error
      }
      return { ...result, stream: observeStream(result.stream, step) } as never
    },
  }
}
