// Dates: a date of birth when a birth word is near, any other date only with a date word near.
import { isValidDate } from './checksums'
import { contextWords } from './context-words'
import type { CandidateMatcher } from './matcher'
import { boundaryAt, emit, isAlnumCode, nearWord, type ScanState } from './scan-state'

const BIRTH_WORDS = contextWords([
  'born',
  'birth',
  'dob',
  'd.o.b',
  'b-day',
  'bday',
  'geboren',
  'geb.',
  'né le',
  'née le',
  'né(e)',
  'nato il',
  'nata il',
  'nacido',
  'nacida',
  'nacimiento',
  'naissance',
  'urodzon',
  'geboortedatum',
  'födelse',
  'syntymä',
  'doğum',
])
const DATE_WORDS = contextWords([
  'date',
  'dated',
  ' on ',
  'since',
  'until',
  'appointment',
  'admitted',
  'admission',
  'discharg',
  'visit',
  'issued',
  'expir',
  'valid',
  'deadline',
  'due',
  'signed',
  'effective',
  'datum',
  'fecha',
  'data ',
  'surgery',
  'scheduled',
  'joined',
  'hired',
  'died',
  'deceased',
  'death',
  'married',
  'start',
  'end',
])
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]
const MONTH_NUMBER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 6, 7, 8, 9, 9, 10, 11, 12]

const ISO = /(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\dA-SU-Za-z]|[-/.:]\d)/y
const NUMERIC = /(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?![\dA-Za-z]|[-/.:]\d)/y
const DAY_MONTH = /(\d{1,2})(?:st|nd|rd|th)?\.?(?: of)?[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})(?![\dA-Za-z])/y
const MONTH_BEFORE = /([A-Za-z]{3,9})\.? $/
const DAY_YEAR = /(\d{1,2})(?:st|nd|rd|th)?,? (\d{4})(?![\dA-Za-z])/y

function month(word: string): number {
  const index = MONTHS.indexOf(word.toLowerCase())
  return index < 0 ? 0 : (MONTH_NUMBER[index] as number)
}

function fullYear(year: string): number {
  if (year.length === 4) return Number(year)
  const short = Number(year)
  return short > 30 ? 1900 + short : 2000 + short
}

const TIME = /T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?(?![\dA-Za-z])/y

function report(
  state: ScanState,
  start: number,
  dateEnd: number,
  year: number,
  fourDigitYear: boolean,
): number {
  if (year < 1900 || year > 2099) return -1
  // an ISO 8601 timestamp is one value: 2024-03-15T14:30:00.123Z
  TIME.lastIndex = dateEnd
  const end = TIME.test(state.text) ? TIME.lastIndex : dateEnd
  if (nearWord(state, start, BIRTH_WORDS, -1, 40)) return emit(state, 'date_of_birth', start, end, 0.92)
  const context = nearWord(state, start, DATE_WORDS, -1, 32)
  // a full date with a four-digit year is a date on its own; a two-digit year needs a date word
  return emit(state, 'date', start, end, context ? 0.75 : fourDigitYear ? 0.55 : 0.35)
}

const date: CandidateMatcher = {
  kinds: ['date_of_birth', 'date'],
  leads: [0],
  runs: [1, 2, 4],
  priority: 6,
  match(state, start, _digitStart, run) {
    const text = state.text
    const next = text.charCodeAt(start + run)
    // 12/03/1990, 1990-03-12, 12.03.1990, 12 March, 3rd of May, 3, 1990 (after a month name)
    if (
      next !== 47 &&
      next !== 45 &&
      next !== 46 &&
      next !== 32 &&
      next !== 44 &&
      !((next | 32) >= 97 && (next | 32) <= 122)
    )
      return -1
    if (
      start > 0 &&
      (text.charCodeAt(start - 1) === 46 ||
        text.charCodeAt(start - 1) === 47 ||
        text.charCodeAt(start - 1) === 45)
    ) {
      if (start > 1 && isAlnumCode(text.charCodeAt(start - 2))) return -1
    }
    if (run === 4) {
      ISO.lastIndex = start
      const found = ISO.exec(text)
      if (found === null) return -1
      const year = Number(found[1])
      if (!isValidDate(year, Number(found[3]), Number(found[4]))) return -1
      return report(state, start, ISO.lastIndex, year, true)
    }
    NUMERIC.lastIndex = start
    const numeric = NUMERIC.exec(text)
    if (numeric !== null) {
      const first = Number(numeric[1])
      const second = Number(numeric[3])
      const year = fullYear(numeric[4] as string)
      // day-month or month-day: either reading must be a real date
      if (!isValidDate(year, second, first) && !isValidDate(year, first, second)) return -1
      if (numeric[2] === '.' && (numeric[4] as string).length === 2) return -1
      return report(state, start, NUMERIC.lastIndex, year, (numeric[4] as string).length === 4)
    }
    DAY_MONTH.lastIndex = start
    const dayMonth = DAY_MONTH.exec(text)
    if (dayMonth !== null) {
      const monthNumber = month(dayMonth[2] as string)
      const year = Number(dayMonth[3])
      if (monthNumber === 0 || !isValidDate(year, monthNumber, Number(dayMonth[1]))) return -1
      return report(state, start, DAY_MONTH.lastIndex, year, true)
    }
    // `March 3, 1990`: the month name sits before the candidate
    const before = text.slice(start > 12 ? start - 12 : 0, start).toLowerCase()
    const monthWord = MONTH_BEFORE.exec(before)
    if (monthWord === null) return -1
    const monthNumber = month(monthWord[1] as string)
    if (monthNumber === 0) return -1
    DAY_YEAR.lastIndex = start
    const dayYear = DAY_YEAR.exec(text)
    if (dayYear === null) return -1
    const year = Number(dayYear[2])
    if (!isValidDate(year, monthNumber, Number(dayYear[1]))) return -1
    const monthStart = start - (before.length - before.lastIndexOf(monthWord[1] as string))
    if (
      !boundaryAt(text, DAY_YEAR.lastIndex) ||
      (monthStart > 0 && isAlnumCode(text.charCodeAt(monthStart - 1)))
    )
      return -1
    return report(state, monthStart, DAY_YEAR.lastIndex, year, true)
  },
}

export const DATE_MATCHERS: readonly CandidateMatcher[] = [date]
