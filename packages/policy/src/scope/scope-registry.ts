import { MimaError } from '@mima/core'
import type { AliveCheck } from '../agents/alive-check'
import { type ApiPattern, compileApiPattern, normalizeApiRequest } from './api-pattern'

/** What one agent may call. Everything else is refused (default-deny). */
export interface AgentScope {
  readonly agent: string
  /** Tool names; a trailing `*` allows a prefix (`crm.*`). */
  readonly allowedTools: readonly string[]
  /** URL patterns, optionally after a method: `GET https://api.stripe.com/v1/*`, `https://*.example.com/*`. */
  readonly allowedApis?: readonly string[]
  /** Tools removed from the model's tool list by `filterTools` (and refused if called anyway). */
  readonly hiddenTools?: readonly string[]
}

/** How risky a tool is (GovernsAI's `riskLevel`). */
export type RiskLevel = 'low' | 'medium' | 'high' | 'critical'

/** A tool in the registry, with GovernsAI's metadata. */
export interface ToolMetadata {
  readonly name: string
  readonly description?: string
  readonly category?: string
  readonly riskLevel?: RiskLevel
  /** A call of this tool needs a person's confirmation (precheck answers `confirm`). */
  readonly requiresApproval?: boolean
  /** Free metadata (JSON). */
  readonly metadata?: Readonly<Record<string, unknown>>
}

/** What to check: an agent calling a tool, an API, or both. */
export interface ScopeRequest {
  readonly agent: string
  readonly tool?: string
  /** `METHOD URL` or a URL (`POST https://api.stripe.com/v1/refunds`). */
  readonly api?: string
}

/** The answer of a scope check. */
export interface ScopeDecision {
  readonly allowed: boolean
  /** `scope.allowed`, `scope.unregistered_agent:<agent>`, `scope.tool_not_allowed:<tool>`, `scope.tool_hidden:<tool>`, `scope.api_not_allowed:<api>`, `scope.bad_api:<api>` */
  readonly reason: string
  readonly agent: string
  readonly tool: string | undefined
  readonly api: string | undefined
}

/** A refused scope check: the agent may not call this tool or API. */
export class ScopeViolationError extends MimaError {
  readonly decision: ScopeDecision

  constructor(decision: ScopeDecision) {
    super(
      'scope_denied',
      `Agent '${decision.agent}' may not call ${decision.tool === undefined ? `API ${decision.api}` : `tool '${decision.tool}'`} (${decision.reason}).`,
      { details: { agent: decision.agent, tool: decision.tool, api: decision.api, reason: decision.reason } },
    )
    this.decision = decision
  }
}

/** Options for {@link createScopeRegistry}. */
export interface ScopeRegistryOptions {
  /** Called with every refused check (send it to the server, log it). Errors it throws are ignored. */
  readonly onViolation?: (decision: ScopeDecision) => void
  /**
   * The kill switch (`createRuntimeControls(...)`): `check` throws `AgentKilledError` for a killed
   * agent before looking at its scope.
   */
  readonly killSwitch?: AliveCheck
}

/** A tool as SDKs write it in a tool list: a name, `{ name }` or `{ function: { name } }`. */
export type ToolLike = string | { readonly name?: unknown; readonly function?: { readonly name?: unknown } }

/** Agents' scopes and the tool registry. */
export interface ScopeRegistry {
  /** Registers (or replaces) an agent's scope. */
  registerAgent(scope: AgentScope): void
  /** Registers (or replaces) tools with their metadata. */
  registerTools(tools: readonly ToolMetadata[]): void
  /** A tool's metadata, when registered. */
  tool(name: string): ToolMetadata | undefined
  /** Registered tools, optionally only those of a risk level or that need approval. */
  listTools(filter?: { readonly riskLevel?: RiskLevel; readonly requiresApproval?: boolean }): ToolMetadata[]
  /** Registered agents' scopes. */
  listAgents(): AgentScope[]
  /** The decision, without throwing or recording. */
  decide(request: ScopeRequest): ScopeDecision
  /** Checks and throws {@link ScopeViolationError} when refused (the violation is recorded). */
  check(request: ScopeRequest): ScopeDecision
  /** Removes hidden and not-allowed tools from a tool list before the model sees it. Unregistered agent: none. */
  filterTools<T extends ToolLike>(agent: string, tools: readonly T[]): T[]
}

interface CompiledScope {
  readonly scope: AgentScope
  readonly tools: (tool: string) => boolean
  readonly hidden: ReadonlySet<string>
  readonly apis: readonly ApiPattern[]
}

function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>()
  const prefixes: string[] = []
  for (const pattern of patterns) {
    if (pattern === '*') return () => true
    if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1))
    else exact.add(pattern)
  }
  return (name) => exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix))
}

function validateScope(scope: AgentScope): void {
  const fail = (message: string): never => {
    throw new MimaError('validation_failed', `registerAgent: ${message}`)
  }
  if (typeof scope?.agent !== 'string' || scope.agent.trim() === '') fail('agent must be a non-empty string.')
  for (const field of ['allowedTools', 'allowedApis', 'hiddenTools'] as const) {
    const list = scope[field]
    if (list === undefined && field !== 'allowedTools') continue
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
      fail(`${field} must be a list of non-empty strings.`)
    }
  }
}

/** The name of a tool as an SDK lists it, or `undefined`. */
export function toolName(tool: ToolLike): string | undefined {
  if (typeof tool === 'string') return tool
  if (typeof tool?.name === 'string') return tool.name
  const inner = tool?.function?.name
  return typeof inner === 'string' ? inner : undefined
}

/**
 * Creates a scope registry: default-deny tool and API checks per agent, `filterTools` for the
 * model's tool list, and the tool registry (risk level, `requiresApproval`).
 *
 * @example
 * ```ts
 * const scopes = createScopeRegistry()
 * scopes.registerAgent({
 *   agent: 'billing-agent',
 *   allowedTools: ['read_invoice', 'send_email'],
 *   allowedApis: ['GET https://api.stripe.com/v1/*'],
 *   hiddenTools: ['delete_customer'],
 * })
 * scopes.check({ agent: 'billing-agent', tool: 'delete_user' }) // throws ScopeViolationError
 * const visible = scopes.filterTools('billing-agent', tools)
 * ```
 */
export function createScopeRegistry(options: ScopeRegistryOptions = {}): ScopeRegistry {
  const agents = new Map<string, CompiledScope>()
  const tools = new Map<string, ToolMetadata>()

  function decide(request: ScopeRequest): ScopeDecision {
    const { agent, tool, api } = request
    const answer = (allowed: boolean, reason: string): ScopeDecision => ({
      allowed,
      reason,
      agent,
      tool,
      api,
    })
    const scope = agents.get(agent)
    if (scope === undefined) return answer(false, `scope.unregistered_agent:${agent}`)
    if (tool === undefined && api === undefined) return answer(false, 'scope.nothing_to_check')
    if (tool !== undefined) {
      if (scope.hidden.has(tool)) return answer(false, `scope.tool_hidden:${tool}`)
      if (!scope.tools(tool)) return answer(false, `scope.tool_not_allowed:${tool}`)
    }
    if (api !== undefined) {
      const normalized = normalizeApiRequest(api)
      if (normalized === undefined) return answer(false, `scope.bad_api:${api}`)
      if (!scope.apis.some((pattern) => pattern.matches(normalized))) {
        return answer(false, `scope.api_not_allowed:${api}`)
      }
    }
    return answer(true, 'scope.allowed')
  }

  return {
    registerAgent(scope: AgentScope): void {
      validateScope(scope)
      const frozen: AgentScope = Object.freeze({
        agent: scope.agent,
        allowedTools: Object.freeze([...scope.allowedTools]),
        allowedApis: Object.freeze([...(scope.allowedApis ?? [])]),
        hiddenTools: Object.freeze([...(scope.hiddenTools ?? [])]),
      })
      agents.set(scope.agent, {
        scope: frozen,
        tools: nameMatcher(frozen.allowedTools),
        hidden: new Set(frozen.hiddenTools),
        apis: (frozen.allowedApis ?? []).map(compileApiPattern),
      })
    },
    registerTools(list: readonly ToolMetadata[]): void {
      for (const tool of list) {
        if (typeof tool?.name !== 'string' || tool.name === '') {
          throw new MimaError('validation_failed', 'registerTools: every tool needs a non-empty name.')
        }
      }
      for (const tool of list) tools.set(tool.name, Object.freeze({ ...tool }))
    },
    tool: (name) => tools.get(name),
    listTools(filter = {}): ToolMetadata[] {
      return [...tools.values()].filter(
        (tool) =>
          (filter.riskLevel === undefined || tool.riskLevel === filter.riskLevel) &&
          (filter.requiresApproval === undefined ||
            (tool.requiresApproval ?? false) === filter.requiresApproval),
      )
    },
    listAgents: () => [...agents.values()].map((entry) => entry.scope),
    decide,
    check(request: ScopeRequest): ScopeDecision {
      options.killSwitch?.assertAlive(request.agent)
      const decision = decide(request)
      if (decision.allowed) return decision
      try {
        options.onViolation?.(decision)
      } catch {
        // Recording must not change the decision.
      }
      throw new ScopeViolationError(decision)
    },
    filterTools<T extends ToolLike>(agent: string, list: readonly T[]): T[] {
      const scope = agents.get(agent)
      if (scope === undefined) return []
      return list.filter((tool) => {
        const name = toolName(tool)
        return name !== undefined && !scope.hidden.has(name) && scope.tools(name)
      })
    },
  }
}
