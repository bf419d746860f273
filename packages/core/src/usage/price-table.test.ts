import { describe, expect, it } from 'vitest'
import { DEFAULT_PRICE_DATA } from './price-data'
import { createPriceTable, defaultPriceTable } from './price-table'

describe('price table', () => {
  const table = defaultPriceTable()

  it('covers current models of every provider it names', () => {
    const providers = new Set(Object.values(DEFAULT_PRICE_DATA.models).map((price) => price.provider))
    expect([...providers].sort()).toEqual([
      'anthropic',
      'deepseek',
      'google',
      'meta',
      'mistral',
      'openai',
      'xai',
    ])
    expect(DEFAULT_PRICE_DATA.version).toMatch(/^\d{4}\.\d{2}\.\d+$/)
    expect(DEFAULT_PRICE_DATA.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })

  it('prices input, cached input and output tokens per million', () => {
    const result = table.price('gpt-4o', {
      inputTokens: 1_000_000,
      cachedTokens: 200_000,
      outputTokens: 100_000,
    })
    // 800k × $2.50 + 200k × $1.25 + 100k × $10 per million
    expect(result).toMatchObject({ status: 'priced', costUsd: 2 + 0.25 + 1, matched: 'gpt-4o' })
    const anthropic = table.price('claude-sonnet-4-5', {
      inputTokens: 1000,
      cachedTokens: 500,
      cacheWriteTokens: 100,
      outputTokens: 10,
    })
    // 400 × 3 + 500 × 0.3 + 100 × 3.75 + 10 × 15 per million
    expect(anthropic).toMatchObject({ status: 'priced', costUsd: (1200 + 150 + 375 + 150) / 1e6 })
  })

  it('matches dated and routed names to their base entry by the longest prefix', () => {
    expect(table.lookup('gpt-4o-2024-08-06')?.matched).toBe('gpt-4o')
    expect(table.lookup('gpt-4o-mini-2024-07-18')?.matched).toBe('gpt-4o-mini')
    expect(table.lookup('claude-sonnet-4-5-20250929')?.matched).toBe('claude-sonnet-4-5')
    expect(table.lookup('claude-sonnet-4-20250514')?.matched).toBe('claude-sonnet-4')
    expect(table.lookup('claude-3-5-sonnet@20240620')?.matched).toBe('claude-3-5-sonnet')
    expect(table.lookup('us.anthropic.claude-3-haiku-20240307-v1:0')?.matched).toBe('claude-3-haiku')
    expect(table.lookup('openai/gpt-4.1-mini')?.matched).toBe('gpt-4.1-mini')
    expect(table.lookup('meta-llama/Llama-3.3-70B-Instruct-Turbo')?.matched).toBe('llama-3.3-70b')
    expect(table.lookup('grok-4-0709')?.matched).toBe('grok-4')
    expect(table.lookup('gpt-4-0613')?.matched).toBe('gpt-4')
  })

  it('reports an unknown model instead of pricing it at zero', () => {
    expect(table.price('fake-model', { inputTokens: 3, outputTokens: 2 })).toEqual({
      status: 'unknown_model',
      model: 'fake-model',
    })
    // A newer sibling is not silently priced as the older one.
    expect(table.lookup('gpt-4.5-preview')).toBeUndefined()
    expect(table.lookup('claude-sonnet-4-6')).toBeUndefined()
    expect(table.lookup('gpt-4o-mini-search-preview')).toBeUndefined()
  })

  it('takes overrides and refuses nonsense prices', () => {
    const custom = createPriceTable({
      overrides: {
        'fake-model': { provider: 'openai', inputPerMTok: 1, outputPerMTok: 2 },
        'gpt-4o': { provider: 'openai', inputPerMTok: 1, outputPerMTok: 1 },
      },
    })
    expect(custom.price('fake-model', { inputTokens: 3, outputTokens: 2 })).toMatchObject({ costUsd: 7e-6 })
    expect(custom.price('gpt-4o', { inputTokens: 1e6 })).toMatchObject({ costUsd: 1 })
    expect(() =>
      createPriceTable({ overrides: { bad: { provider: 'x', inputPerMTok: -1, outputPerMTok: 0 } } }),
    ).toThrow(/non-negative/)
  })
})
