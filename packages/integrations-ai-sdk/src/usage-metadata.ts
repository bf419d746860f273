import type { ModelFinishReason, ModelUsage } from './model-types'

/** Token usage as recorded in `metadata.usage` (snake_case, numbers only, unknowns left out). */
export interface UsageMetadata {
  input_tokens?: number
  output_tokens?: number
  total_tokens?: number
  cached_input_tokens?: number
  reasoning_tokens?: number
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** Reads the spec v3/v4 nested usage (`inputTokens.total`, …) and the older flat numbers alike. */
export function usageMetadata(usage: ModelUsage | undefined): UsageMetadata | undefined {
  if (usage === undefined || usage === null) return undefined
  const result: UsageMetadata = {}
  const input = usage.inputTokens
  const output = usage.outputTokens
  const inputTokens = typeof input === 'object' && input !== null ? count(input.total) : count(input)
  const outputTokens = typeof output === 'object' && output !== null ? count(output.total) : count(output)
  if (inputTokens !== undefined) result.input_tokens = inputTokens
  if (outputTokens !== undefined) result.output_tokens = outputTokens
  const total =
    count(usage.totalTokens) ??
    (inputTokens !== undefined && outputTokens !== undefined ? inputTokens + outputTokens : undefined)
  if (total !== undefined) result.total_tokens = total
  const cached = typeof input === 'object' && input !== null ? count(input.cacheRead) : undefined
  if (cached !== undefined) result.cached_input_tokens = cached
  const reasoning = typeof output === 'object' && output !== null ? count(output.reasoning) : undefined
  if (reasoning !== undefined) result.reasoning_tokens = reasoning
  return result
}

/** `stop`, `length`, `tool-calls`, … from either finish reason shape. */
export function finishReasonOf(reason: ModelFinishReason | undefined): string | undefined {
  if (reason === undefined || reason === null) return undefined
  return typeof reason === 'string' ? reason : reason.unified
}
