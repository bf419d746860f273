import { deriveKeys, type RedactionKey, tokenFor } from '../redaction/redaction-keys'
import type { Finding } from './precheck-types'

/** How one found value is replaced. */
export type ReplaceMode = 'placeholder' | 'mask' | 'token'

/** One finding to replace, with how. */
export interface Replacement {
  readonly finding: Finding
  readonly mode: ReplaceMode
}

/**
 * Drops findings that overlap an earlier one (the earlier, then the longer, wins), so replacing
 * them left to right never cuts a value in two.
 */
export function nonOverlapping(findings: readonly Finding[]): Finding[] {
  const sorted = [...findings].sort(
    (left, right) => left.start - right.start || right.end - right.start - (left.end - left.start),
  )
  const kept: Finding[] = []
  let end = -1
  for (const finding of sorted) {
    if (finding.start < end || finding.end <= finding.start) continue
    kept.push(finding)
    end = finding.end
  }
  return kept
}

function mask(value: string): string {
  if (value.length <= 8) return '*'.repeat(value.length)
  return '*'.repeat(value.length - 4) + value.slice(-4)
}

/**
 * Replaces the findings in `text`: `placeholder` gives `<EMAIL_1>` (the same value gets the same
 * number within one text), `mask` keeps the last four characters, `token` gives the keyed token of
 * `redact` (`<EMAIL:3f9a…>`, the same for the same value and key) and records token → value in
 * `tokens` for the encrypted mapping. `replacements` must not overlap (see {@link nonOverlapping})
 * and be sorted by start.
 */
export function replaceFindings(
  text: string,
  replacements: readonly Replacement[],
  tokenKey: RedactionKey,
  tokens: Record<string, string>,
): string {
  let out = ''
  let cursor = 0
  const numbers = new Map<string, number>()
  const perKind = new Map<string, number>()
  for (const { finding, mode } of replacements) {
    const value = text.slice(finding.start, finding.end)
    const label = finding.kind.toUpperCase()
    let replacement: string
    if (mode === 'mask') replacement = mask(value)
    else if (mode === 'token') {
      replacement = tokenFor(deriveKeys(tokenKey), finding.kind, value)
      tokens[replacement] = value
    } else {
      const key = `${finding.kind}\u0000${value}`
      let number = numbers.get(key)
      if (number === undefined) {
        number = (perKind.get(finding.kind) ?? 0) + 1
        perKind.set(finding.kind, number)
        numbers.set(key, number)
      }
      replacement = `<${label}_${number}>`
    }
    out += text.slice(cursor, finding.start) + replacement
    cursor = finding.end
  }
  return out + text.slice(cursor)
}
