import type { Direction, PolicyDecision, PrecheckResult } from '../precheck/precheck-types'
import {
  type AllowPii,
  DEFAULT_DENY_TOOLS,
  DEFAULT_NETWORK_SCOPES,
  DEFAULT_NETWORK_TOOLS,
  type PiiAction,
  type PolicyDocument,
  type RuleAction,
} from './policy-document'
import { validatePolicy } from './validate-policy'

/** What happens to one found value. */
export type ValueAction = 'keep' | 'redact' | 'tokenize' | 'mask' | 'deny' | 'confirm'

/**
 * The resolved rule for one (tool, scope, direction): computed once per tool and cached, so a
 * decision without text is one map lookup.
 */
export interface RulePlan {
  /** `deny_tools`, `tool_access.<name>`, `defaults.<direction>` or `network.<direction>`. */
  readonly ruleId: string
  /** The decision before looking at the text: `deny` and `confirm` hold whatever it contains. */
  readonly verdict: 'deny' | 'confirm' | 'scan'
  /** Reasons that hold before looking at the text (`tool.denied:<tool>`, `tool.confirm:<tool>`). */
  readonly reasons: readonly string[]
  /** The action for a found value whose kind has no entry. */
  readonly baseAction: ValueAction
  /** Per-kind actions (`allow_pii`). */
  readonly kindActions: ReadonlyMap<string, ValueAction>
  /** Whether any found value could change the decision or the text (else detection is skipped). */
  readonly needsScan: boolean
  /** The decision when there is nothing to scan. */
  readonly staticDecision: PolicyDecision
  /** The rule's `reason` sentence, for approvers. */
  readonly note: string | undefined
  /** The (frozen) result when the text is not looked at: for `deny`, and when there is nothing to scan. */
  readonly staticResult: PrecheckResult
}

/** A validated policy turned into lookup tables. */
export interface CompiledPolicy {
  /** The policy's `name` (`'default'` when it has none). */
  readonly id: string
  /** The policy's `version` as a string (`'0'` when it has none). */
  readonly version: string
  readonly document: PolicyDocument
  readonly onError: 'block' | 'pass' | 'best_effort'
  readonly redactionMode: 'placeholder' | 'mask' | 'token'
  /** The rule for a call; `tool` and `scope` may be empty strings. */
  rule(tool: string, scope: string, direction: Direction): RulePlan
}

const MAX_CACHED_TOOLS = 10_000

function valueAction(action: PiiAction | RuleAction): ValueAction {
  switch (action) {
    case 'allow':
    case 'pass_through':
      return 'keep'
    case 'deny':
    case 'block':
      return 'deny'
    default:
      return action
  }
}

/** `PII:email_address` → `email`: GovernsAI's and Presidio's names map to our kind names. */
const KIND_ALIASES: Readonly<Record<string, string>> = {
  email_address: 'email',
  phone_number: 'phone',
  iban_code: 'iban',
  ip: 'ip_address',
  api_key: 'api_key',
  jwt_token: 'jwt',
  us_date_of_birth: 'date_of_birth',
}

/** The kind a policy key names (`PII:EMAIL_ADDRESS` → `email`, `credit_card` → `credit_card`). */
export function normalizeKind(key: string): string {
  const bare = (key.startsWith('PII:') ? key.slice(4) : key).toLowerCase()
  return KIND_ALIASES[bare] ?? bare
}

function kindTable(...tables: (AllowPii | undefined)[]): Map<string, ValueAction> {
  const map = new Map<string, ValueAction>()
  // Later tables are more specific: they override earlier ones.
  for (const table of tables) {
    if (table === undefined) continue
    for (const [key, action] of Object.entries(table)) map.set(normalizeKind(key), valueAction(action))
  }
  return map
}

function staticDecisionOf(verdict: RulePlan['verdict']): PolicyDecision {
  return verdict === 'scan' ? 'allow' : verdict
}

interface PlanContext {
  readonly policyId: string
  readonly policyVersion: string
  readonly direction: Direction
}

const NO_KINDS: readonly string[] = Object.freeze([])

function makePlan(
  context: PlanContext,
  ruleId: string,
  action: RuleAction,
  kinds: Map<string, ValueAction>,
  reasons: readonly string[],
  note: string | undefined,
): RulePlan {
  const base = valueAction(action)
  const verdict: RulePlan['verdict'] = base === 'deny' ? 'deny' : base === 'confirm' ? 'confirm' : 'scan'
  // A confirm rule still replaces found values (redact unless the table says otherwise).
  const baseAction: ValueAction = verdict === 'confirm' ? 'redact' : base
  const wildcard = kinds.get('*')
  const effectiveBase = wildcard ?? baseAction
  kinds.delete('*')
  let needsScan = verdict !== 'deny' && effectiveBase !== 'keep'
  if (verdict !== 'deny') for (const kindAction of kinds.values()) if (kindAction !== 'keep') needsScan = true
  const frozenReasons = Object.freeze([...reasons])
  const staticResult: PrecheckResult = Object.freeze({
    decision: staticDecisionOf(verdict),
    reasons: frozenReasons,
    redacted: undefined,
    redactedPayload: undefined,
    mapping: undefined,
    metadata: Object.freeze({
      policyId: context.policyId,
      policyVersion: context.policyVersion,
      ruleId,
      direction: context.direction,
      detectorKinds: NO_KINDS,
      findings: 0,
    }),
    confirmation: undefined,
  })
  return Object.freeze({
    ruleId,
    verdict,
    reasons: frozenReasons,
    baseAction: effectiveBase,
    kindActions: kinds,
    needsScan,
    staticDecision: staticDecisionOf(verdict),
    note,
    staticResult,
  })
}

function prefixMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>()
  const prefixes: string[] = []
  for (const pattern of patterns) {
    if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1))
    else exact.add(pattern)
  }
  if (prefixes.length === 0) return (name) => exact.has(name)
  return (name) => exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix))
}

/**
 * Validates a policy and compiles it into lookup tables: the rule for each tool is resolved once
 * (deny list, exact or suffix `tool_access` match, defaults, network upgrade) and then served from
 * a map, so the cost of a decision does not grow with the number of rules.
 *
 * @example
 * ```ts
 * const compiled = compilePolicy({ deny_tools: ['shell.exec'] })
 * compiled.rule('shell.exec', '', 'ingress').verdict // 'deny'
 * ```
 */
export function compilePolicy(input: PolicyDocument): CompiledPolicy {
  const document = validatePolicy(input)
  const policyId = document.name ?? 'default'
  const policyVersion = document.version === undefined ? '0' : String(document.version)
  const contexts: Record<Direction, PlanContext> = {
    ingress: { policyId, policyVersion, direction: 'ingress' },
    egress: { policyId, policyVersion, direction: 'egress' },
  }
  const topKinds = document.allow_pii
  const isDenied = prefixMatcher(document.deny_tools ?? DEFAULT_DENY_TOOLS)
  const networkScopes = document.network_scopes ?? DEFAULT_NETWORK_SCOPES
  const isNetworkTool = prefixMatcher(
    (document.network_tools ?? DEFAULT_NETWORK_TOOLS).map((tool) => `${tool}*`),
  )

  const defaults = {} as Record<Direction, RulePlan>
  const network = {} as Record<Direction, RulePlan>
  for (const direction of ['ingress', 'egress'] as const) {
    const rule = document.defaults?.[direction]
    const action = rule?.action ?? 'redact'
    defaults[direction] = makePlan(
      contexts[direction],
      `defaults.${direction}`,
      action,
      kindTable(topKinds, rule?.allow_pii),
      action === 'deny' || action === 'block' ? [`defaults.denied:${direction}`] : [],
      undefined,
    )
    const base = valueAction(action)
    network[direction] =
      base === 'keep'
        ? makePlan(
            contexts[direction],
            `network.${direction}`,
            'redact',
            kindTable(topKinds, rule?.allow_pii),
            [],
            undefined,
          )
        : defaults[direction]
  }

  const toolRules = new Map(Object.entries(document.tool_access ?? {}))

  function toolPlan(tool: string, direction: Direction): RulePlan | undefined {
    if (tool !== '' && isDenied(tool)) {
      return makePlan(
        contexts[direction],
        'deny_tools',
        'deny',
        new Map(),
        [`tool.denied:${tool}`],
        undefined,
      )
    }
    // Exact name, then the longest dotted suffix: `mcp.weather.current` → `weather.current` → `current`.
    let name = tool
    let rule = toolRules.get(name)
    while (rule === undefined) {
      const dot = name.indexOf('.')
      if (dot < 0) break
      name = name.slice(dot + 1)
      rule = toolRules.get(name)
    }
    if (rule === undefined) return undefined
    const ruleDirection = rule.direction ?? 'both'
    if (ruleDirection !== 'both' && ruleDirection !== direction) return undefined
    const action = rule.action ?? document.defaults?.[direction]?.action ?? 'redact'
    const reasons =
      action === 'deny' || action === 'block'
        ? [`tool.denied:${tool}`]
        : action === 'confirm'
          ? [`tool.confirm:${tool}`]
          : []
    return makePlan(
      contexts[direction],
      `tool_access.${name}`,
      action,
      kindTable(topKinds, rule.allow_pii),
      reasons,
      rule.reason,
    )
  }

  // `null` in the cache: no deny/tool rule, the defaults (or the network upgrade) apply.
  const toolCache = {
    ingress: new Map<string, RulePlan | null>(),
    egress: new Map<string, RulePlan | null>(),
  }

  function rule(tool: string, scope: string, direction: Direction): RulePlan {
    const cache = toolCache[direction]
    let plan = cache.get(tool)
    if (plan === undefined) {
      plan = toolPlan(tool, direction) ?? (tool !== '' && isNetworkTool(tool) ? network[direction] : null)
      if (cache.size < MAX_CACHED_TOOLS) cache.set(tool, plan)
    }
    if (plan !== null) return plan
    if (scope !== '') {
      for (const prefix of networkScopes) if (scope.startsWith(prefix)) return network[direction]
    }
    return defaults[direction]
  }

  return Object.freeze({
    id: policyId,
    version: policyVersion,
    document,
    onError: document.on_error ?? 'block',
    redactionMode: document.redaction?.mode ?? 'placeholder',
    rule,
  })
}
