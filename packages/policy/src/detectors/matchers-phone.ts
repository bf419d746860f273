// Phone numbers: the text is cut into digit groups by hand, NANP numbers are checked by their
// numbering rules, and every other number is validated by libphonenumber-js (results cached,
// because its parser compiles patterns on each call and costs tens of microseconds; a national
// number that matches none of its region's plans skips the parser, see phone-plans.ts).

import type { CountryCode } from 'libphonenumber-js'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { contextWords } from './context-words'
import type { CandidateMatcher } from './matcher'
import { mayBeValidNational } from './phone-plans'
import { boundaryAt, emit, isAlnumCode, isDigitCode, nearWord, type ScanState } from './scan-state'

const PHONE_WORDS = contextWords([
  'phone',
  'tel',
  'tel.',
  'call',
  'mobile',
  'cell',
  'fax',
  'whatsapp',
  'contact',
  'reach',
  'text me',
  'sms',
  'dial',
  'ring',
  'telefon',
  'téléphone',
  'telefono',
  'teléfono',
  'handy',
  'móvil',
  'cellulare',
  'numer tel',
  'puhelin',
  'mob',
])
// Identifier and money words: a number near them is not a phone unless a phone word is nearer.
const NOT_PHONE_WORDS = contextWords([
  'order',
  'invoice',
  'account',
  'acct',
  'tracking',
  'isbn',
  'serial',
  'ref',
  'id',
  'id:',
  '#',
  'amount',
  '$',
  '€',
  '£',
  'nhs',
  'ssn',
  'sin',
  'tfn',
  'abn',
  'npi',
  'aadhaar',
  'passport',
  'licence',
  'license',
  'medicare',
  'routing',
  'iban',
  'pesel',
  'bsn',
  'nip',
  'tax',
  'social',
  'insurance',
  'kimlik',
  'nric',
  'cpf',
  'policy',
  'sku',
  'part',
  'version',
])
// regions whose national numbers start with the trunk prefix 0
const TRUNK_ZERO = new Set([
  'GB',
  'DE',
  'FR',
  'AU',
  'IN',
  'NL',
  'BE',
  'AT',
  'CH',
  'SE',
  'FI',
  'PL',
  'TR',
  'ZA',
  'NG',
  'PH',
  'TH',
  'KR',
  'JP',
  'IE',
  'NZ',
  'MY',
  'ID',
  'IL',
  'BR',
  'PK',
  'EG',
  'KE',
  'GH',
  'UA',
  'RU',
  'CN',
  'TW',
  'VN',
  'AR',
  'PE',
  'MX',
  'CO',
  'CL',
])

const cache = new Map<string, boolean>()

function remember(key: string, value: boolean): boolean {
  if (cache.size >= 4096) cache.clear()
  cache.set(key, value)
  return value
}

/** NANP: NXX-NXX-XXXX, N = 2–9, area code not N11, optional leading 1. */
function nanp(digits: string): boolean {
  const national = digits.length === 11 && digits.charCodeAt(0) === 49 ? digits.slice(1) : digits
  if (national.length !== 10) return false
  const area = national.charCodeAt(0) - 48
  const exchange = national.charCodeAt(3) - 48
  if (area < 2 || exchange < 2) return false
  if (national.charCodeAt(1) === 49 && national.charCodeAt(2) === 49) return false
  return !(national.charCodeAt(4) === 49 && national.charCodeAt(5) === 49)
}

function validInternational(digits: string): boolean {
  if (digits.charCodeAt(0) === 49) return nanp(digits)
  const key = `+${digits}`
  const known = cache.get(key)
  if (known !== undefined) return known
  return remember(key, parsePhoneNumberFromString(key)?.isValid() === true)
}

function validNational(digits: string, regions: readonly string[], any: boolean): boolean {
  for (const region of regions) {
    if (region === 'US' || region === 'CA') continue
    if (!any && !TRUNK_ZERO.has(region)) continue
    const key = `${region}:${digits}`
    let valid = cache.get(key)
    if (valid === undefined) {
      valid = remember(
        key,
        mayBeValidNational(digits, region) &&
          parsePhoneNumberFromString(digits, region as CountryCode)?.isValid() === true,
      )
    }
    if (valid) return true
  }
  return false
}

const ends: number[] = []
// the context of the candidate being validated (reset per candidate by `phone.match`)
let contextAt = -1
let phoneContext = false
let notPhoneContext = false

const phone: CandidateMatcher = {
  kinds: ['phone'],
  leads: [0],
  runs: 'any',
  priority: 1,
  fallback: true,
  match(state, candidate) {
    const text = state.text
    let start = candidate
    let international = false
    let parenthesised = false
    const before = text.charCodeAt(candidate - 1)
    if (before === 43) {
      start = candidate - 1
      international = true
    } else if (before === 40) {
      start = candidate - 1
      parenthesised = true
      if (text.charCodeAt(candidate - 2) === 43) {
        start = candidate - 2
        international = true
      }
    }
    if (start > 0) {
      const previous = text.charCodeAt(start - 1)
      // the middle of a longer digit chain (`4111 1111 1111 1112`) is not a phone of its own
      if ((previous === 32 || previous === 45 || previous === 46) && isDigitCode(text.charCodeAt(start - 2)))
        return -1
      if (
        isAlnumCode(previous) ||
        previous === 36 ||
        previous === 8364 ||
        previous === 163 ||
        previous === 46 ||
        previous === 47
      )
        return -1
    }
    // walk digit groups: digits, then at most `) `, one separator, `(`
    ends.length = 0
    let digitCount = 0
    let separated = false
    let index = candidate
    while (index < text.length) {
      const groupStart = index
      while (index < text.length && isDigitCode(text.charCodeAt(index))) index++
      if (index === groupStart) break
      digitCount += index - groupStart
      if (digitCount > 15) return -1
      ends.push(index)
      let next = index
      if (text.charCodeAt(next) === 41) {
        next++
        parenthesised = true
      }
      const separator = text.charCodeAt(next)
      if (separator === 32 || separator === 45 || separator === 46 || separator === 160) {
        next++
        if (separator === 32 && text.charCodeAt(next) === 45 && text.charCodeAt(next + 1) === 32) next += 2
      }
      if (text.charCodeAt(next) === 40) next++
      if (next === index || !isDigitCode(text.charCodeAt(next))) break
      if (next - index > 0) separated = true
      index = next
    }
    if ((ends.length > 6 && !international) || digitCount < 7) return -1
    contextAt = -1
    let total = digitCount
    for (let cut = ends.length - 1; cut >= 0 && cut >= ends.length - 3; cut--) {
      const end = ends[cut] as number
      if (cut < ends.length - 1) total = countDigits(text, candidate, end)
      if (total < 7 || total > 15 || !boundaryAt(text, end)) continue
      const number = digitsOnly(text, candidate, end)
      const result = validate(
        state,
        start,
        end,
        number,
        international,
        parenthesised || (separated && cut > 0),
      )
      if (result > 0) return result
    }
    return -1
  },
}

/** The lengths of the digit groups in `text[start, end)`, e.g. `3,3,4`. */
function groupShape(text: string, start: number, end: number): string {
  let shape = ''
  let run = 0
  for (let index = start; index < end; index++) {
    if (isDigitCode(text.charCodeAt(index))) run++
    else if (run > 0) {
      shape += shape === '' ? `${run}` : `,${run}`
      run = 0
    }
  }
  return run > 0 ? (shape === '' ? `${run}` : `${shape},${run}`) : shape
}

const NANP_SHAPES = new Set(['3,3,4', '1,3,3,4', '10', '11'])

function validate(
  state: ScanState,
  start: number,
  end: number,
  number: string,
  international: boolean,
  formatted: boolean,
): number {
  const text = state.text
  if (international || (number.charCodeAt(0) === 48 && number.charCodeAt(1) === 48 && number.length > 9)) {
    const digits = international ? number : number.slice(2)
    if (!validInternational(digits)) return -1
    return emit(state, 'phone', start, end, 0.95)
  }
  // a trailing `.` joined with more digits (`12.2024`, a decimal) is not a phone
  if (text.charCodeAt(end) === 46 && isDigitCode(text.charCodeAt(end + 1))) return -1
  // every cut of one candidate starts at `start`: its context words are looked up once
  if (contextAt !== start) {
    contextAt = start
    phoneContext = nearWord(state, start, PHONE_WORDS)
    notPhoneContext = !phoneContext && nearWord(state, start, NOT_PHONE_WORDS, -1, 32)
  }
  const context = phoneContext
  if (notPhoneContext) return -1
  let confidence: number
  if (number.charCodeAt(0) === 48) {
    // trunk prefix 0: a national number of a region that dials 0 first (GB, DE, FR, AU, IN, …)
    if (!validNational(number, state.phoneRegions, false)) return -1
    confidence = formatted ? 0.8 : 0.45
  } else if (nanp(number) && state.phoneRegions.includes('US')) {
    const shape = groupShape(text, start, end)
    if (!NANP_SHAPES.has(shape) || (shape === '11' && number.charCodeAt(0) !== 49)) return -1
    confidence = formatted ? 0.85 : 0.4
  } else {
    // anything else (no 0, no +, not NANP) only next to a phone word
    if (!context || !validNational(number, state.phoneRegions, true)) return -1
    confidence = 0.4
  }
  return emit(state, 'phone', start, end, context ? confidence + 0.4 : confidence)
}

function countDigits(text: string, start: number, end: number): number {
  let count = 0
  for (let index = start; index < end; index++) if (isDigitCode(text.charCodeAt(index))) count++
  return count
}

function digitsOnly(text: string, start: number, end: number): string {
  let digits = ''
  for (let index = start; index < end; index++) if (isDigitCode(text.charCodeAt(index))) digits += text[index]
  return digits
}

export const PHONE_MATCHERS: readonly CandidateMatcher[] = [phone]
