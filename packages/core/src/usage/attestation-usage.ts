import type { AttestationPayload } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'

/**
 * What a model call used and cost, as carried by an attestation (wire fields `provider`,
 * `operation`, `input_tokens`, `output_tokens`, `cached_tokens`, `cost_usd`, `session_id`,
 * `parent_attestation_id`, `metadata`). Every field is optional; `0` is kept as a real value.
 */
export interface AttestationUsage {
  /** `openai`, `anthropic`, `google`, `mistral`, `meta`, `deepseek`, `xai`, … */
  readonly provider?: string
  /** `chat.completions`, `responses`, `embeddings`, `messages`, … */
  readonly operation?: string
  /** Input tokens, cached ones included. */
  readonly inputTokens?: number
  /** Output tokens (reasoning tokens included). */
  readonly outputTokens?: number
  /** The part of `inputTokens` read from the provider's prompt cache. */
  readonly cachedTokens?: number
  /** Cost in US dollars; leave it out when the model has no price (never send 0 for "unknown"). */
  readonly costUsd?: number
  /** The agent session the call belongs to. */
  readonly sessionId?: string
  /**
   * The attestation (idempotency key or server id) of the step that caused this call. To link to a
   * record that may still be queued, use `mima.record`'s `parentIdempotencyKey` (decision 0033).
   */
  readonly parentAttestationId?: string
  /** A small JSON object of free metadata. */
  readonly metadata?: Readonly<Record<string, unknown>>
}

type UsageWire = Pick<
  AttestationPayload,
  | 'provider'
  | 'operation'
  | 'input_tokens'
  | 'output_tokens'
  | 'cached_tokens'
  | 'cost_usd'
  | 'session_id'
  | 'parent_attestation_id'
  | 'metadata'
>

function tokenCount(value: number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value) || value < 0)
    throw new MimaError('validation_failed', `usage.${field} must be a non-negative integer, not ${value}.`)
  return value
}

function shortString(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0 || value.length > 500)
    throw new MimaError('validation_failed', `usage.${field} must be a string of 1 to 500 characters.`)
  return value
}

/**
 * Validates `usage` and returns its wire fields (snake_case, absent fields left out). Throws
 * `validation_failed` for negative or fractional token counts, a negative or non-finite cost, or
 * metadata that is not a plain object.
 *
 * @example
 * ```ts
 * usageWireFields({ provider: 'openai', inputTokens: 12, outputTokens: 3, costUsd: 0.00006 })
 * // { provider: 'openai', input_tokens: 12, output_tokens: 3, cost_usd: 0.00006 }
 * ```
 */
export function usageWireFields(usage: AttestationUsage): UsageWire {
  const wire: UsageWire = {}
  const provider = shortString(usage.provider, 'provider')
  if (provider !== undefined) wire.provider = provider
  const operation = shortString(usage.operation, 'operation')
  if (operation !== undefined) wire.operation = operation
  const input = tokenCount(usage.inputTokens, 'inputTokens')
  if (input !== undefined) wire.input_tokens = input
  const output = tokenCount(usage.outputTokens, 'outputTokens')
  if (output !== undefined) wire.output_tokens = output
  const cached = tokenCount(usage.cachedTokens, 'cachedTokens')
  if (cached !== undefined) wire.cached_tokens = cached
  if (usage.costUsd !== undefined) {
    if (typeof usage.costUsd !== 'number' || !Number.isFinite(usage.costUsd) || usage.costUsd < 0)
      throw new MimaError(
        'validation_failed',
        `usage.costUsd must be a non-negative number, not ${usage.costUsd}.`,
      )
    wire.cost_usd = usage.costUsd
  }
  const session = shortString(usage.sessionId, 'sessionId')
  if (session !== undefined) wire.session_id = session
  const parent = shortString(usage.parentAttestationId, 'parentAttestationId')
  if (parent !== undefined) wire.parent_attestation_id = parent
  if (usage.metadata !== undefined) {
    if (typeof usage.metadata !== 'object' || usage.metadata === null || Array.isArray(usage.metadata))
      throw new MimaError('validation_failed', 'usage.metadata must be a plain JSON object.')
    wire.metadata = { ...usage.metadata }
  }
  return wire
}
