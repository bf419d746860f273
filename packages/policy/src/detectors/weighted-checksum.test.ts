import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WEIGHTED_CHECKS, type WeightedCheck, weightedCheck } from './weighted-checksum'

// The rows against the labelled corpus's values: each passes, and each fails with its check digit
// changed (every other digit of the same position is refused).
const corpus = readFileSync(join(import.meta.dirname, '..', '..', 'corpus', 'pii-corpus.txt'), 'utf8')
const valuesOf = (kind: string): string[] =>
  [...corpus.matchAll(new RegExp(`\\[\\[${kind}\\|([^\\]]+)\\]\\]`, 'g'))].map((match) =>
    (match[1] as string).replace(/[^0-9A-Z]/gi, '').toUpperCase(),
  )

const ROWS: readonly { kind: string; checks: readonly WeightedCheck[]; checkAt: number }[] = [
  { kind: 'nl_bsn', checks: [WEIGHTED_CHECKS.nl_bsn], checkAt: 8 },
  { kind: 'pl_pesel', checks: [WEIGHTED_CHECKS.pl_pesel], checkAt: 10 },
  { kind: 'pl_nip', checks: [WEIGHTED_CHECKS.pl_nip], checkAt: 9 },
  { kind: 'uk_nhs_number', checks: [WEIGHTED_CHECKS.uk_nhs_number], checkAt: 9 },
  { kind: 'us_aba_routing', checks: [WEIGHTED_CHECKS.us_aba_routing], checkAt: 8 },
  { kind: 'au_medicare', checks: [WEIGHTED_CHECKS.au_medicare], checkAt: 8 },
  { kind: 'kr_rrn', checks: [WEIGHTED_CHECKS.kr_rrn], checkAt: 12 },
  { kind: 'th_national_id', checks: [WEIGHTED_CHECKS.th_national_id], checkAt: 12 },
  { kind: 'br_cpf', checks: [WEIGHTED_CHECKS.br_cpf_1, WEIGHTED_CHECKS.br_cpf_2], checkAt: 10 },
  { kind: 'br_cnpj', checks: [WEIGHTED_CHECKS.br_cnpj_1, WEIGHTED_CHECKS.br_cnpj_2], checkAt: 13 },
]

describe('weightedCheck', () => {
  it.each(ROWS)('accepts the corpus values of $kind and refuses every other check digit', (row) => {
    const values = valuesOf(row.kind)
    expect(values.length).toBeGreaterThan(0)
    for (const value of values) {
      expect(
        row.checks.every((check) => weightedCheck(value, check)),
        value,
      ).toBe(true)
      const digit = value.charCodeAt(row.checkAt) - 48
      for (let other = 0; other <= 9; other++) {
        if (other === digit) continue
        const altered = `${value.slice(0, row.checkAt)}${other}${value.slice(row.checkAt + 1)}`
        expect(
          row.checks.every((check) => weightedCheck(altered, check)),
          altered,
        ).toBe(false)
      }
    }
  })

  it('applies each rule as documented', () => {
    // 3×1 + 2×2 = 7: remainder 7 (mod 10), complement 3, difference 3; zero needs a multiple.
    const row = { weights: [3, 2], modulus: 10 } as const
    expect(weightedCheck('127', { ...row, rule: 'remainder' })).toBe(true)
    expect(weightedCheck('123', { ...row, rule: 'complement' })).toBe(true)
    expect(weightedCheck('123', { ...row, rule: 'difference' })).toBe(true)
    expect(weightedCheck('12', { ...row, rule: 'zero' })).toBe(false)
    expect(weightedCheck('11', { weights: [3, 7], modulus: 10, rule: 'zero' })).toBe(true)
    // A sum that is a multiple: complement gives 0, difference gives the modulus (reduced by `reduce`).
    expect(weightedCheck('110', { weights: [3, 7], modulus: 10, rule: 'complement' })).toBe(true)
    expect(weightedCheck('110', { weights: [3, 7], modulus: 10, rule: 'difference', reduce: 10 })).toBe(true)
    // An invalid computed value refuses whatever the digit.
    expect(weightedCheck('127', { ...row, rule: 'remainder', invalid: 7 })).toBe(false)
    // Letters count 10–35, products can be digit-summed.
    expect(weightedCheck('A0', { weights: [1], modulus: 10, rule: 'remainder', letters: true })).toBe(true)
    expect(weightedCheck('93', { weights: [2], modulus: 10, rule: 'remainder' })).toBe(false)
    expect(
      weightedCheck('99', { weights: [2], modulus: 10, rule: 'remainder', digitSumProducts: true }),
    ).toBe(true)
  })
})
