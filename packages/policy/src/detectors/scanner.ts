// The scan behind detect(): one pass over the text's character codes, no regular expression.
//  - At the start of a word, a letter that begins a known literal (`sk-`, `AKIA`, `ghp_`, `eyJ`,
//    `www.`, …) hands the word to the matchers of that literal: secrets and URLs.
//  - `@`, `://`, `::` and `-----BEGIN` do the same for emails, URLs, IPv6 and PEM keys.
//  - The first digit of a word with at most six letters before it is a candidate: it goes only to
//    the matchers registered for its shape (letters before the digit × length of the first digit
//    run), which validate format, check digits and context. The most confident reading wins.
// No detector runs its own pass over the text; prose costs one loop over its characters.
import type { CandidateMatcher, TriggerMatcher } from './matcher'
import type { ScanState } from './scan-state'
import type { Finding } from './types'

const MAX_LEAD = 6
const MAX_RUN = 20

interface TriggerEntry {
  readonly literal: string
  readonly matchers: readonly TriggerMatcher[]
}

/** The compiled dispatch tables. Built once from the matcher lists. */
export interface Scanner {
  /** Literal triggers by the char code (< 128) they start with. */
  readonly triggers: readonly (readonly TriggerEntry[] | undefined)[]
  readonly buckets: readonly (readonly CandidateMatcher[])[]
  /** Per bucket: the joined prefilters of its matchers that have one, or null. */
  readonly prefilters: readonly (RegExp | null)[]
  readonly kinds: readonly string[]
}

export function createScanner(
  triggerMatchers: readonly TriggerMatcher[],
  candidateMatchers: readonly CandidateMatcher[],
): Scanner {
  const byLiteral = new Map<string, TriggerMatcher[]>()
  const kinds = new Set<string>()
  for (const matcher of triggerMatchers) {
    for (const kind of matcher.kinds) kinds.add(kind)
    for (const trigger of matcher.triggers) {
      const list = byLiteral.get(trigger) ?? []
      list.push(matcher)
      byLiteral.set(trigger, list)
    }
  }
  const triggers: TriggerEntry[][] = []
  for (const literal of [...byLiteral.keys()].sort((a, b) => b.length - a.length)) {
    const code = literal.charCodeAt(0)
    triggers[code] ??= []
    triggers[code].push({ literal, matchers: byLiteral.get(literal) as TriggerMatcher[] })
  }
  const buckets: CandidateMatcher[][] = []
  for (let index = 0; index < (MAX_LEAD + 1) * (MAX_RUN + 1); index++) buckets.push([])
  const ordered = [...candidateMatchers].sort(
    (a, b) => Number(a.fallback === true) - Number(b.fallback === true) || b.priority - a.priority,
  )
  for (const matcher of ordered) {
    for (const kind of matcher.kinds) kinds.add(kind)
    const runs =
      matcher.runs === 'any' ? Array.from({ length: MAX_RUN }, (_, index) => index + 1) : matcher.runs
    for (const lead of matcher.leads) {
      for (const run of runs) buckets[lead * (MAX_RUN + 1) + Math.min(run, MAX_RUN)]?.push(matcher)
    }
  }
  const prefilters = buckets.map((bucket) => {
    const filtered = bucket.filter((matcher) => matcher.prefilter !== undefined)
    if (filtered.length === 0) return null
    const source = filtered.map((matcher) => matcher.prefilter).join('|')
    return new RegExp(
      `(?:${source})`,
      filtered.some((matcher) => matcher.prefilterIgnoresCase === true) ? 'yi' : 'y',
    )
  })
  return {
    triggers: Array.from({ length: 128 }, (_, code) => triggers[code]),
    buckets,
    prefilters,
    kinds: [...kinds].sort(),
  }
}

// 1 digit, 2 letter; 0 anything else (ends a word)
const CLASS = new Uint8Array(128)
for (let code = 48; code <= 57; code++) CLASS[code] = 1
for (let code = 65; code <= 90; code++) CLASS[code] = 2
for (let code = 97; code <= 122; code++) CLASS[code] = 2

function tryTriggers(entries: readonly TriggerEntry[], state: ScanState, index: number): number {
  const text = state.text
  for (const entry of entries) {
    if (!text.startsWith(entry.literal, index)) continue
    for (const matcher of entry.matchers) {
      const end = matcher.match(state, index, entry.literal)
      if (end > index) return end
    }
  }
  return -1
}

/** True when the word at `index` runs into an `@` (an email's local part, left to the `@` trigger). */
function emailAhead(text: string, index: number): boolean {
  const limit = Math.min(text.length, index + 64)
  for (let position = index; position < limit; position++) {
    const code = text.charCodeAt(position)
    if (code === 64) return position + 1 < text.length && CLASS[text.charCodeAt(position + 1)] !== 0
    if (
      !(
        code < 128 &&
        (CLASS[code] !== 0 || code === 46 || code === 95 || code === 45 || code === 43 || code === 37)
      )
    )
      return false
  }
  return false
}

function candidate(scanner: Scanner, state: ScanState, start: number, digitStart: number): number {
  const text = state.text
  let run = 1
  while (run < MAX_RUN) {
    const code = text.charCodeAt(digitStart + run)
    if (!(code >= 48 && code <= 57)) break
    run++
  }
  const bucketIndex = (digitStart - start) * (MAX_RUN + 1) + run
  const bucket = scanner.buckets[bucketIndex] as readonly CandidateMatcher[]
  const prefilter = scanner.prefilters[bucketIndex] ?? null
  let filtered = false
  if (prefilter !== null) {
    prefilter.lastIndex = start
    filtered = !prefilter.test(text)
  }
  const findings = state.findings
  const before = findings.length
  for (const matcher of bucket) {
    if (filtered && matcher.prefilter !== undefined) continue
    if (findings.length > before) {
      if (matcher.fallback === true) break
      // a sure reading is not beaten by a later, less specific matcher
      if ((findings[findings.length - 1] as Finding).confidence >= 0.95) break
    }
    matcher.match(state, start, digitStart, run)
  }
  if (findings.length === before) return -1
  // several readings of the same candidate: keep the most confident, then the longest
  let best = findings[before] as Finding
  for (let index = before + 1; index < findings.length; index++) {
    const other = findings[index] as Finding
    if (
      other.confidence > best.confidence ||
      (other.confidence === best.confidence && other.end - other.start > best.end - best.start)
    ) {
      best = other
    }
  }
  findings.length = before
  findings.push(best)
  return best.end
}

/** Runs the scan; findings come back in text order. */
export function runScanner(scanner: Scanner, state: ScanState): Finding[] {
  const text = state.text
  const length = text.length
  const triggers = scanner.triggers
  let wordStart = 0
  let wordHasDigit = false
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    const kind = code < 128 ? CLASS[code] : 0
    if (kind === 2) {
      // a letter: literal triggers only at the start of a word (not after `_` either)
      if (index === wordStart && code < 128) {
        const entries = triggers[code]
        if (entries !== undefined && (index === 0 || text.charCodeAt(index - 1) !== 95)) {
          const end = tryTriggers(entries, state, index)
          if (end > index) {
            index = end - 1
            wordStart = end
            wordHasDigit = false
          }
        }
      }
      continue
    }
    if (kind === 1) {
      if (wordHasDigit) continue
      wordHasDigit = true
      if (index - wordStart > MAX_LEAD || emailAhead(text, index)) continue
      const end = candidate(scanner, state, wordStart, index)
      if (end > index) {
        index = end - 1
        wordStart = end
        wordHasDigit = false
      }
      continue
    }
    // not a letter or digit: `@`, `:`, `-` may start a value; anything else ends the word
    if (code === 64 || code === 58 || code === 45) {
      const entries = triggers[code]
      if (entries !== undefined) {
        const end = tryTriggers(entries, state, index)
        if (end > index) {
          index = end - 1
          wordStart = end
          wordHasDigit = false
          continue
        }
      }
    }
    wordStart = index + 1
    wordHasDigit = false
  }
  return state.findings
}

export function byStart(a: Finding, b: Finding): number {
  return a.start - b.start || b.end - a.end
}

/** Drops findings overlapping a stronger one (higher confidence, then longer, then earlier). */
export function resolveOverlaps(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings
  findings.sort(byStart)
  const kept: Finding[] = []
  for (const finding of findings) {
    const last = kept[kept.length - 1]
    if (last === undefined || finding.start >= last.end) {
      kept.push(finding)
      continue
    }
    const stronger =
      finding.confidence > last.confidence ||
      (finding.confidence === last.confidence && finding.end - finding.start > last.end - last.start)
    if (stronger) kept[kept.length - 1] = finding
  }
  return kept
}
