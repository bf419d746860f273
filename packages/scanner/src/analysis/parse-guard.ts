/**
 * Keeps a hostile or generated file from crashing the scan. oxc-parser is a recursive-descent
 * parser with no depth limit: nesting a few thousand levels deep overflows the native stack and
 * the process dies with SIGSEGV, which no `try` can catch (oxc issue 24375). On an 8 MB stack,
 * brackets crash it from about 3,500 levels, statement and operator chains (`a => a => …`,
 * `if (a) if (a) …`, `a: a: …`, `f<T<T<…`) from 4,000 to 20,000.
 *
 * Two checks, both one pass over the text:
 * - brackets nested deeper than {@link MAX_BRACKET_DEPTH} are refused outright (real code nests
 *   a few dozen deep);
 * - a file with more than {@link PROBE_ABOVE_TOKENS} tokens that can open a nesting level is
 *   parsed once in a child process first (`scan/parse-probe.ts`). Below that count no chain can
 *   be deep enough to crash.
 */

/** Bracket nesting (`( [ {` and `${`) beyond which a file is not parsed. */
export const MAX_BRACKET_DEPTH = 1000

/** Files with more nesting-capable tokens than this are test-parsed in a child process first. */
export const PROBE_ABOVE_TOKENS = 2000

/** Thrown by `analyzeSource` for a file the parser must not see. */
export class UnparseableSourceError extends Error {
  override readonly name = 'UnparseableSourceError'
}

/**
 * The deepest bracket nesting in the text. Brackets inside strings and comments count too, so this
 * may overstate the depth; it never understates it.
 */
export function bracketDepth(source: string): number {
  let depth = 0
  let deepest = 0
  for (let index = 0; index < source.length; index++) {
    const code = source.charCodeAt(index)
    // ( [ {  and  ) ] }
    if (code === 40 || code === 91 || code === 123) {
      depth++
      if (depth > deepest) deepest = depth
    } else if ((code === 41 || code === 93 || code === 125) && depth > 0) depth--
  }
  return deepest
}

// Every construct that nests without brackets starts with `=` (assignments, arrows), `?` or `:`
// (conditionals, labels, conditional types), `<` (type arguments, JSX) or one of these keywords.
const NESTING_KEYWORDS =
  /\b(?:if|else|for|while|do|with|new|yield|async|await|typeof|void|delete|extends|keyof|infer)\b/g

/**
 * Whether more than `limit` tokens in the text could open a nesting level (an upper bound on how
 * deep unbracketed chains can go). Stops counting once past the limit.
 */
export function hasMoreNestingTokens(source: string, limit: number): boolean {
  if (source.length <= limit) return false
  let count = 0
  for (let index = 0; index < source.length; index++) {
    const code = source.charCodeAt(index)
    // = ? : <
    if (code === 61 || code === 63 || code === 58 || code === 60) {
      if (++count > limit) return true
    }
  }
  NESTING_KEYWORDS.lastIndex = 0
  while (NESTING_KEYWORDS.exec(source) !== null) if (++count > limit) return true
  return false
}

/**
 * Whether the text must be test-parsed in a child process before it is parsed here: it has more
 * than {@link PROBE_ABOVE_TOKENS} nesting-capable tokens, and its brackets are within
 * {@link MAX_BRACKET_DEPTH} (deeper ones are refused without costing a child).
 */
export function needsParseProbe(source: string): boolean {
  return hasMoreNestingTokens(source, PROBE_ABOVE_TOKENS) && bracketDepth(source) <= MAX_BRACKET_DEPTH
}

/** Throws {@link UnparseableSourceError} when the brackets nest too deep to parse safely. */
export function assertParseableDepth(source: string): void {
  const depth = bracketDepth(source)
  if (depth > MAX_BRACKET_DEPTH) {
    throw new UnparseableSourceError(
      `not analysed: brackets nest ${depth} levels deep (the limit is ${MAX_BRACKET_DEPTH}; deeper nesting would crash the parser)`,
    )
  }
}
