// Check-digit algorithms shared by the detectors. Each takes only digits (or the documented
// alphabet) and never allocates more than a small string.

/** Luhn (mod 10) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0
  let double = false
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48
    if (double) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
    double = !double
  }
  return sum % 10 === 0
}

/** The remainder of a long decimal string modulo `modulus`, without BigInt. */
export function modDecimal(digits: string, modulus: number): number {
  let remainder = 0
  for (let index = 0; index < digits.length; index++) {
    remainder = (remainder * 10 + (digits.charCodeAt(index) - 48)) % modulus
  }
  return remainder
}

/** ISO 13616 IBAN mod-97 over an upper-case compact IBAN. */
export function ibanMod97(iban: string): boolean {
  let remainder = 0
  for (let step = 0; step < iban.length; step++) {
    const index = (step + 4) % iban.length
    const code = iban.charCodeAt(index)
    if (code >= 48 && code <= 57) remainder = (remainder * 10 + (code - 48)) % 97
    else if (code >= 65 && code <= 90) remainder = (remainder * 100 + (code - 55)) % 97
    else return false
  }
  return remainder === 1
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
] as const
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
] as const

/** Verhoeff (Aadhaar) over a string of digits, check digit last. */
export function verhoeff(digits: string): boolean {
  let check = 0
  for (let index = 0; index < digits.length; index++) {
    const digit = digits.charCodeAt(digits.length - 1 - index) - 48
    check = (VERHOEFF_D[check] as readonly number[])[
      (VERHOEFF_P[index % 8] as readonly number[])[digit] as number
    ] as number
  }
  return check === 0
}

/** ISO 7064 MOD 11,10 (German tax id, Croatian OIB), check digit last. */
export function iso7064Mod11x10(digits: string): boolean {
  let product = 10
  for (let index = 0; index < digits.length - 1; index++) {
    let sum = (digits.charCodeAt(index) - 48 + product) % 10
    if (sum === 0) sum = 10
    product = (sum * 2) % 11
  }
  let check = 11 - product
  if (check === 10) check = 0
  return check === digits.charCodeAt(digits.length - 1) - 48
}

/** True when every character of `value` is the same (e.g. `000000000`), a common placeholder. */
export function allSame(value: string): boolean {
  for (let index = 1; index < value.length; index++) {
    if (value.charCodeAt(index) !== value.charCodeAt(0)) return false
  }
  return true
}

/** A real calendar date (years 1800–2099 when four digits). */
export function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false
  const days = [
    31,
    (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ]
  return day <= (days[month - 1] as number)
}
