// The check digits and validity rules of the European identifiers (formats in national-europe.ts).
import { iso7064Mod11x10, isValidDate, luhn, modDecimal } from './checksums'
import { icao731Check, WEIGHTED_CHECKS, weightedCheck, weightedTotal } from './weighted-checksum'

const digitAt = (value: string, index: number): number => value.charCodeAt(index) - 48

/** German tax id: ISO 7064 MOD 11,10, and in the first ten digits one digit twice or three times. */
export function germanTaxId(value: string): boolean {
  if (value.charCodeAt(0) === 48 || !iso7064Mod11x10(value)) return false
  const counts = new Array<number>(10).fill(0)
  for (let index = 0; index < 10; index++)
    counts[digitAt(value, index)] = (counts[digitAt(value, index)] as number) + 1
  const repeated = counts.filter((count) => count >= 2)
  return repeated.length === 1 && (repeated[0] as number) <= 3
}

/** ICAO 9303 7-3-1 check over letters and digits, check character last. */
export function icao731(value: string): boolean {
  return weightedCheck(value, icao731Check(value.length))
}

/** German health insurance number (KVNR): letter + 8 digits + check digit. */
export function germanKvnr(value: string): boolean {
  const letter = value.charCodeAt(0) - 64
  const digits = `${letter < 10 ? '0' : ''}${letter}${value.slice(1, 9)}${value[9]}`
  return weightedCheck(digits, WEIGHTED_CHECKS.de_health_insurance)
}

/** German pension insurance number (RVNR): 2 area + 6 birth date + letter + 2 serial + check. */
export function germanRvnr(value: string): boolean {
  const day = Number(value.slice(2, 4))
  const month = Number(value.slice(4, 6))
  if (month < 1 || month > 12 || day < 1 || day > 31) return false
  const letter = value.charCodeAt(8) - 64
  const digits = `${value.slice(0, 8)}${letter < 10 ? '0' : ''}${letter}${value.slice(9, 12)}`
  return weightedCheck(digits, WEIGHTED_CHECKS.de_pension_insurance)
}

/** French NIR (INSEE): key = 97 − (first 13 digits mod 97); Corsica 2A/2B count as 19/18. */
export function frenchNir(value: string): boolean {
  const month = Number(value.slice(3, 5))
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50)) return false
  const body = value.slice(0, 13).replace('2A', '19').replace('2B', '18')
  if (!/^\d{13}$/.test(body)) return false
  return 97 - modDecimal(body, 97) === Number(value.slice(13, 15))
}

/** French tax number (SPI): the last three digits are the first ten mod 511. */
export function frenchSpi(value: string): boolean {
  return value.charCodeAt(0) <= 51 && modDecimal(value.slice(0, 10), 511) === Number(value.slice(10))
}

const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]

/** Italian codice fiscale check character. */
export function italianFiscalCode(value: string): boolean {
  let sum = 0
  for (let index = 0; index < 15; index++) {
    const code = value.charCodeAt(index)
    const position = code >= 65 ? code - 65 : code - 48
    sum += index % 2 === 0 ? (CF_ODD[position] as number) : position
  }
  return String.fromCharCode(65 + (sum % 26)) === value[15]
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE'

export function spanishDni(value: string): boolean {
  return DNI_LETTERS[Number(value.slice(0, -1)) % 23] === value[value.length - 1]
}

export function spanishNie(value: string): boolean {
  return DNI_LETTERS[Number(`${'XYZ'.indexOf(value[0] as string)}${value.slice(1, 8)}`) % 23] === value[8]
}

/** Spanish social security number: the last two digits are the first ten mod 97. */
export function spanishNss(value: string): boolean {
  return modDecimal(value.slice(0, 10), 97) === Number(value.slice(10))
}

/** Dutch BSN 11-proef: 9×d1 + … + 2×d8 − d9 ≡ 0 (mod 11), and not all zeros. */
export function dutchBsn(value: string): boolean {
  return weightedCheck(value, WEIGHTED_CHECKS.nl_bsn) && weightedTotal(value, WEIGHTED_CHECKS.nl_bsn) !== 0
}

export function pesel(value: string): boolean {
  if (!weightedCheck(value, WEIGHTED_CHECKS.pl_pesel)) return false
  let month = Number(value.slice(2, 4))
  let century = 1900
  if (month > 80) [month, century] = [month - 80, 1800]
  else if (month > 60) [month, century] = [month - 60, 2200]
  else if (month > 40) [month, century] = [month - 40, 2100]
  else if (month > 20) [month, century] = [month - 20, 2000]
  return isValidDate(century + Number(value.slice(0, 2)), month, Number(value.slice(4, 6)))
}

export function polishNip(value: string): boolean {
  return weightedCheck(value, WEIGHTED_CHECKS.pl_nip)
}

export function polishIdCard(value: string): boolean {
  return weightedCheck(value, WEIGHTED_CHECKS.pl_id_card)
}

/** Swedish personnummer: a real date (day + 60 for coordination numbers) and Luhn over 10 digits. */
export function swedishPersonnummer(value: string): boolean {
  const ten = value.length === 12 ? value.slice(2) : value
  const day = Number(ten.slice(4, 6))
  if (!isValidDate(2000, Number(ten.slice(2, 4)), day > 60 ? day - 60 : day)) return false
  return luhn(ten)
}

const HETU_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY'

export function finnishHetu(value: string): boolean {
  if (!isValidDate(2000, Number(value.slice(2, 4)), Number(value.slice(0, 2)))) return false
  // the century sign is dropped from the compact value when it is `-` or `+`
  const serial = value.length === 10 ? value.slice(6, 9) : value.slice(7, 10)
  return HETU_CHECK[Number(value.slice(0, 6) + serial) % 31] === value[value.length - 1]
}

export function nhsNumber(value: string): boolean {
  return value !== '0000000000' && weightedCheck(value, WEIGHTED_CHECKS.uk_nhs_number)
}

/** Could be a North American number: area and exchange both start with 2–9. */
export function nanpShaped(value: string): boolean {
  return value.charCodeAt(0) >= 50 && value.charCodeAt(3) >= 50
}

export const NINO_BAD_PREFIXES: ReadonlySet<string> = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'])

export function ukDrivingLicence(value: string): boolean {
  const month = digitAt(value, 6) % 5
  const monthNumber = month * 10 + digitAt(value, 7)
  return isValidDate(2000, monthNumber, Number(value.slice(8, 10)))
}
