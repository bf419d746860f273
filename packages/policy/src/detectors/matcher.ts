import type { ScanState } from './scan-state'

/**
 * A built-in matcher for values that contain a digit. The scanner finds each word that has at most
 * six letters before its first digit and hands it to the matchers whose `leads` (letters before the
 * first digit) and `runs` (length of that first digit run, 20 meaning 20 or more) fit, in order.
 * `match` validates the candidate (format, check digits, context) and returns the end offset it
 * reported, or -1 to let the next matcher try. Internal.
 */
export interface CandidateMatcher {
  readonly kinds: readonly string[]
  readonly leads: readonly number[]
  readonly runs: readonly number[] | 'any'
  /** Higher runs first; ties keep registration order. */
  readonly priority: number
  /**
   * Fallback matchers (phone, generic licence numbers) run only when no other matcher of the
   * bucket reported the candidate; the others all run and the most confident finding wins.
   */
  readonly fallback?: boolean
  /**
   * A regular-expression source that every value this matcher reports matches at the candidate's
   * start. The scanner joins the prefilters of a bucket into one sticky expression and skips all
   * of them when it fails, so a number that fits no format costs one native test.
   */
  readonly prefilter?: string | undefined
  readonly prefilterIgnoresCase?: boolean
  match(state: ScanState, start: number, digitStart: number, run: number): number
}

/**
 * A built-in matcher started by a literal trigger (`@`, `://`, `sk-`, `AKIA`, `-----BEGIN`, …) found
 * by the one combined trigger scan. `match` gets the trigger's offset. Internal.
 */
export interface TriggerMatcher {
  readonly kinds: readonly string[]
  readonly triggers: readonly string[]
  /** Triggers that must not follow a letter or digit (most key prefixes). */
  readonly wordStart: boolean
  match(state: ScanState, index: number, trigger: string): number
}

/** Builds the range `[from, to]` of numbers, for `leads` and `runs`. */
export function range(from: number, to: number): number[] {
  const values: number[] = []
  for (let value = from; value <= to; value++) values.push(value)
  return values
}
