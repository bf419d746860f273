import { describe, expect, it } from 'vitest'
import { JsonNumberLiteral, parseJsonNumberLiterals } from './json-number-literals'

const plain = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_key, item) => (item instanceof JsonNumberLiteral ? Number(item.literal) : item)),
  )

describe('parseJsonNumberLiterals', () => {
  it('keeps numbers as written and everything else as JSON.parse does', () => {
    const text =
      ' {"a": [1.0, -2, 3e+2, {"b": null, "c": true, "d": false}], "s": "x\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/\\t", "a": "last", "__proto__": 1} '
    const parsed = parseJsonNumberLiterals(text) as Record<string, unknown>
    expect(plain(parsed)).toEqual(plain(JSON.parse(text)))
    expect(parsed.a).toBe('last')
    expect(Object.getPrototypeOf(parsed)).toBeNull()
    expect(Object.keys(parsed)).toContain('__proto__')
    const numbers = (
      parseJsonNumberLiterals('[1.0, 1152921504606846976, -0.0, 1e-05]') as JsonNumberLiteral[]
    ).map((item) => item.literal)
    expect(numbers).toEqual(['1.0', '1152921504606846976', '-0.0', '1e-05'])
  })

  it('refuses what JSON.parse refuses', () => {
    for (const bad of [
      '',
      '{',
      '[1,]',
      '{"a":1,}',
      '01',
      '1.',
      '.5',
      '+1',
      'NaN',
      '"\u0001"',
      '"\\x"',
      '{"a" 1}',
      '[1] 2',
      'tru',
      '"abc',
    ]) {
      expect(() => JSON.parse(bad)).toThrow()
      expect(() => parseJsonNumberLiterals(bad)).toThrow(/Invalid JSON/)
    }
    expect(() => parseJsonNumberLiterals('['.repeat(5000) + ']'.repeat(5000))).toThrow(/deeply/)
  })
})
