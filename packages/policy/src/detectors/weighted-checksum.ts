// One table-driven weighted checksum for the national identifiers: most check digits are
// "multiply each character by a weight, sum, reduce modulo m, compare". Each identifier is a row
// of WEIGHTED_CHECKS; `weightedCheck` runs any row.

import { charValue } from './id-format'

/** How the sum's remainder `r` (mod `modulus`) is compared. */
export type CheckRule =
  /** The sum is a multiple of the modulus (no separate check digit, or it carries weight −1). */
  | 'zero'
  /** The check digit is `r`. */
  | 'remainder'
  /** The check digit is `(modulus − r) mod modulus`. */
  | 'complement'
  /** The check digit is `modulus − r` (so `r = 0` gives `modulus`), usually reduced by `reduce`. */
  | 'difference'

/** One weighted checksum, as data. */
export interface WeightedCheck {
  /** Weights of the characters from `offset`, in order; repeated when `length` is longer. */
  readonly weights: readonly number[]
  readonly modulus: number
  readonly rule: CheckRule
  /** How many characters are weighted (default `weights.length`). */
  readonly length?: number
  /** The first weighted character (default 0). */
  readonly offset?: number
  /** Where the check digit is (default right after the weighted characters). */
  readonly checkAt?: number
  /** Letters count as 10–35 (ICAO 9303, Polish ID card); otherwise only digits are expected. */
  readonly letters?: boolean
  /** Each product is replaced by the sum of its digits (Luhn-style doubling). */
  readonly digitSumProducts?: boolean
  /** The computed check value modulo this (e.g. 10 for "11 − r, and 10 counts as 0"). */
  readonly reduce?: number
  /** A computed check value that no valid identifier has (e.g. 10 for the NHS number). */
  readonly invalid?: number
}

/** The weighted sum of a row's characters. */
export function weightedTotal(value: string, check: WeightedCheck): number {
  const offset = check.offset ?? 0
  const length = check.length ?? check.weights.length
  const weights = check.weights
  let sum = 0
  for (let index = 0; index < length; index++) {
    const code = value.charCodeAt(offset + index)
    const digit = check.letters === true ? charValue(code) : code - 48
    let product = digit * (weights[index % weights.length] as number)
    if (check.digitSumProducts === true) product = Math.floor(product / 10) + (product % 10)
    sum += product
  }
  return sum
}

/** Runs one weighted checksum over `value` (digits, or digits and upper-case letters). */
export function weightedCheck(value: string, check: WeightedCheck): boolean {
  const sum = weightedTotal(value, check)
  const remainder = ((sum % check.modulus) + check.modulus) % check.modulus
  if (check.rule === 'zero') return remainder === 0
  let expected =
    check.rule === 'remainder'
      ? remainder
      : check.rule === 'complement'
        ? (check.modulus - remainder) % check.modulus
        : check.modulus - remainder
  if (check.invalid !== undefined && expected === check.invalid) return false
  if (check.reduce !== undefined) expected %= check.reduce
  const at = check.checkAt ?? (check.offset ?? 0) + (check.length ?? check.weights.length)
  return value.charCodeAt(at) - 48 === expected
}

/** The identifiers with a row in {@link WEIGHTED_CHECKS}. */
export type WeightedCheckName =
  | 'de_health_insurance'
  | 'de_pension_insurance'
  | 'nl_bsn'
  | 'pl_pesel'
  | 'pl_nip'
  | 'pl_id_card'
  | 'uk_nhs_number'
  | 'us_aba_routing'
  | 'au_tfn_9'
  | 'au_tfn_8'
  | 'au_medicare'
  | 'kr_rrn'
  | 'th_national_id'
  | 'br_cpf_1'
  | 'br_cpf_2'
  | 'br_cnpj_1'
  | 'br_cnpj_2'
  | 'sg_nric'

/** ICAO 9303 7-3-1 over a value of `length` characters, check character last (German ID card). */
export function icao731Check(length: number): WeightedCheck {
  return { weights: [7, 3, 1], length: length - 1, modulus: 10, rule: 'remainder', letters: true }
}

/** The weighted checksums of the national identifiers, by detector kind. */
export const WEIGHTED_CHECKS: Readonly<Record<WeightedCheckName, WeightedCheck>> = {
  /** German KVNR, over the letter as two digits and the next eight. */
  de_health_insurance: {
    weights: [1, 2],
    length: 10,
    modulus: 10,
    rule: 'remainder',
    digitSumProducts: true,
  },
  /** German RVNR, over the value with its letter as two digits. */
  de_pension_insurance: {
    weights: [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1],
    modulus: 10,
    rule: 'remainder',
    digitSumProducts: true,
  },
  /** Dutch BSN "11-proef": 9×d1 + … + 2×d8 − d9 ≡ 0 (mod 11). */
  nl_bsn: { weights: [9, 8, 7, 6, 5, 4, 3, 2, -1], modulus: 11, rule: 'zero' },
  pl_pesel: { weights: [1, 3, 7, 9, 1, 3, 7, 9, 1, 3], modulus: 10, rule: 'complement' },
  pl_nip: { weights: [6, 5, 7, 2, 3, 4, 5, 6, 7], modulus: 11, rule: 'remainder', invalid: 10 },
  /** Polish ID card: three letters, six digits; the check digit is the fourth character. */
  pl_id_card: {
    weights: [7, 3, 1, 0, 7, 3, 1, 7, 3],
    modulus: 10,
    rule: 'remainder',
    letters: true,
    checkAt: 3,
  },
  uk_nhs_number: {
    weights: [10, 9, 8, 7, 6, 5, 4, 3, 2],
    modulus: 11,
    rule: 'complement',
    invalid: 10,
  },
  us_aba_routing: { weights: [3, 7, 1, 3, 7, 1, 3, 7, 1], modulus: 10, rule: 'zero' },
  au_tfn_9: { weights: [1, 4, 3, 7, 5, 8, 6, 9, 10], modulus: 11, rule: 'zero' },
  au_tfn_8: { weights: [10, 7, 8, 4, 6, 3, 5, 1], modulus: 11, rule: 'zero' },
  au_medicare: { weights: [1, 3, 7, 9, 1, 3, 7, 9], modulus: 10, rule: 'remainder' },
  kr_rrn: {
    weights: [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5],
    modulus: 11,
    rule: 'difference',
    reduce: 10,
  },
  th_national_id: {
    weights: [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2],
    modulus: 11,
    rule: 'difference',
    reduce: 10,
  },
  br_cpf_1: { weights: [10, 9, 8, 7, 6, 5, 4, 3, 2], modulus: 11, rule: 'complement', reduce: 10 },
  br_cpf_2: { weights: [11, 10, 9, 8, 7, 6, 5, 4, 3, 2], modulus: 11, rule: 'complement', reduce: 10 },
  br_cnpj_1: {
    weights: [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2],
    modulus: 11,
    rule: 'complement',
    reduce: 10,
  },
  br_cnpj_2: {
    weights: [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2],
    modulus: 11,
    rule: 'complement',
    reduce: 10,
  },
  /** Singapore NRIC/FIN: the weighted sum of the seven digits; the letter table is the prefix's. */
  sg_nric: { weights: [2, 7, 6, 5, 4, 3, 2], offset: 1, modulus: 11, rule: 'remainder' },
}
