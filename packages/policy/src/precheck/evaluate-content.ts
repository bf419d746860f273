import type { CompiledPolicy, RulePlan, ValueAction } from '../policy/compile-policy'
import { deriveKeys, type RedactionKey, sealMapping } from '../redaction/redaction-keys'
import type { DetectFunction, Finding, PolicyDecision, PrecheckResult } from './precheck-types'
import { nonOverlapping, type ReplaceMode, type Replacement, replaceFindings } from './replace-findings'

/** What scanning the text and the payload found, across every string. */
class ScanState {
  deny = false
  confirm = false
  findings = 0
  replaced = 0
  readonly kinds: string[] = []
  readonly reasons: string[] = []
  readonly tokens: Record<string, string> = {}

  constructor(
    readonly plan: RulePlan,
    readonly redactionMode: ReplaceMode,
  ) {}

  reason(reason: string): void {
    if (!this.reasons.includes(reason)) this.reasons.push(reason)
  }

  /** Applies the plan to one string's findings; returns the string with replacements made. */
  apply(text: string, found: readonly Finding[], tokenKey: RedactionKey): string {
    if (found.length === 0) return text
    const replacements: Replacement[] = []
    for (const finding of nonOverlapping(found)) {
      this.findings += 1
      const { kind } = finding
      if (!this.kinds.includes(kind)) this.kinds.push(kind)
      const action: ValueAction = this.plan.kindActions.get(kind) ?? this.plan.baseAction
      switch (action) {
        case 'keep':
          break
        case 'deny':
          this.deny = true
          this.reason(`pii.blocked:${kind}`)
          break
        case 'confirm':
          this.confirm = true
          this.reason(`pii.confirm:${kind}`)
          break
        case 'tokenize':
          replacements.push({ finding, mode: 'token' })
          this.reason(`pii.tokenized:${kind}`)
          break
        case 'mask':
          replacements.push({ finding, mode: 'mask' })
          this.reason(`pii.redacted:${kind}`)
          break
        default:
          replacements.push({ finding, mode: this.redactionMode })
          this.reason(this.redactionMode === 'token' ? `pii.tokenized:${kind}` : `pii.redacted:${kind}`)
      }
    }
    if (replacements.length === 0) return text
    this.replaced += replacements.length
    return replaceFindings(text, replacements, tokenKey, this.tokens)
  }
}

const MAX_PAYLOAD_DEPTH = 64

function walkPayload(value: unknown, visit: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return visit(value)
  if (depth >= MAX_PAYLOAD_DEPTH || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((item) => walkPayload(item, visit, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) out[key] = walkPayload(item, visit, depth + 1)
  return out
}

/** The result of scanning, before confirmation, records and spans. */
export type ContentResult = PrecheckResult

/**
 * Runs the detector over the text and the payload's strings and applies the rule: per-kind
 * actions, replacements, and the decision (`deny` over `confirm` over `redact` over `allow`).
 * A detector that throws is handled by the policy's `on_error`.
 */
export function evaluateContent(
  compiled: CompiledPolicy,
  plan: RulePlan,
  text: string | undefined,
  payload: unknown,
  detect: DetectFunction,
  fallbackDetect: DetectFunction,
  tokenKey: RedactionKey,
): ContentResult {
  const state = new ScanState(plan, compiled.redactionMode)
  let redactedText: string | undefined
  let redactedPayload: unknown
  let detector = detect
  let degraded = false
  const scan = (value: string): string => {
    if (value === '') return value
    let found: readonly Finding[]
    try {
      found = detector(value)
    } catch (error) {
      if (compiled.onError !== 'best_effort') throw error
      degraded = true
      detector = fallbackDetect
      found = fallbackDetect(value)
    }
    return state.apply(value, found, tokenKey)
  }
  try {
    if (text !== undefined) {
      const out = scan(text)
      if (out !== text) redactedText = out
    }
    if (payload !== undefined) {
      const before = state.replaced
      const out = walkPayload(payload, scan, 0)
      if (state.replaced > before) redactedPayload = out
    }
  } catch (error) {
    const pass = compiled.onError === 'pass'
    return {
      decision: pass ? 'allow' : 'deny',
      reasons: [
        pass ? 'precheck.bypass' : 'precheck.error',
        `detector.error:${(error as Error)?.name ?? 'Error'}`,
      ],
      redacted: undefined,
      redactedPayload: undefined,
      mapping: undefined,
      metadata: { ...plan.staticResult.metadata, ruleId: 'on_error' },
      confirmation: undefined,
    }
  }
  if (state.findings === 0 && !degraded) return plan.staticResult
  const decision: PolicyDecision = state.deny
    ? 'deny'
    : plan.verdict === 'confirm' || state.confirm
      ? 'confirm'
      : state.replaced > 0
        ? 'redact'
        : 'allow'
  const reasons = [...plan.reasons, ...state.reasons]
  if (degraded) reasons.push('precheck.best_effort')
  const keepText = decision !== 'deny'
  const tokenized = keepText && Object.keys(state.tokens).length > 0
  return {
    decision,
    reasons,
    redacted: keepText ? redactedText : undefined,
    redactedPayload: keepText ? redactedPayload : undefined,
    mapping: tokenized ? sealMapping(deriveKeys(tokenKey), state.tokens) : undefined,
    metadata: { ...plan.staticResult.metadata, detectorKinds: state.kinds, findings: state.findings },
    confirmation: undefined,
  }
}
