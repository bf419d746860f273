/**
 * What a rule does with a call. `allow` and `pass_through` are the same (GovernsAI writes
 * `pass_through`); `block` is the same as `deny`. `redact` and `tokenize` say how found values are
 * replaced; `deny` and `confirm` apply whatever the text holds.
 */
export type RuleAction = 'allow' | 'pass_through' | 'deny' | 'block' | 'confirm' | 'redact' | 'tokenize'

/** What happens to one kind of found value: kept, replaced, or the whole call denied or confirmed. */
export type PiiAction =
  | 'pass_through'
  | 'allow'
  | 'redact'
  | 'tokenize'
  | 'mask'
  | 'deny'
  | 'block'
  | 'confirm'

/** A per-kind table: `{ 'PII:email': 'pass_through', credit_card: 'deny', '*': 'redact' }`. */
export type AllowPii = Readonly<Record<string, PiiAction>>

/** The rule for one direction in `defaults`. */
export interface DirectionDefaults {
  readonly action: RuleAction
  readonly allow_pii?: AllowPii
}

/** The rule for one tool in `tool_access`. */
export interface ToolAccessRule {
  /** Which checks it applies to: `ingress` (precheck), `egress` (postcheck) or `both` (default). */
  readonly direction?: 'ingress' | 'egress' | 'both'
  readonly action?: RuleAction
  readonly allow_pii?: AllowPii
  /** A sentence shown to the approver (for `confirm`) or in the reasons. */
  readonly reason?: string
}

/**
 * A policy, in GovernsAI's `policy.tool_access.yaml` shape (snake_case, as in the YAML file).
 *
 * Precedence: `deny_tools`, then the tool's `tool_access` rule (exact name first, then the longest
 * dotted suffix, so `mcp.weather.current` matches `weather.current`), then `defaults` for the
 * direction, upgraded to `redact` for network calls (`network_scopes` / `network_tools`).
 *
 * @example
 * ```yaml
 * version: 1
 * name: support-bot
 * defaults:
 *   ingress: { action: redact }
 *   egress: { action: redact }
 * tool_access:
 *   payments.refund: { direction: ingress, action: confirm }
 *   weather.current:
 *     direction: both
 *     action: redact
 *     allow_pii: { "PII:email": pass_through, "PII:credit_card": deny }
 * deny_tools: [shell.exec, python.exec]
 * on_error: block
 * ```
 */
export interface PolicyDocument {
  readonly version?: number | string
  /** The policy's id: decisions, records and spans name it (`security.policy.id`). */
  readonly name?: string
  readonly defaults?: { readonly ingress?: DirectionDefaults; readonly egress?: DirectionDefaults }
  readonly tool_access?: Readonly<Record<string, ToolAccessRule>>
  /** Tools that are always denied. A trailing `*` matches a prefix (`shell.*`). */
  readonly deny_tools?: readonly string[]
  /** Carried for GovernsAI compatibility; scope checks use `registerAgent`. */
  readonly allow_tools?: readonly string[]
  /** Per-kind handling for every rule that has no entry of its own. */
  readonly allow_pii?: AllowPii
  /** Scope prefixes that make a call a network call (default `['net.']`). */
  readonly network_scopes?: readonly string[]
  /** Tool prefixes that make a call a network call (default `web.`, `http.`, `fetch.`, `request.`). */
  readonly network_tools?: readonly string[]
  /** What a failing detector does: `block` (deny, default), `pass` (allow) or `best_effort`. */
  readonly on_error?: 'block' | 'pass' | 'best_effort'
  /** How found values are replaced: `placeholder` (`<EMAIL_1>`, default), `mask` or `token`. */
  readonly redaction?: { readonly mode?: 'placeholder' | 'mask' | 'token' }
  /** Carried for GovernsAI compatibility (cost estimates). */
  readonly model?: string
}

/** The defaults GovernsAI ships for `deny_tools`. */
export const DEFAULT_DENY_TOOLS: readonly string[] = ['python.exec', 'bash.exec', 'code.exec', 'shell.exec']
/** The default `network_scopes`. */
export const DEFAULT_NETWORK_SCOPES: readonly string[] = ['net.']
/** The default `network_tools`. */
export const DEFAULT_NETWORK_TOOLS: readonly string[] = ['web.', 'http.', 'fetch.', 'request.']
