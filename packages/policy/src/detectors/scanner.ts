// The scan behind detect(): two native regular-expression searches, whatever the number of kinds.
//  1. Word-start literals (`sk-`, `AKIA`, `ghp_`, `eyJ`, `www.`, …) hand the text to the matchers of
//     that literal: secrets and URLs.
//  2. Digits, `@`, `://`, `::` and `-----BEGIN `: emails, URLs, IPv6, PEM keys, and every word
//     whose first digit comes after at most six letters. Such a candidate goes only to the matchers
//     registered for its shape (letters before the digit × length of the first digit run), which
//     validate format, check digits and context; the most confident reading wins.
// No detector runs its own pass over the text.
import type { CandidateMatcher, TriggerMatcher } from './matcher'
import { BARE_DOMAIN_TLDS } from './matchers-web'
import type { ScanState } from './scan-state'
import type { Finding } from './types'

const MAX_LEAD = 6
const MAX_RUN = 20

/** The compiled dispatch tables. Built once from the matcher lists. */
export interface Scanner {
  /** Word-start literals that begin with a letter, joined: `\b(?:sk-ant-|sk-|AKIA|…)`. */
  readonly wordTriggers: RegExp
  /** Digits and the other literals: `[0-9]|@|:\/\/|::|-----BEGIN `. */
  readonly gate: RegExp
  readonly triggers: ReadonlyMap<string, readonly TriggerMatcher[]>
  readonly buckets: readonly (readonly CandidateMatcher[])[]
  /** Per bucket: the joined prefilters of its matchers that have one, or null. */
  readonly prefilters: readonly (RegExp | null)[]
  /** Per bucket: 1 for each matcher (in bucket order) that has a prefilter. */
  readonly prefiltered: readonly Uint8Array[]
  /** Per bucket: the index of its first fallback matcher (its length when none). */
  readonly firstFallback: Uint8Array
  readonly kinds: readonly string[]
}

const GATE_LITERALS = ['@', '://', '::', '-----BEGIN ', '.tld']

function escapeLiteral(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** An alternation of literals as a trie (`s(?:k(?:-ant-|-)|hpat_)`), so the engine compares each prefix once. */
function trieSource(literals: readonly string[]): string {
  const groups = new Map<string, string[]>()
  let endsHere = false
  for (const literal of literals) {
    if (literal === '') {
      endsHere = true
      continue
    }
    const list = groups.get(literal[0] as string) ?? []
    list.push(literal.slice(1))
    groups.set(literal[0] as string, list)
  }
  const branches = [...groups].map(([first, rests]) => {
    const rest = trieSource(rests)
    return (
      escapeLiteral(first) +
      (rest === '' ? '' : rest.startsWith('(?:') || rests.length === 1 ? rest : `(?:${rest})`)
    )
  })
  if (branches.length === 0) return ''
  const body = branches.length === 1 && !endsHere ? (branches[0] as string) : `(?:${branches.join('|')})`
  return endsHere ? `${body}?` : body
}

function isLetterCode(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}

export function createScanner(
  triggerMatchers: readonly TriggerMatcher[],
  candidateMatchers: readonly CandidateMatcher[],
): Scanner {
  const triggers = new Map<string, TriggerMatcher[]>()
  const kinds = new Set<string>()
  for (const matcher of triggerMatchers) {
    for (const kind of matcher.kinds) kinds.add(kind)
    for (const trigger of matcher.triggers) {
      const list = triggers.get(trigger) ?? []
      list.push(matcher)
      triggers.set(trigger, list)
    }
  }
  const literals = [...triggers.keys()].sort((a, b) => b.length - a.length)
  const wordLiterals = literals.filter((literal) => isLetterCode(literal.charCodeAt(0)))
  const otherLiterals = literals.filter((literal) => !isLetterCode(literal.charCodeAt(0)))
  const wordTriggers = new RegExp(wordLiterals.length === 0 ? '(?!)' : `\\b${trieSource(wordLiterals)}`, 'g')
  // runScanner tells these apart by their last character; a new one needs a case there
  for (const literal of otherLiterals) {
    if (!GATE_LITERALS.includes(literal)) throw new Error(`No scanner case for the trigger "${literal}"`)
  }
  const gate = new RegExp(
    [
      '[0-9]',
      ...otherLiterals.map((literal) =>
        literal === '.tld' ? `\\.${trieSource(BARE_DOMAIN_TLDS)}(?![A-Za-z0-9-])` : escapeLiteral(literal),
      ),
    ].join('|'),
    'g',
  )
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
  // read per candidate: kept in arrays so the loop does not read properties of matchers of many shapes
  const prefiltered = buckets.map((bucket) =>
    Uint8Array.from(bucket, (matcher) => (matcher.prefilter === undefined ? 0 : 1)),
  )
  const firstFallback = Uint8Array.from(buckets, (bucket) => {
    const index = bucket.findIndex((matcher) => matcher.fallback === true)
    return index < 0 ? bucket.length : index
  })
  return {
    wordTriggers,
    gate,
    triggers,
    buckets,
    prefilters,
    prefiltered,
    firstFallback,
    kinds: [...kinds].sort(),
  }
}

// 1 digit, 2 letter; 0 anything else (ends a word)
const CLASS = new Uint8Array(128)
for (let code = 48; code <= 57; code++) CLASS[code] = 1
for (let code = 65; code <= 90; code++) CLASS[code] = 2
for (let code = 97; code <= 122; code++) CLASS[code] = 2

function runTrigger(scanner: Scanner, state: ScanState, index: number, literal: string): number {
  const matchers = scanner.triggers.get(literal)
  if (matchers === undefined) return -1
  for (const matcher of matchers) {
    const end = matcher.match(state, index, literal)
    if (end > index) return end
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
  const prefiltered = scanner.prefiltered[bucketIndex] as Uint8Array
  const firstFallback = scanner.firstFallback[bucketIndex] as number
  for (let position = 0; position < bucket.length; position++) {
    if (filtered && prefiltered[position] === 1) continue
    if (findings.length > before) {
      if (position >= firstFallback) break
      // a sure reading is not beaten by a later, less specific matcher
      if ((findings[findings.length - 1] as Finding).confidence >= 0.95) break
    }
    ;(bucket[position] as CandidateMatcher).match(state, start, digitStart, run)
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
  const findings = state.findings
  const wordTriggers = scanner.wordTriggers
  wordTriggers.lastIndex = 0
  for (let found = wordTriggers.exec(text); found !== null; found = wordTriggers.exec(text)) {
    // `\b` does not hold after `_` (a word character), so `x_sk-…` never starts a key
    const end = runTrigger(scanner, state, found.index, found[0])
    if (end > found.index) wordTriggers.lastIndex = end
  }
  const triggered = findings.length
  let cover = 0
  const gate = scanner.gate
  gate.lastIndex = 0
  while (gate.test(text)) {
    // which alternative matched is told by its last character: a digit, `@`, `/` of `://`,
    // `:` of `::`, the space of `-----BEGIN `, or a TLD's letter (test() allocates no match array)
    const matchEnd = gate.lastIndex
    const last = text.charCodeAt(matchEnd - 1)
    const literal =
      last >= 48 && last <= 57
        ? ''
        : last === 64
          ? '@'
          : last === 47
            ? '://'
            : last === 58
              ? '::'
              : last === 32
                ? '-----BEGIN '
                : '.tld'
    let index = matchEnd - (literal === '' ? 1 : literal.length)
    if (literal === '.tld') {
      // `.com`, `.co`: the match starts at its dot
      index = matchEnd - 1
      while (text.charCodeAt(index) !== 46) index--
    }
    // inside a secret or URL found by the first pass: jump past it
    while (cover < triggered && (findings[cover] as Finding).end <= index) cover++
    if (cover < triggered && (findings[cover] as Finding).start <= index) {
      gate.lastIndex = (findings[cover] as Finding).end
      continue
    }
    const code = text.charCodeAt(index)
    if (code >= 48 && code <= 57) {
      // a candidate starts at the word's first character when at most six letters precede the digit
      let start = index
      while (start > 0 && index - start <= MAX_LEAD && isLetterCode(text.charCodeAt(start - 1))) start--
      const previous = start > 0 ? text.charCodeAt(start - 1) : 32
      let end = -1
      if (
        index - start <= MAX_LEAD &&
        !(previous < 128 && CLASS[previous] !== 0) &&
        !emailAhead(text, index)
      ) {
        end = candidate(scanner, state, start, index)
      }
      if (end < 0) {
        // no value here: skip the rest of this word, its later digits are not word starts
        end = index + 1
        while (end < text.length && text.charCodeAt(end) < 128 && CLASS[text.charCodeAt(end)] !== 0) end++
      }
      gate.lastIndex = end
      continue
    }
    const end = runTrigger(scanner, state, index, literal)
    if (end > index) gate.lastIndex = end
  }
  if (triggered > 0 && findings.length > triggered) findings.sort(byStart)
  return findings
}

export function byStart(a: Finding, b: Finding): number {
  return a.start - b.start || b.end - a.end
}

/** Drops findings overlapping a stronger one (higher confidence, then longer, then earlier). */
export function resolveOverlaps(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings
  // the scanner's findings are usually sorted and apart already: then there is nothing to do
  let ordered = true
  for (let index = 1; index < findings.length && ordered; index++) {
    ordered = (findings[index] as Finding).start >= (findings[index - 1] as Finding).end
  }
  if (ordered) return findings
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
