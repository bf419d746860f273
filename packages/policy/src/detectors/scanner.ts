// The scan behind detect(): two passes over the text, each one native regular-expression search.
//  1. A trigger scan for literal prefixes (`@`, `://`, `sk-`, `AKIA`, `-----BEGIN`, …): emails, URLs
//     and secrets.
//  2. A candidate scan for words with at most six letters before their first digit. Each candidate is
//     handed only to the matchers registered for its shape (letters before the digit × length of the
//     first digit run), which validate format, check digits and context.
// No detector runs its own pass over the text; plain prose costs two regex scans and nothing else.
import type { CandidateMatcher, TriggerMatcher } from './matcher'
import type { ScanState } from './scan-state'
import type { Finding } from './types'

const MAX_LEAD = 6
const MAX_RUN = 20

/** The compiled dispatch tables. Built once from the matcher lists. */
export interface Scanner {
  readonly triggerPattern: RegExp
  readonly triggers: ReadonlyMap<string, readonly TriggerMatcher[]>
  readonly buckets: readonly (readonly CandidateMatcher[])[]
  readonly kinds: readonly string[]
}

function escapeLiteral(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

export function createScanner(
  triggerMatchers: readonly TriggerMatcher[],
  candidateMatchers: readonly CandidateMatcher[],
): Scanner {
  const triggers = new Map<string, TriggerMatcher[]>()
  const wordStart = new Set<string>()
  const kinds = new Set<string>()
  for (const matcher of triggerMatchers) {
    for (const kind of matcher.kinds) kinds.add(kind)
    for (const trigger of matcher.triggers) {
      const list = triggers.get(trigger) ?? []
      list.push(matcher)
      triggers.set(trigger, list)
      if (matcher.wordStart) wordStart.add(trigger)
    }
  }
  const literals = [...triggers.keys()].sort((a, b) => b.length - a.length)
  const source = literals
    .map((literal) =>
      wordStart.has(literal) ? `(?<![A-Za-z0-9_])${escapeLiteral(literal)}` : escapeLiteral(literal),
    )
    .join('|')
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
  return {
    triggerPattern: new RegExp(source === '' ? '(?!)' : source, 'g'),
    triggers,
    buckets,
    kinds: [...kinds].sort(),
  }
}

const CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{0,6}[0-9]/g

/** Runs both passes; findings come back sorted by start and without overlaps. */
export function runScanner(scanner: Scanner, state: ScanState): Finding[] {
  const text = state.text
  const findings = state.findings
  const triggerPattern = scanner.triggerPattern
  triggerPattern.lastIndex = 0
  for (let found = triggerPattern.exec(text); found !== null; found = triggerPattern.exec(text)) {
    const trigger = found[0]
    const list = scanner.triggers.get(trigger)
    if (list === undefined) continue
    let end = -1
    for (const matcher of list) {
      end = matcher.match(state, found.index, trigger)
      if (end > 0) break
    }
    if (end > found.index) triggerPattern.lastIndex = end
  }
  const triggered = findings.length
  let cover = 0
  CANDIDATE.lastIndex = 0
  for (let found = CANDIDATE.exec(text); found !== null; found = CANDIDATE.exec(text)) {
    const start = found.index
    // skip candidates inside an email, URL or secret already found
    while (cover < triggered && (findings[cover] as Finding).end <= start) cover++
    if (cover < triggered && (findings[cover] as Finding).start <= start) {
      CANDIDATE.lastIndex = (findings[cover] as Finding).end
      continue
    }
    const lead = found[0].length - 1
    const digitStart = start + lead
    let run = 1
    while (run < MAX_RUN) {
      const code = text.charCodeAt(digitStart + run)
      if (!(code >= 48 && code <= 57)) break
      run++
    }
    const bucket = scanner.buckets[lead * (MAX_RUN + 1) + run] as readonly CandidateMatcher[]
    const before = findings.length
    for (const matcher of bucket) {
      if (matcher.fallback === true && findings.length > before) break
      matcher.match(state, start, digitStart, run)
    }
    let end = -1
    if (findings.length > before) {
      // several readings of the same candidate: keep the most confident, then the longest
      let best = findings[before] as Finding
      for (let index = before + 1; index < findings.length; index++) {
        const other = findings[index] as Finding
        if (
          other.confidence > best.confidence ||
          (other.confidence === best.confidence && other.end - other.start > best.end - best.start)
        )
          best = other
      }
      findings.length = before
      findings.push(best)
      end = best.end
    }
    CANDIDATE.lastIndex = end > start ? end : digitStart + run
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
