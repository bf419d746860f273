import { canonicalJson, uuidv7 } from '@mima/core'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Direction, PolicyDecision, PrecheckInput, PrecheckResult } from '../precheck/precheck-types'

/**
 * The record of one decision, safe to store and ship: the decision, the rule, the detector kinds
 * and an HMAC commitment of the text. It never holds the text, a found value or the payload.
 */
export interface DecisionRecord {
  readonly decision_id: string
  /** ISO-8601. */
  readonly decided_at: string
  readonly policy_id: string
  readonly policy_version: string
  readonly rule_id: string
  readonly decision: PolicyDecision
  readonly direction: Direction
  readonly reasons: readonly string[]
  readonly detector_kinds: readonly string[]
  readonly findings: number
  /**
   * `hmac-sha256:<hex>` of the checked text (and the payload's canonical JSON) under the
   * workspace's commitment key: whoever holds the key and the text can prove it was this one;
   * nobody can read the text from it.
   */
  readonly text_commitment?: string
  readonly tool?: string
  readonly scope?: string
  readonly agent?: string
  readonly user_id?: string
  readonly correlation_id?: string
  readonly tags?: readonly string[]
  readonly approval_id?: string
}

/** The commitment `hmac-sha256:<hex>` of a text (and payload) under `key`. */
export function commitText(key: Uint8Array | string, text: string | undefined, payload?: unknown): string {
  const keyBytes = typeof key === 'string' ? utf8ToBytes(key) : key
  const material = payload === undefined ? (text ?? '') : `${text ?? ''}\u0000${canonicalJson(payload)}`
  return `hmac-sha256:${bytesToHex(hmac(sha256, keyBytes, utf8ToBytes(material)))}`
}

/**
 * Builds the {@link DecisionRecord} of a decision. With `commitmentKey` the record carries an HMAC
 * commitment of the text; without it, none.
 *
 * @example
 * ```ts
 * const record = buildDecisionRecord(input, result, { direction: 'ingress', commitmentKey: secret })
 * ```
 */
export function buildDecisionRecord(
  input: PrecheckInput,
  result: PrecheckResult,
  options: { readonly commitmentKey?: Uint8Array | string; readonly now?: Date } = {},
): DecisionRecord {
  const hasContent = input.text !== undefined || input.payload !== undefined
  return {
    decision_id: uuidv7(),
    decided_at: (options.now ?? new Date()).toISOString(),
    policy_id: result.metadata.policyId,
    policy_version: result.metadata.policyVersion,
    rule_id: result.metadata.ruleId,
    decision: result.decision,
    direction: result.metadata.direction,
    reasons: result.reasons,
    detector_kinds: result.metadata.detectorKinds,
    findings: result.metadata.findings,
    ...(options.commitmentKey !== undefined && hasContent
      ? { text_commitment: commitText(options.commitmentKey, input.text, input.payload) }
      : {}),
    ...(input.tool === undefined ? {} : { tool: input.tool }),
    ...(input.scope === undefined ? {} : { scope: input.scope }),
    ...(input.agent === undefined ? {} : { agent: input.agent }),
    ...(input.userId === undefined ? {} : { user_id: input.userId }),
    ...(input.correlationId === undefined ? {} : { correlation_id: input.correlationId }),
    ...(input.tags === undefined ? {} : { tags: input.tags }),
    ...(result.confirmation === undefined ? {} : { approval_id: result.confirmation.approvalId }),
  }
}

/**
 * The {@link DecisionRecord} of a refused scope check (`decision: 'deny'`, rule `scope`), so a
 * violation caught by `scopes.check` is recorded like any other decision.
 *
 * @example
 * ```ts
 * const reporter = createPolicyClient(mima).decisionReporter()
 * const scopes = createScopeRegistry({ onViolation: (decision) => reporter.sink(scopeViolationRecord(decision)) })
 * ```
 */
export function scopeViolationRecord(
  decision: {
    readonly agent: string
    readonly tool: string | undefined
    readonly api: string | undefined
    readonly reason: string
  },
  options: { readonly policyId?: string; readonly now?: Date } = {},
): DecisionRecord {
  return {
    decision_id: uuidv7(),
    decided_at: (options.now ?? new Date()).toISOString(),
    policy_id: options.policyId ?? 'scopes',
    policy_version: '0',
    rule_id: 'scope',
    decision: 'deny',
    direction: 'ingress',
    reasons: [decision.reason],
    detector_kinds: [],
    findings: 0,
    agent: decision.agent,
    ...(decision.tool === undefined ? {} : { tool: decision.tool }),
  }
}
