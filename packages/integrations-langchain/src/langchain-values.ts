// Reads what LangChain hands its callbacks (messages, LLM results, documents) without importing
// @langchain/core, so one build serves every 1.x copy. Everything here runs when the outbox
// drains (through `toJSON`), not in the callback.

/** The parts of a `BaseMessage` that say what was said. */
interface MessageLike {
  readonly content?: unknown
  readonly name?: string
  readonly tool_calls?: readonly { readonly name: string; readonly args: unknown; readonly id?: string }[]
  readonly tool_call_id?: string
  readonly usage_metadata?: {
    readonly input_tokens?: number
    readonly output_tokens?: number
    readonly total_tokens?: number
  }
  readonly response_metadata?: Record<string, unknown>
  getType?: () => string
  _getType?: () => string
}

/** One generation of an `LLMResult`. */
interface GenerationLike {
  readonly text?: string
  readonly message?: MessageLike
  readonly generationInfo?: Record<string, unknown>
}

/** An `LLMResult`. */
export interface LlmResultLike {
  readonly generations?: readonly (readonly GenerationLike[])[]
  readonly llmOutput?: Record<string, unknown> | null
}

function messageType(message: MessageLike): string {
  try {
    return message.getType?.() ?? message._getType?.() ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** A message as hashed: its role and what it says, without ids or provider metadata. */
export function normaliseMessage(message: unknown): unknown {
  if (typeof message !== 'object' || message === null) return message
  const value = message as MessageLike
  const result: Record<string, unknown> = { role: messageType(value), content: value.content ?? '' }
  if (value.name) result.name = value.name
  if (value.tool_calls?.length)
    result.tool_calls = value.tool_calls.map((call) => ({ name: call.name, args: call.args, id: call.id }))
  if (value.tool_call_id) result.tool_call_id = value.tool_call_id
  return result
}

/** The generations of an LLM result as hashed: text, or the message for chat models. */
export function normaliseGenerations(result: LlmResultLike): unknown {
  return (result.generations ?? []).map((choices) =>
    choices.map((generation) =>
      generation.message === undefined
        ? { text: generation.text ?? '' }
        : normaliseMessage(generation.message),
    ),
  )
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** Token usage from `llmOutput.tokenUsage` (OpenAI style) or the message's `usage_metadata`. */
export function usageOf(result: LlmResultLike): Record<string, number> | undefined {
  const tokenUsage = (result.llmOutput?.tokenUsage ?? result.llmOutput?.estimatedTokenUsage) as
    | Record<string, unknown>
    | undefined
  let input = numberOr(tokenUsage?.promptTokens)
  let output = numberOr(tokenUsage?.completionTokens)
  let total = numberOr(tokenUsage?.totalTokens)
  if (input === undefined && output === undefined) {
    const usage = result.generations?.[0]?.[0]?.message?.usage_metadata
    input = numberOr(usage?.input_tokens)
    output = numberOr(usage?.output_tokens)
    total = numberOr(usage?.total_tokens)
  }
  if (input === undefined && output === undefined && total === undefined) return undefined
  const usage: Record<string, number> = {}
  if (input !== undefined) usage.input_tokens = input
  if (output !== undefined) usage.output_tokens = output
  if (total !== undefined) usage.total_tokens = total
  else if (input !== undefined && output !== undefined) usage.total_tokens = input + output
  return usage
}

/** The finish reason of the first generation, where the provider reports one. */
export function finishReasonOf(result: LlmResultLike): string | undefined {
  const generation = result.generations?.[0]?.[0]
  const reason =
    generation?.generationInfo?.finish_reason ??
    generation?.message?.response_metadata?.finish_reason ??
    generation?.message?.response_metadata?.stop_reason
  return typeof reason === 'string' ? reason : undefined
}

/** Documents as hashed: their content and metadata. */
export function normaliseDocuments(documents: unknown): unknown {
  if (!Array.isArray(documents)) return documents
  return documents.map((document: { pageContent?: unknown; metadata?: unknown }) => ({
    page_content: document?.pageContent ?? '',
    metadata: document?.metadata ?? {},
  }))
}

/** A tool's output as hashed: a `ToolMessage`'s content, or the value itself. */
export function normaliseToolOutput(output: unknown): unknown {
  if (typeof output === 'object' && output !== null && 'content' in output && 'tool_call_id' in output)
    return (output as { content: unknown }).content
  return output
}

/** A value whose hashable form is computed only when the record is sent. */
export function lazy(compute: () => unknown): { toJSON(): unknown } {
  return { toJSON: compute }
}

function isMessage(value: object): value is MessageLike {
  return (
    typeof (value as MessageLike).getType === 'function' ||
    typeof (value as MessageLike)._getType === 'function'
  )
}

/** Chain inputs and outputs as hashed: messages (wherever they sit) by role and content, ids left out. */
export function normaliseChainValue(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 16) return value
  if (isMessage(value)) return normaliseMessage(value)
  if (Array.isArray(value)) return value.map((item) => normaliseChainValue(item, depth + 1))
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value // Dates, Maps, … (toHashable)
  const result: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) result[key] = normaliseChainValue(item, depth + 1)
  return result
}
