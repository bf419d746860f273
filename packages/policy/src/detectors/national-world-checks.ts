// The check digits and validity rules of the identifiers outside Europe (formats in national-world.ts).
import { isValidDate, luhn, verhoeff } from './checksums'
import { WEIGHTED_CHECKS, weightedCheck, weightedTotal } from './weighted-checksum'

const digitAt = (value: string, index: number): number => value.charCodeAt(index) - 48

export function abaRouting(value: string): boolean {
  const prefix = Number(value.slice(0, 2))
  const validPrefix =
    prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80
  return validPrefix && value !== '000000000' && weightedCheck(value, WEIGHTED_CHECKS.us_aba_routing)
}

export const npi = (value: string): boolean => (value[0] === '1' || value[0] === '2') && luhn(`80840${value}`)

export function canadianSin(value: string): boolean {
  return value[0] !== '8' && luhn(value)
}

export function aadhaar(value: string): boolean {
  return value.charCodeAt(0) >= 50 && verhoeff(value) && !/^(\d)\1+$/.test(value)
}

const GSTIN_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export function gstin(value: string): boolean {
  const state = Number(value.slice(0, 2))
  if (!((state >= 1 && state <= 38) || state === 97 || state === 99)) return false
  let sum = 0
  for (let index = 0; index < 14; index++) {
    const product = GSTIN_CHARS.indexOf(value[index] as string) * (index % 2 === 0 ? 1 : 2)
    sum += Math.floor(product / 36) + (product % 36)
  }
  return GSTIN_CHARS[(36 - (sum % 36)) % 36] === value[14]
}

export function australianTfn(value: string): boolean {
  return weightedCheck(value, value.length === 9 ? WEIGHTED_CHECKS.au_tfn_9 : WEIGHTED_CHECKS.au_tfn_8)
}

export function australianMedicare(value: string): boolean {
  const first = digitAt(value, 0)
  return first >= 2 && first <= 6 && weightedCheck(value, WEIGHTED_CHECKS.au_medicare)
}

export function australianAbn(value: string): boolean {
  const weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
  let sum = (digitAt(value, 0) - 1) * 10
  for (let index = 1; index < 11; index++) sum += digitAt(value, index) * (weights[index] as number)
  return value[0] !== '0' && sum % 89 === 0
}

export function singaporeNric(value: string): boolean {
  const prefix = value[0] as string
  let sum = weightedTotal(value, WEIGHTED_CHECKS.sg_nric)
  if (prefix === 'T' || prefix === 'G') sum += 4
  if (prefix === 'M') sum += 3
  const remainder = sum % 11
  const letters =
    prefix === 'S' || prefix === 'T' ? 'JZIHGFEDCBA' : prefix === 'M' ? 'KLJNPQRTUWX' : 'XWUTRQPNMLK'
  return (prefix === 'M' ? letters[10 - remainder] : letters[remainder]) === value[8]
}

export function koreanRrnDate(value: string): boolean {
  const gender = digitAt(value, 6)
  const century =
    gender <= 2 || gender === 5 || gender === 6
      ? 1900
      : gender <= 4 || gender === 7 || gender === 8
        ? 2000
        : 1800
  return (
    gender >= 1 &&
    gender <= 8 &&
    isValidDate(century + Number(value.slice(0, 2)), Number(value.slice(2, 4)), Number(value.slice(4, 6)))
  )
}

export function koreanRrnChecksum(value: string): boolean {
  return weightedCheck(value, WEIGHTED_CHECKS.kr_rrn)
}

export function turkishId(value: string): boolean {
  if (value[0] === '0') return false
  const odd =
    digitAt(value, 0) + digitAt(value, 2) + digitAt(value, 4) + digitAt(value, 6) + digitAt(value, 8)
  const even = digitAt(value, 1) + digitAt(value, 3) + digitAt(value, 5) + digitAt(value, 7)
  if ((((odd * 7 - even) % 10) + 10) % 10 !== digitAt(value, 9)) return false
  let sum = 0
  for (let index = 0; index < 10; index++) sum += digitAt(value, index)
  return sum % 10 === digitAt(value, 10)
}

export function southAfricanId(value: string): boolean {
  const month = Number(value.slice(2, 4))
  const day = Number(value.slice(4, 6))
  if (!isValidDate(2000, month, day) || value[10] === undefined || Number(value[10]) > 2) return false
  return luhn(value)
}

export function thaiId(value: string): boolean {
  return value[0] !== '0' && value[0] !== '9' && weightedCheck(value, WEIGHTED_CHECKS.th_national_id)
}

export function brazilCpf(value: string): boolean {
  if (/^(\d)\1{10}$/.test(value)) return false
  return weightedCheck(value, WEIGHTED_CHECKS.br_cpf_1) && weightedCheck(value, WEIGHTED_CHECKS.br_cpf_2)
}

export function brazilCnpj(value: string): boolean {
  if (/^(\d)\1{13}$/.test(value)) return false
  return weightedCheck(value, WEIGHTED_CHECKS.br_cnpj_1) && weightedCheck(value, WEIGHTED_CHECKS.br_cnpj_2)
}
