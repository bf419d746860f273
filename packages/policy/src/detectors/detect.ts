import { MimaError } from '@mima/core'
import { DATE_MATCHERS } from './matchers-dates'
import { FINANCE_MATCHERS } from './matchers-finance'
import { PHONE_MATCHERS } from './matchers-phone'
import { SECRET_TRIGGERS } from './matchers-secrets'
import { LOOPBACK_IPV6, WEB_MATCHERS, WEB_TRIGGERS } from './matchers-web'
import { NATIONAL_MATCHERS } from './national'
import type { ScanState } from './scan-state'
import { createScanner, resolveOverlaps, runScanner, type Scanner } from './scanner'
import type { DetectOptions, Detector, Finding } from './types'

const scanner: Scanner = createScanner(
  [...WEB_TRIGGERS, ...SECRET_TRIGGERS, LOOPBACK_IPV6],
  [...FINANCE_MATCHERS, ...WEB_MATCHERS, ...DATE_MATCHERS, ...NATIONAL_MATCHERS, ...PHONE_MATCHERS],
)

/** Every kind name the built-in detectors report, sorted. See docs/pii-detectors.md for each. */
export const BUILTIN_KINDS: readonly string[] = scanner.kinds

const DEFAULT_REGIONS: readonly string[] = ['US', 'GB', 'DE', 'FR', 'IN', 'AU']
const EMPTY: readonly string[] = []
const FLATTEN = /^/

function createState(text: string, options: DetectOptions): ScanState {
  return {
    text,
    findings: [],
    enabled: options.kinds === undefined ? null : new Set(options.kinds),
    disabled: options.exclude === undefined || options.exclude.length === 0 ? null : new Set(options.exclude),
    minConfidence: options.minConfidence ?? 0.5,
    phoneRegions: options.phoneRegions ?? DEFAULT_REGIONS,
    lower: undefined,
    context: null,
    compact: '',
    compactStart: -1,
    compactEnd: -1,
  }
}

function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string') {
    throw new MimaError('validation_failed', `detect() takes a string, got ${typeof text}.`)
  }
}

function addCustom(
  state: ScanState,
  findings: Finding[],
  custom: readonly Finding[],
  detectorIndex: number,
): void {
  for (const finding of custom) {
    const valid =
      typeof finding.kind === 'string' &&
      Number.isInteger(finding.start) &&
      Number.isInteger(finding.end) &&
      finding.start >= 0 &&
      finding.end > finding.start &&
      finding.end <= state.text.length &&
      typeof finding.confidence === 'number'
    if (!valid) {
      throw new MimaError(
        'validation_failed',
        `Custom detector #${detectorIndex} returned an invalid finding ${JSON.stringify(finding)}: it needs a kind, integer start < end within the text, and a confidence.`,
      )
    }
    if (finding.confidence < state.minConfidence) continue
    if (state.enabled !== null && !state.enabled.has(finding.kind)) continue
    if (state.disabled?.has(finding.kind)) continue
    findings.push({
      kind: finding.kind,
      start: finding.start,
      end: finding.end,
      confidence: finding.confidence,
    })
  }
}

/**
 * Finds personal data and secrets in `text`: every finding as `{ kind, start, end, confidence }`,
 * sorted by `start`, without overlaps, offsets in UTF-16 code units. Built-in kinds are listed in
 * {@link BUILTIN_KINDS}; custom {@link Detector}s join through `options.detectors`.
 *
 * @example
 * ```ts
 * detect('mail ada@example.com, card 4111 1111 1111 1111')
 * // [{ kind: 'email', start: 5, end: 20, confidence: 0.95 },
 * //  { kind: 'credit_card', start: 27, end: 46, confidence: 0.95 }]
 * ```
 */
export function detect(text: string, options: DetectOptions = {}): Finding[] {
  checkText(text)
  // a string built by concatenation is a rope until flattened, and reading its characters one by
  // one would walk the rope every time; a regular-expression test flattens it in place
  FLATTEN.test(text)
  const state = createState(text, options)
  let findings = runScanner(scanner, state)
  const detectors = options.detectors ?? EMPTY
  if (detectors.length > 0) {
    ;(detectors as readonly Detector[]).forEach((detector, index) => {
      const result = detector.detect(text)
      if (result instanceof Promise) {
        throw new MimaError(
          'validation_failed',
          `Custom detector #${index} (${detector.kinds.join(', ')}) is asynchronous; call detectAsync() instead of detect().`,
        )
      }
      addCustom(state, findings, result, index)
    })
  }
  findings = resolveOverlaps(findings)
  return findings
}

/** {@link detect} for when a custom detector is asynchronous (a model behind an API, for example). */
export async function detectAsync(text: string, options: DetectOptions = {}): Promise<Finding[]> {
  checkText(text)
  FLATTEN.test(text)
  const state = createState(text, options)
  const findings = runScanner(scanner, state)
  const detectors = (options.detectors ?? EMPTY) as readonly Detector[]
  const results = await Promise.all(detectors.map((detector) => detector.detect(text)))
  results.forEach((result, index) => {
    addCustom(state, findings, result, index)
  })
  return resolveOverlaps(findings)
}
