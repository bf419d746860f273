// API keys, tokens, JWTs and PEM private keys. Each starts at a literal prefix found by the one
// trigger scan; the prefix must start a word, so `sk-` inside `task-list` is never a candidate.
import type { TriggerMatcher } from './matcher'
import { emit, type ScanState } from './scan-state'

interface SecretFormat {
  readonly kind: string
  readonly triggers: readonly string[]
  /** Sticky pattern for the whole value, tried at the trigger's offset. */
  readonly pattern: RegExp
  readonly confidence: number
  /** Extra check on the matched value. */
  readonly check?: (value: string) => boolean
}

const END = '(?![A-Za-z0-9_\\-])'
const sticky = (source: string): RegExp => new RegExp(`${source}${END}`, 'y')

/** Real keys mix letters and digits; `sk-learn-…` style words do not. */
function mixed(value: string): boolean {
  let digits = 0
  let letters = 0
  for (let index = 3; index < value.length; index++) {
    const code = value.charCodeAt(index)
    if (code >= 48 && code <= 57) digits++
    else if ((code | 32) >= 97 && (code | 32) <= 122) letters++
  }
  return digits >= 2 && letters >= 6
}

function jwtHeader(value: string): boolean {
  const dot = value.indexOf('.')
  try {
    const header = JSON.parse(Buffer.from(value.slice(0, dot), 'base64url').toString('utf8')) as unknown
    return typeof header === 'object' && header !== null && ('alg' in header || 'typ' in header)
  } catch {
    return false
  }
}

const FORMATS: readonly SecretFormat[] = [
  {
    kind: 'anthropic_key',
    triggers: ['sk-ant-'],
    pattern: sticky('sk-ant-(?:api|admin|sid|oat)\\d{2}-[A-Za-z0-9_\\-]{20,}|sk-ant-[A-Za-z0-9_\\-]{32,}'),
    confidence: 0.99,
  },
  {
    kind: 'openai_key',
    triggers: ['sk-'],
    pattern: sticky(
      'sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\\-]{20,}|sk-[A-Za-z0-9]{20,}(?:T3BlbkFJ[A-Za-z0-9]{20,})?',
    ),
    confidence: 0.97,
    check: mixed,
  },
  {
    kind: 'stripe_key',
    triggers: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'pk_live_', 'pk_test_', 'whsec_'],
    pattern: sticky('(?:[srp]k_(?:live|test)|whsec)_[A-Za-z0-9]{16,247}'),
    confidence: 0.97,
  },
  {
    kind: 'aws_access_key',
    triggers: [
      'AKIA',
      'ASIA',
      'ABIA',
      'ACCA',
      'AGPA',
      'AIDA',
      'AIPA',
      'ANPA',
      'ANVA',
      'AROA',
      'APKA',
      'ASCA',
    ],
    pattern: sticky('A[A-Z]{3}[A-Z0-9]{16}'),
    confidence: 0.95,
  },
  {
    kind: 'github_token',
    triggers: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    pattern: sticky('gh[pousr]_[A-Za-z0-9]{36,251}'),
    confidence: 0.99,
  },
  {
    kind: 'github_token',
    triggers: ['github_pat_'],
    pattern: sticky('github_pat_[A-Za-z0-9_]{22,255}'),
    confidence: 0.99,
  },
  {
    kind: 'slack_token',
    triggers: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-', 'xapp-'],
    pattern: sticky('(?:xox[abprse](?:\\.[a-z0-9]+)?|xapp)-[A-Za-z0-9\\-]{10,}'),
    confidence: 0.97,
  },
  {
    kind: 'google_api_key',
    triggers: ['AIza'],
    pattern: sticky('AIza[0-9A-Za-z_\\-]{35}'),
    confidence: 0.97,
  },
  {
    kind: 'gitlab_token',
    triggers: ['glpat-', 'gldt-', 'glrt-'],
    pattern: sticky('gl(?:pat|dt|rt)-[A-Za-z0-9_\\-]{20,}'),
    confidence: 0.97,
  },
  { kind: 'npm_token', triggers: ['npm_'], pattern: sticky('npm_[A-Za-z0-9]{36}'), confidence: 0.95 },
  {
    kind: 'huggingface_token',
    triggers: ['hf_'],
    pattern: sticky('hf_[A-Za-z0-9]{34,40}'),
    confidence: 0.9,
    check: mixed,
  },
  {
    kind: 'sendgrid_key',
    triggers: ['SG.'],
    pattern: sticky('SG\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9_\\-]{43}'),
    confidence: 0.97,
  },
  {
    kind: 'shopify_token',
    triggers: ['shpat_', 'shpss_', 'shpca_', 'shppa_'],
    pattern: sticky('shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}'),
    confidence: 0.97,
  },
  {
    kind: 'jwt',
    triggers: ['eyJ'],
    pattern: sticky('eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}'),
    confidence: 0.95,
    check: jwtHeader,
  },
]

function isWordCode(code: number): boolean {
  return (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122) || code === 95
}

function formatMatcher(format: SecretFormat): TriggerMatcher {
  return {
    kinds: [format.kind],
    triggers: format.triggers,
    wordStart: true,
    match(state: ScanState, index: number): number {
      format.pattern.lastIndex = index
      if (!format.pattern.test(state.text)) return -1
      const end = format.pattern.lastIndex
      if (format.check !== undefined && !format.check(state.text.slice(index, end))) return -1
      return emit(state, format.kind, index, end, format.confidence)
    },
  }
}

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----/y

const privateKey: TriggerMatcher = {
  kinds: ['private_key'],
  triggers: ['-----BEGIN '],
  wordStart: false,
  match(state, index) {
    const text = state.text
    PEM_BEGIN.lastIndex = index
    const begin = PEM_BEGIN.exec(text)
    if (begin === null) return -1
    const label = begin[0].slice(11, -5)
    const footer = `-----END ${label}-----`
    const close = text.indexOf(footer, PEM_BEGIN.lastIndex)
    if (close >= 0 && close - index < 16384)
      return emit(state, 'private_key', index, close + footer.length, 0.99)
    // no footer (cut off, or a stream chunk): the base64 body that follows
    let end = PEM_BEGIN.lastIndex
    while (end < text.length && end - index < 16384) {
      const code = text.charCodeAt(end)
      if (
        !(
          isWordCode(code) ||
          code === 43 ||
          code === 47 ||
          code === 61 ||
          code === 10 ||
          code === 13 ||
          code === 32 ||
          code === 45 ||
          code === 58
        )
      )
        break
      if (code === 45 && text.startsWith('-----', end)) break
      end++
    }
    return emit(state, 'private_key', index, end, 0.9)
  },
}

const AWS_SECRET_VALUE = /["']?\s*[:=]{1,2}>?\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/y

const awsSecretKey: TriggerMatcher = {
  kinds: ['aws_secret_key'],
  triggers: [
    'aws_secret_access_key',
    'AWS_SECRET_ACCESS_KEY',
    'SecretAccessKey',
    'secret_access_key',
    'aws_secret_key',
    'AWS_SECRET_KEY',
  ],
  wordStart: false,
  match(state, index, trigger) {
    AWS_SECRET_VALUE.lastIndex = index + trigger.length
    const found = AWS_SECRET_VALUE.exec(state.text)
    if (found === null) return -1
    const end = AWS_SECRET_VALUE.lastIndex
    return emit(state, 'aws_secret_key', end - 40, end, 0.95)
  },
}

export const SECRET_TRIGGERS: readonly TriggerMatcher[] = [
  ...FORMATS.map(formatMatcher),
  privateKey,
  awsSecretKey,
]
