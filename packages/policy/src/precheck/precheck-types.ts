import type { Finding } from '../detectors/types'

export type { Finding }

/** What a policy decides for one input or output. */
export type PolicyDecision = 'allow' | 'deny' | 'confirm' | 'redact'

/** `ingress` is what leaves the process (precheck); `egress` is what comes back (postcheck). */
export type Direction = 'ingress' | 'egress'

/** Finds personal data and secrets in a text. `detect` from this package is one. */
export type DetectFunction = (text: string) => readonly Finding[]

/** What to check: a prompt, a message or a tool call. Every field is optional. */
export interface PrecheckInput {
  /** The tool or operation (`model.chat`, `weather.current`, `mcp.github.create_issue`). */
  readonly tool?: string
  /** The scope (`net.external` makes a call a network call). */
  readonly scope?: string
  /** The text that will leave the process (or that came back, for postcheck). */
  readonly text?: string
  /** Structured data sent with the call (tool arguments); its string values are checked as well. */
  readonly payload?: unknown
  /** The end user, recorded with the decision. */
  readonly userId?: string
  /** Free tags, recorded with the decision. */
  readonly tags?: readonly string[]
  /** Ties the decision to the caller's request (approvals and records carry it). */
  readonly correlationId?: string
  /** The agent making the call (recorded; scope checks use `registerAgent`). */
  readonly agent?: string
}

/** What the decision rests on. Never contains the checked text or a detected value. */
export interface PrecheckMetadata {
  /** The policy's `name` (or `'default'`). */
  readonly policyId: string
  /** The policy's `version`, as written. */
  readonly policyVersion: string
  /** The rule that decided: `deny_tools`, `tool_access.<tool>`, `defaults.ingress`, `network`, `on_error`. */
  readonly ruleId: string
  readonly direction: Direction
  /** The kinds that were found, each once, in order of first appearance. */
  readonly detectorKinds: readonly string[]
  /** How many values were found. */
  readonly findings: number
}

/** A pending human confirmation for a `confirm` decision (see `precheck`). */
export interface Confirmation {
  /** The approval's id on the server. */
  readonly approvalId: string
  /** The dashboard page where a person decides (GovernsAI's `confirmation_url`). */
  readonly url: string
  /**
   * Waits for the decision: resolves with the approval token when approved, throws
   * `ApprovalDeniedError` / `ApprovalTimeoutError` / `ApprovalCancelledError` otherwise.
   */
  wait(): Promise<ConfirmationOutcome>
  /** Reads the current status without waiting (`pending`, `approved`, `rejected`, …). */
  check(): Promise<string>
}

/** What {@link Confirmation.wait} resolves with once a person approved. */
export interface ConfirmationOutcome {
  readonly approved: true
  /** The server-signed approval token (bound to this call; present it to `attest`). */
  readonly token: unknown
}

/** The answer of `precheck`, `postcheck`, `checkChatMessage` and `checkToolCall`. */
export interface PrecheckResult {
  readonly decision: PolicyDecision
  /** Reason codes: `tool.denied:<tool>`, `pii.redacted:<kind>`, `pii.blocked:<kind>`, `tool.confirm:<tool>`, … */
  readonly reasons: readonly string[]
  /**
   * The text with the findings replaced, when at least one was (decision `redact`, and `confirm`
   * when the rule also redacts); `undefined` when the text is unchanged.
   */
  readonly redacted: string | undefined
  /** The payload with found values replaced (a copy), when at least one was; else `undefined`. */
  readonly redactedPayload: unknown
  /**
   * For keyed tokens: the encrypted token → value mapping; `restoreRedacted(text, mapping, tokenKey)`
   * puts the values back (only with the key). `undefined` when nothing was tokenized.
   */
  readonly mapping: string | undefined
  readonly metadata: PrecheckMetadata
  /** Set by `precheck` for a `confirm` decision when approvals are configured. */
  readonly confirmation: Confirmation | undefined
}
