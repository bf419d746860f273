// A declarative identifier format: a sticky pattern, an optional check on the compact value
// (letters upper-cased, separators dropped), and a confidence lifted by context words.

import { contextWords } from './context-words'
import type { CandidateMatcher } from './matcher'
import { emit, isAlnumCode, isDigitCode, nearWord, type ScanState } from './scan-state'

export interface IdFormat {
  readonly kind: string
  /** Letters before the first digit, and the length of the first digit run (see CandidateMatcher). */
  readonly leads: readonly number[]
  readonly runs: readonly number[]
  /** The whole value, matched at the candidate; the scanner adds the word boundary after it. */
  readonly pattern: string
  /** Case-insensitive match (the compact value is upper-cased either way). */
  readonly ignoreCase?: boolean
  readonly check?: (compact: string) => boolean
  /** Confidence without context words. Below 0.5 the value is reported only with context. */
  readonly confidence: number
  readonly words?: readonly string[]
  /** Confidence with a context word. Default `confidence + 0.4`. */
  readonly withContext?: number
  /** Picks another kind from the context (e.g. a passport's country). */
  readonly kindFor?: (state: ScanState, start: number) => string
  /** The other kinds `kindFor` can return. */
  readonly alsoKinds?: readonly string[]
  readonly priority?: number
  /**
   * The value starts this many characters before the candidate: a letter prefix written apart
   * from the digits (`AB 12 34 56 C`), which the candidate scan sees as a plain number.
   */
  readonly backtrack?: number
}

export function compactOf(value: string): string {
  let plain = true
  for (let index = 0; index < value.length && plain; index++) {
    const code = value.charCodeAt(index)
    plain = (code >= 48 && code <= 57) || (code >= 65 && code <= 90)
  }
  if (plain) return value
  let compact = ''
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index)
    if (isAlnumCode(code)) compact += code >= 97 ? String.fromCharCode(code - 32) : value[index]
  }
  return compact
}

export function idMatcher(format: IdFormat): CandidateMatcher {
  const pattern = new RegExp(
    `(?:${format.pattern})(?![A-Za-z0-9]|[-/.]\\d)`,
    format.ignoreCase === true ? 'yi' : 'y',
  )
  const withContext = format.withContext ?? format.confidence + 0.4
  const words = format.words === undefined ? undefined : contextWords(format.words)
  // `\d{N}` alone needs no regular expression: the first digit run must be exactly N long
  const digitsOnly = /^\\d\{(\d+)\}$/.exec(format.pattern)
  const digitCount = digitsOnly === null ? 0 : Number(digitsOnly[1])
  return {
    kinds: [format.kind, ...(format.alsoKinds ?? [])],
    leads: format.leads,
    runs: format.runs,
    priority: format.priority ?? 3,
    ...(format.backtrack === undefined
      ? {
          prefilter: `(?:${format.pattern})(?![A-Za-z0-9]|[-/.]\\d)`,
          prefilterIgnoresCase: format.ignoreCase === true,
        }
      : {}),
    match(state, candidate, digitStart, run) {
      if (format.confidence < state.minConfidence && withContext < state.minConfidence) return -1
      const text = state.text
      const start = candidate - (format.backtrack ?? 0)
      let end: number
      if (digitCount > 0) {
        if (run !== digitCount || digitStart !== candidate) return -1
        end = start + digitCount
        const next = text.charCodeAt(end)
        if (
          isAlnumCode(next) ||
          ((next === 45 || next === 46 || next === 47) && isDigitCode(text.charCodeAt(end + 1)))
        )
          return -1
      } else {
        if (
          start < 0 ||
          (format.backtrack !== undefined && start > 0 && isAlnumCode(text.charCodeAt(start - 1)))
        )
          return -1
        pattern.lastIndex = start
        if (!pattern.test(text)) return -1
        end = pattern.lastIndex
      }
      // not the tail of a longer dotted or dashed value (`12-34.123456789`)
      const previous = text.charCodeAt(start - 1)
      if ((previous === 45 || previous === 46 || previous === 47) && isAlnumCode(text.charCodeAt(start - 2)))
        return -1
      // check digits first: most numbers fail them, and then no context needs looking up
      if (format.check !== undefined && !format.check(compactOf(text.slice(start, end)))) return -1
      // a format sure enough on its own (≥ 0.8) skips the context lookup; others need or gain from it
      let confidence = format.confidence
      if (
        words !== undefined &&
        (format.confidence < 0.8 || format.kindFor !== undefined) &&
        nearWord(state, start, words, end)
      ) {
        confidence = withContext
      }
      if (confidence < state.minConfidence) return -1
      const kind = format.kindFor === undefined ? format.kind : format.kindFor(state, start)
      return emit(state, kind, start, end, confidence)
    },
  }
}

/** Letter value used by many check-digit schemes: A=10 … Z=35, digits as themselves. */
export function charValue(code: number): number {
  return code >= 65 ? code - 55 : code - 48
}
