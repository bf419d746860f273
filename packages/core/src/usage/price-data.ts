/**
 * One model's list price, in US dollars per million tokens.
 */
export interface ModelPrice {
  /** `openai`, `anthropic`, `google`, `mistral`, `meta`, `deepseek`, `xai`. */
  readonly provider: string
  /** Input tokens not read from a cache. */
  readonly inputPerMTok: number
  readonly outputPerMTok: number
  /** Input tokens read from the prompt cache (default: `inputPerMTok`). */
  readonly cachedInputPerMTok?: number
  /** Input tokens written to the prompt cache (Anthropic; default: `inputPerMTok`). */
  readonly cacheWritePerMTok?: number
}

/** A dated, versioned price table: model name (or name prefix) → price. */
export interface PriceTableData {
  /** Bumped whenever a price changes (`YYYY.MM.N`). */
  readonly version: string
  /** The date the list prices were read from the providers' pricing pages (ISO date). */
  readonly pricesAsOf: string
  readonly models: Readonly<Record<string, ModelPrice>>
}

const openai = (input: number, output: number, cached?: number): ModelPrice =>
  cached === undefined
    ? { provider: 'openai', inputPerMTok: input, outputPerMTok: output }
    : { provider: 'openai', inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: cached }
const anthropic = (input: number, output: number): ModelPrice => ({
  provider: 'anthropic',
  inputPerMTok: input,
  outputPerMTok: output,
  // Anthropic: cache reads cost 0.1x the input price, 5-minute cache writes 1.25x.
  cachedInputPerMTok: Math.round(input * 0.1 * 1e6) / 1e6,
  cacheWritePerMTok: Math.round(input * 1.25 * 1e6) / 1e6,
})
const priced =
  (provider: string) =>
  (input: number, output: number, cached?: number): ModelPrice =>
    cached === undefined
      ? { provider, inputPerMTok: input, outputPerMTok: output }
      : { provider, inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: cached }
const google = priced('google')
const mistral = priced('mistral')
const meta = priced('meta')
const deepseek = priced('deepseek')
const xai = priced('xai')

/**
 * The price table shipped with `@mima/core`: list prices (standard tier, no batch discount) of
 * current OpenAI, Anthropic, Google, Mistral, Meta (as hosted by the major inference providers),
 * DeepSeek and xAI models. Dated names (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) match
 * their base entry by prefix. Override or extend it with `createPriceTable({ overrides })`: prices
 * change, and a negotiated rate is yours to set.
 */
export const DEFAULT_PRICE_DATA: PriceTableData = {
  version: '2026.12.0',
  pricesAsOf: '2025-10-01',
  models: {
    // OpenAI
    'gpt-5': openai(1.25, 10, 0.125),
    'gpt-5-mini': openai(0.25, 2, 0.025),
    'gpt-5-nano': openai(0.05, 0.4, 0.005),
    'gpt-5-chat-latest': openai(1.25, 10, 0.125),
    'gpt-4.1': openai(2, 8, 0.5),
    'gpt-4.1-mini': openai(0.4, 1.6, 0.1),
    'gpt-4.1-nano': openai(0.1, 0.4, 0.025),
    'gpt-4o': openai(2.5, 10, 1.25),
    'gpt-4o-mini': openai(0.15, 0.6, 0.075),
    'gpt-4-turbo': openai(10, 30),
    'gpt-4': openai(30, 60),
    'gpt-3.5-turbo': openai(0.5, 1.5),
    o1: openai(15, 60, 7.5),
    'o1-mini': openai(1.1, 4.4, 0.55),
    o3: openai(2, 8, 0.5),
    'o3-mini': openai(1.1, 4.4, 0.55),
    'o4-mini': openai(1.1, 4.4, 0.275),
    'text-embedding-3-small': openai(0.02, 0),
    'text-embedding-3-large': openai(0.13, 0),
    'text-embedding-ada-002': openai(0.1, 0),
    // Anthropic
    'claude-opus-4-5': anthropic(5, 25),
    'claude-opus-4-1': anthropic(15, 75),
    'claude-opus-4': anthropic(15, 75),
    'claude-sonnet-4-5': anthropic(3, 15),
    'claude-sonnet-4': anthropic(3, 15),
    'claude-haiku-4-5': anthropic(1, 5),
    'claude-3-7-sonnet': anthropic(3, 15),
    'claude-3-5-sonnet': anthropic(3, 15),
    'claude-3-5-haiku': anthropic(0.8, 4),
    'claude-3-opus': anthropic(15, 75),
    'claude-3-haiku': anthropic(0.25, 1.25),
    // Google (prompts up to 200k tokens)
    'gemini-2.5-pro': google(1.25, 10, 0.3125),
    'gemini-2.5-flash': google(0.3, 2.5, 0.075),
    'gemini-2.5-flash-lite': google(0.1, 0.4, 0.025),
    'gemini-2.0-flash': google(0.1, 0.4, 0.025),
    'gemini-2.0-flash-lite': google(0.075, 0.3),
    'gemini-1.5-pro': google(1.25, 5),
    'gemini-1.5-flash': google(0.075, 0.3),
    // Mistral
    'mistral-large': mistral(2, 6),
    'mistral-medium': mistral(0.4, 2),
    'mistral-small': mistral(0.1, 0.3),
    codestral: mistral(0.3, 0.9),
    'pixtral-large': mistral(2, 6),
    'ministral-8b': mistral(0.1, 0.1),
    'ministral-3b': mistral(0.04, 0.04),
    'open-mistral-nemo': mistral(0.15, 0.15),
    // Meta Llama (typical hosted list prices)
    'llama-4-maverick': meta(0.2, 0.6),
    'llama-4-scout': meta(0.11, 0.34),
    'llama-3.3-70b': meta(0.59, 0.79),
    'llama-3.1-405b': meta(3, 3),
    'llama-3.1-70b': meta(0.59, 0.79),
    'llama-3.1-8b': meta(0.05, 0.08),
    // DeepSeek
    'deepseek-chat': deepseek(0.28, 0.42, 0.028),
    'deepseek-reasoner': deepseek(0.28, 0.42, 0.028),
    // xAI
    'grok-4': xai(3, 15, 0.75),
    'grok-4-fast': xai(0.2, 0.5, 0.05),
    'grok-code-fast-1': xai(0.2, 1.5, 0.02),
    'grok-3': xai(3, 15, 0.75),
    'grok-3-mini': xai(0.3, 0.5, 0.075),
  },
}
