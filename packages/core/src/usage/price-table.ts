import { MimaError } from '../errors/mima-error'
import { DEFAULT_PRICE_DATA, type ModelPrice, type PriceTableData } from './price-data'

/** Token counts to price. `inputTokens` includes the cached and cache-write ones. */
export interface TokenCounts {
  readonly inputTokens?: number
  readonly outputTokens?: number
  /** Input tokens read from the prompt cache. */
  readonly cachedTokens?: number
  /** Input tokens written to the prompt cache (Anthropic's `cache_creation_input_tokens`). */
  readonly cacheWriteTokens?: number
}

/** What {@link PriceTable.price} found. `unknown_model` is never a cost of zero. */
export type PriceResult =
  | {
      readonly status: 'priced'
      /** Cost in US dollars. */
      readonly costUsd: number
      /** The table entry that matched (`gpt-4o` for `gpt-4o-2024-08-06`). */
      readonly matched: string
      readonly price: ModelPrice
    }
  | { readonly status: 'unknown_model'; readonly model: string }

/** A price table: looks models up (exactly, then by dated-name prefix) and prices token counts. */
export interface PriceTable {
  readonly version: string
  readonly pricesAsOf: string
  /** The entry for `model`, or undefined when the table does not know it. */
  lookup(model: string): { readonly matched: string; readonly price: ModelPrice } | undefined
  /** Prices `counts` for `model`; `unknown_model` when the table has no price for it. */
  price(model: string, counts: TokenCounts): PriceResult
}

/** Options of {@link createPriceTable}. */
export interface PriceTableOptions {
  /** Prices that replace or add to the shipped table (a negotiated rate, a new model). */
  readonly overrides?: Readonly<Record<string, ModelPrice>>
  /** A whole table instead of the shipped one. */
  readonly data?: PriceTableData
}

// What may follow a table entry in a dated or deployment-specific model name:
// gpt-4o-2024-08-06, claude-sonnet-4-5-20250929, claude-3-5-sonnet@20240620, grok-4-0709,
// anthropic.claude-3-haiku-20240307-v1:0, llama-3.3-70b-instruct-turbo, gemini-2.0-flash-exp.
const SUFFIX =
  /^(?:[-@:_](?:\d{4}-\d{2}-\d{2}|\d{4}|\d{6,8}|\d{2}-\d{2}|v\d+(?:\.\d+)?|\d+[bek]|0|latest|preview|exp|instruct|turbo|versatile|instant|fp8|fp16))*$/
// Routing prefixes: `openai/gpt-4o`, `models/gemini-2.5-pro`, `us.anthropic.claude-…`.
const ROUTE_PREFIX = /^(?:[a-z]{2}\.)?(?:anthropic|meta|mistral|openai|google|xai|deepseek)\./

function normalise(model: string): string {
  const lower = model.trim().toLowerCase()
  const slash = lower.lastIndexOf('/')
  return (slash === -1 ? lower : lower.slice(slash + 1)).replace(ROUTE_PREFIX, '')
}

function validatePrice(name: string, price: ModelPrice): void {
  const fields = [price.inputPerMTok, price.outputPerMTok, price.cachedInputPerMTok, price.cacheWritePerMTok]
  for (const value of fields) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw new MimaError(
        'config_invalid',
        `The price of "${name}" must use non-negative numbers of US dollars per million tokens.`,
      )
    }
  }
}

/**
 * Creates a price table from the shipped data (see `DEFAULT_PRICE_DATA`) plus your overrides.
 * Lookups are cached; a dated name matches the longest entry it starts with when the rest looks
 * like a date or version (`gpt-4o-2024-08-06` → `gpt-4o`, never `gpt-4o-mini` → `gpt-4o`).
 *
 * @example
 * ```ts
 * const prices = createPriceTable({ overrides: { 'my-finetune': { provider: 'openai', inputPerMTok: 3, outputPerMTok: 12 } } })
 * const result = prices.price('gpt-4o-2024-08-06', { inputTokens: 1000, outputTokens: 200 })
 * if (result.status === 'priced') console.log(result.costUsd) // 0.0045
 * ```
 */
export function createPriceTable(options: PriceTableOptions = {}): PriceTable {
  const data = options.data ?? DEFAULT_PRICE_DATA
  const models = new Map<string, ModelPrice>()
  for (const [name, price] of Object.entries({ ...data.models, ...options.overrides })) {
    validatePrice(name, price)
    models.set(normalise(name), price)
  }
  const names = [...models.keys()].sort((left, right) => right.length - left.length)
  const cache = new Map<string, { matched: string; price: ModelPrice } | null>()

  const lookup = (model: string): { matched: string; price: ModelPrice } | undefined => {
    const cached = cache.get(model)
    if (cached !== undefined) return cached ?? undefined
    const name = normalise(model)
    let found: { matched: string; price: ModelPrice } | null = null
    const exact = models.get(name)
    if (exact !== undefined) found = { matched: name, price: exact }
    else {
      for (const candidate of names) {
        if (name.startsWith(candidate) && SUFFIX.test(name.slice(candidate.length))) {
          found = { matched: candidate, price: models.get(candidate) as ModelPrice }
          break
        }
      }
    }
    if (cache.size > 10_000) cache.clear()
    cache.set(model, found)
    return found ?? undefined
  }

  return {
    version: data.version,
    pricesAsOf: data.pricesAsOf,
    lookup,
    price(model, counts) {
      const entry = lookup(model)
      if (entry === undefined) return { status: 'unknown_model', model }
      const { price } = entry
      const input = counts.inputTokens ?? 0
      const cachedTokens = counts.cachedTokens ?? 0
      const cacheWrite = counts.cacheWriteTokens ?? 0
      const uncached = Math.max(0, input - cachedTokens - cacheWrite)
      const micro =
        uncached * price.inputPerMTok +
        cachedTokens * (price.cachedInputPerMTok ?? price.inputPerMTok) +
        cacheWrite * (price.cacheWritePerMTok ?? price.inputPerMTok) +
        (counts.outputTokens ?? 0) * price.outputPerMTok
      // Dollars, rounded to 1e-12 so sums of list prices do not drift in the last digits.
      const costUsd = Math.round(micro * 1e6) / 1e12
      return { status: 'priced', costUsd, matched: entry.matched, price }
    },
  }
}

let defaultTable: PriceTable | undefined

/** The shipped price table (created once). */
export function defaultPriceTable(): PriceTable {
  defaultTable ??= createPriceTable()
  return defaultTable
}
