// A declarative identifier format: a sticky pattern, an optional check on the compact value
// (letters upper-cased, separators dropped), and a confidence lifted by context words.

import { type ContextWords, contextWords } from './context-words'
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

/**
 * One matcher per format, all of one class: every instance has the same fields, so `match` is one
 * function whose property reads stay monomorphic and which V8 optimises after a few calls in total
 * (one closure per format left each of ~70 closures to warm up on its own, in the interpreter for
 * the first thousands of texts).
 */
class IdFormatMatcher implements CandidateMatcher {
  readonly kinds: readonly string[]
  readonly leads: readonly number[]
  readonly runs: readonly number[]
  readonly priority: number
  readonly prefilter: string | undefined
  readonly prefilterIgnoresCase: boolean
  readonly fallback: boolean = false
  private readonly kind: string
  private readonly pattern: RegExp
  private readonly check: ((compact: string) => boolean) | null
  private readonly confidence: number
  private readonly withContext: number
  private readonly words: ContextWords | null
  /** Whether the context is looked up: a format sure enough on its own (≥ 0.8) skips it. */
  private readonly asksContext: boolean
  private readonly kindFor: ((state: ScanState, start: number) => string) | null
  private readonly backtrack: number
  /** `\d{N}` alone needs no regular expression: the first digit run must be exactly N long. */
  private readonly digitCount: number

  constructor(format: IdFormat) {
    const source = `(?:${format.pattern})(?![A-Za-z0-9]|[-/.]\\d)`
    this.kinds = [format.kind, ...(format.alsoKinds ?? [])]
    this.leads = format.leads
    this.runs = format.runs
    this.priority = format.priority ?? 3
    this.prefilter = format.backtrack === undefined ? source : undefined
    this.prefilterIgnoresCase = format.backtrack === undefined && format.ignoreCase === true
    this.kind = format.kind
    this.pattern = new RegExp(source, format.ignoreCase === true ? 'yi' : 'y')
    this.check = format.check ?? null
    this.confidence = format.confidence
    this.withContext = format.withContext ?? format.confidence + 0.4
    this.words = format.words === undefined ? null : contextWords(format.words)
    this.asksContext = this.words !== null && (format.confidence < 0.8 || format.kindFor !== undefined)
    this.kindFor = format.kindFor ?? null
    this.backtrack = format.backtrack ?? -1
    const digitsOnly = /^\\d\{(\d+)\}$/.exec(format.pattern)
    this.digitCount = digitsOnly === null ? 0 : Number(digitsOnly[1])
  }

  match(state: ScanState, candidate: number, digitStart: number, run: number): number {
    if (this.confidence < state.minConfidence && this.withContext < state.minConfidence) return -1
    const text = state.text
    const backtrack = this.backtrack
    const start = backtrack < 0 ? candidate : candidate - backtrack
    let end: number
    if (this.digitCount > 0) {
      if (run !== this.digitCount || digitStart !== candidate) return -1
      end = start + this.digitCount
      const next = text.charCodeAt(end)
      if (
        isAlnumCode(next) ||
        ((next === 45 || next === 46 || next === 47) && isDigitCode(text.charCodeAt(end + 1)))
      )
        return -1
    } else {
      if (start < 0 || (backtrack >= 0 && start > 0 && isAlnumCode(text.charCodeAt(start - 1)))) return -1
      const pattern = this.pattern
      pattern.lastIndex = start
      if (!pattern.test(text)) return -1
      end = pattern.lastIndex
    }
    // not the tail of a longer dotted or dashed value (`12-34.123456789`)
    const previous = text.charCodeAt(start - 1)
    if ((previous === 45 || previous === 46 || previous === 47) && isAlnumCode(text.charCodeAt(start - 2)))
      return -1
    // check digits first: most numbers fail them, and then no context needs looking up
    const check = this.check
    if (check !== null && !check(compactAt(state, start, end))) return -1
    let confidence = this.confidence
    if (this.asksContext && nearWord(state, start, this.words as ContextWords, end)) {
      confidence = this.withContext
    }
    if (confidence < state.minConfidence) return -1
    const kind = this.kindFor === null ? this.kind : this.kindFor(state, start)
    return emit(state, kind, start, end, confidence)
  }
}

/** `compactOf` the value at `[start, end)`; formats of one candidate often read the same one. */
function compactAt(state: ScanState, start: number, end: number): string {
  if (state.compactStart !== start || state.compactEnd !== end) {
    state.compactStart = start
    state.compactEnd = end
    state.compact = compactOf(state.text.slice(start, end))
  }
  return state.compact
}

export function idMatcher(format: IdFormat): CandidateMatcher {
  return new IdFormatMatcher(format)
}

/** Letter value used by many check-digit schemes: A=10 … Z=35, digits as themselves. */
export function charValue(code: number): number {
  return code >= 65 ? code - 55 : code - 48
}
