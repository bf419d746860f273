import { type ContextIndex, type ContextWords, hasContext, indexContextInto } from './context-words'
import type { Finding } from './types'

/** The per-call state a matcher reads and reports into. Internal. */
export interface ScanState {
  readonly text: string
  readonly findings: Finding[]
  /** Kinds switched on, or null for all. */
  readonly enabled: ReadonlySet<string> | null
  readonly disabled: ReadonlySet<string> | null
  readonly minConfidence: number
  readonly phoneRegions: readonly string[]
  /** The text lower-cased, made on first use by {@link lowerText}. */
  lower: string | undefined
  /** The last compact value read by an identifier format, and where it was. */
  compact: string
  compactStart: number
  compactEnd: number
  /** The context words of the span of the text looked at last, made on first use by {@link nearWord}. */
  context: ContextSpan | null
}

/**
 * The context words that start in `[from, to)` of the text, in text order. The span follows the
 * candidates: it grows over the windows of one candidate and moves on with the next.
 */
interface ContextSpan extends ContextIndex {
  from: number
  to: number
}

/** Whether `kind` may be reported in this scan. */
export function wants(state: ScanState, kind: string): boolean {
  if (state.enabled !== null && !state.enabled.has(kind)) return false
  return state.disabled === null || !state.disabled.has(kind)
}

/**
 * Reports a finding if its kind is wanted and its confidence reaches the threshold. Returns the
 * end offset when reported, else -1, so a matcher can `return emit(...)` and let the next try.
 */
export function emit(state: ScanState, kind: string, start: number, end: number, confidence: number): number {
  if (confidence < state.minConfidence || !wants(state, kind)) return -1
  state.findings.push({
    kind,
    start,
    end,
    confidence: confidence > 1 ? 1 : Math.round(confidence * 100) / 100,
  })
  return end
}

export function lowerText(state: ScanState): string {
  if (state.lower === undefined) state.lower = state.text.toLowerCase()
  return state.lower
}

/**
 * Whether one of `words` starts among the `window` characters before `start`, or (when `end` is
 * given) in the 24 after `end`. Used to lift or lower ambiguous values. The text around the
 * candidate is tokenised once, when first asked about (see {@link ScanState.context}).
 */
export function nearWord(
  state: ScanState,
  start: number,
  words: ContextWords,
  end = -1,
  window = 48,
): boolean {
  if (inSpan(state, words, start > window ? start - window : 0, start)) return true
  return end >= 0 && inSpan(state, words, end, Math.min(end + 24, state.text.length))
}

// A window further right than this from the span is indexed on its own; a nearer one extends the
// span over the gap (the value between a candidate's two windows is usually shorter).
const MAX_GAP = 64

/**
 * Whether a word of `words` starts in `[from, to)`. The windows of one candidate overlap or lie a
 * value apart, so the text around it is tokenised once, whichever matchers ask and in which order.
 */
export function inSpan(state: ScanState, words: ContextWords, from: number, to: number): boolean {
  if (to <= from) return false
  let span = state.context
  if (span === null) {
    span = { from, to: from, offsets: [], ids: [] }
    state.context = span
  }
  if (from < span.from || from > span.to + MAX_GAP) {
    if (to < span.from || from > span.to + MAX_GAP) {
      // elsewhere in the text: start a new span
      span.offsets.length = 0
      span.ids.length = 0
      span.from = from
      span.to = from
    } else {
      // left of the span: index the part before it and put it first
      const offsets: number[] = []
      const ids: number[] = []
      indexContextInto(state.text, from, span.from, offsets, ids)
      for (let index = 0; index < span.offsets.length; index++) {
        offsets.push(span.offsets[index] as number)
        ids.push(span.ids[index] as number)
      }
      state.context = span = { from, to: span.to, offsets, ids }
    }
  }
  if (to > span.to) {
    indexContextInto(state.text, span.to, to, span.offsets, span.ids)
    span.to = to
  }
  return hasContext(span, words, from, to)
}

// Character classes as a 128-entry table: 1 digit, 2 upper, 4 lower.
const CLASS = new Uint8Array(128)
for (let code = 48; code <= 57; code++) CLASS[code] = 1
for (let code = 65; code <= 90; code++) CLASS[code] = 2
for (let code = 97; code <= 122; code++) CLASS[code] = 4

export function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57
}

/** Letter or digit (ASCII). */
export function isAlnumCode(code: number): boolean {
  return code < 128 && CLASS[code] !== 0
}

/** True when the character at `index` does not continue a word (end of text or not alphanumeric). */
export function boundaryAt(text: string, index: number): boolean {
  return index >= text.length || !isAlnumCode(text.charCodeAt(index))
}

/** True when the text before `index` does not end in a letter or digit. */
export function boundaryBefore(text: string, index: number): boolean {
  return index <= 0 || !isAlnumCode(text.charCodeAt(index - 1))
}

/** The digits of `text[start, end)`, separators dropped. */
export function digitsIn(text: string, start: number, end: number): string {
  let digits = ''
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index)
    if (code >= 48 && code <= 57) digits += text[index]
  }
  return digits
}

/** Runs a sticky regular expression at `index`; returns the match or null. */
export function stickyAt(pattern: RegExp, text: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index
  return pattern.exec(text)
}

/** Length of the sticky match at `index`, or -1 (no match array is kept). */
export function stickyLength(pattern: RegExp, text: string, index: number): number {
  pattern.lastIndex = index
  return pattern.test(text) ? pattern.lastIndex - index : -1
}
