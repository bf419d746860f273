import type { Finding } from '../precheck/precheck-types'

// A small, conservative detector: the engine's fallback for `on_error: best_effort`, and its
// default until a full `detect` is passed in. Each pattern is anchored on word boundaries so a
// key inside an ordinary word is not matched.
const PATTERNS: readonly { kind: string; pattern: RegExp; confidence: number }[] = [
  { kind: 'anthropic_key', pattern: /(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,}/g, confidence: 0.99 },
  {
    kind: 'openai_key',
    pattern: /(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
    confidence: 0.95,
  },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, confidence: 0.95 },
  {
    kind: 'github_token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/g,
    confidence: 0.99,
  },
  {
    kind: 'email',
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    confidence: 0.95,
  },
  { kind: 'credit_card', pattern: /\b\d(?:[ -]?\d){12,18}\b/g, confidence: 0.9 },
]

function luhnValid(value: string): boolean {
  let sum = 0
  let double = false
  for (let index = value.length - 1; index >= 0; index -= 1) {
    const code = value.charCodeAt(index)
    if (code < 48 || code > 57) continue
    let digit = code - 48
    if (double) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
    double = !double
  }
  return sum % 10 === 0
}

/** Finds e-mail addresses, Luhn-valid card numbers and common API keys (OpenAI, Anthropic, AWS, GitHub). */
export function basicDetect(text: string): Finding[] {
  const findings: Finding[] = []
  for (const { kind, pattern, confidence } of PATTERNS) {
    pattern.lastIndex = 0
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (kind === 'credit_card' && !luhnValid(match[0])) continue
      findings.push({ kind, start: match.index, end: match.index + match[0].length, confidence })
    }
  }
  return findings.sort((left, right) => left.start - right.start)
}
