import type { Approvals } from '@mima/approvals'
import { hashValue, MimaError, toHashable } from '@mima/core'
import { createPolicyEngine, createScopeRegistry, type PolicyEngine } from '@mima/policy'
import { createMcpDecisionRecorder } from './decision-records'
import type {
  McpCallAnswer,
  McpCallOutcome,
  McpGovernance,
  McpGovernanceEvent,
  McpGovernanceOptions,
  McpToolCall,
  McpToolInventoryEntry,
} from './mcp-governance-types'
import { type McpCallResult, type RefusalCode, refusalOf, refusalResult } from './refusal'
import { defaultDescriptionCheck, type McpToolDefinition, toolDefinitionSha256 } from './tool-definition'

export type {
  McpCallAnswer,
  McpCallOutcome,
  McpGovernance,
  McpGovernanceEvent,
  McpGovernanceOptions,
  McpToolCall,
  McpToolInventoryEntry,
  McpToolRule,
} from './mcp-governance-types'

const qualified = (server: string, tool: string): string => `mcp.${server}.${tool}`

function isPolicyEngine(value: unknown): value is PolicyEngine {
  return typeof (value as PolicyEngine | undefined)?.checkToolCall === 'function'
}

function validateName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw new MimaError(
      'config_invalid',
      `createMcpGovernance: ${field} must be 1–128 letters, digits, '_', '-' or '.', got ${JSON.stringify(value)}.`,
    )
  }
  return value
}

/** The arguments as the approver reads them, when small enough (the digest binds them either way). */
function argumentsPreview(args: Record<string, unknown> | undefined): { arguments?: unknown } {
  const value = toHashable(args ?? {})
  return JSON.stringify(value).length <= 8192 ? { arguments: value } : {}
}

const approvalRefusal: Readonly<Record<string, RefusalCode>> = {
  approval_denied: 'approval_denied',
  approval_timeout: 'approval_timeout',
  approval_cancelled: 'approval_cancelled',
}

/**
 * Creates the governance of one upstream MCP server for one agent: the one module behind
 * `createMcpProxy` and `governMcpClient`.
 *
 * @example
 * ```ts
 * const governance = createMcpGovernance({
 *   server: 'github', agent: 'coder', mima, approvals: createApprovals(mima), killSwitch,
 *   allowedTools: ['list_issues', 'create_issue'], tools: { create_issue: { requiresApproval: true } },
 * })
 * ```
 */
export function createMcpGovernance(options: McpGovernanceOptions): McpGovernance {
  const server = validateName(options.server, 'server')
  const agent = validateName(options.agent, 'agent')
  const { mima, approvals, killSwitch } = options
  const rules = options.tools ?? {}
  const failOpen = options.failMode === 'open'
  const onFlagged = options.onFlaggedTool ?? 'hide'
  const descriptionCheck =
    options.descriptionCheck === false ? undefined : (options.descriptionCheck ?? defaultDescriptionCheck)
  const engine: PolicyEngine = isPolicyEngine(options.policy)
    ? options.policy
    : createPolicyEngine(options.policy === undefined ? {} : { policy: options.policy })
  const scopes = createScopeRegistry()
  scopes.registerAgent({
    agent,
    allowedTools: [...(options.allowedTools ?? [])],
    hiddenTools: [...(options.hiddenTools ?? [])],
  })
  const decisions =
    options.recordDecisions === false ? undefined : createMcpDecisionRecorder({ mima, server, agent })
  const inventory = new Map<string, McpToolInventoryEntry>()
  const emit = (event: McpGovernanceEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // A listener must not change a decision.
    }
  }

  function flagsOf(tool: McpToolDefinition, hash: string): string[] {
    const flags: string[] = []
    const injected = descriptionCheck?.(tool)
    if (injected !== undefined) flags.push(injected)
    const approved = rules[tool.name]?.approvedSha256 ?? options.pins?.get(server, tool.name)
    if (approved === undefined) options.pins?.set(server, tool.name, hash)
    else if (approved !== hash) flags.push('description.changed')
    return flags
  }

  function filterTools<T extends McpToolDefinition>(tools: readonly T[]): T[] {
    const visible: T[] = []
    inventory.clear()
    for (const tool of tools) {
      if (typeof tool?.name !== 'string') continue
      const hash = toolDefinitionSha256(tool)
      const inScope = scopes.decide({ agent, tool: tool.name }).allowed
      const flags = inScope ? flagsOf(tool, hash) : []
      const hidden = flags.length > 0 && onFlagged === 'hide'
      for (const reason of flags) emit({ type: 'tool.flagged', server, tool: tool.name, reason, hidden })
      const rule = rules[tool.name]
      inventory.set(tool.name, {
        name: tool.name,
        definitionSha256: hash,
        risk: rule?.risk,
        requiresApproval: rule?.requiresApproval === true,
        visible: inScope && !hidden,
        flags,
      })
      if (inScope && !hidden) visible.push(tool)
    }
    emit({ type: 'tools.listed', server, visible: visible.length, total: tools.length })
    return visible
  }

  /** Kill switch and scope, synchronously: a refusal, or undefined to go on. */
  function gate(tool: string): McpCallResult | undefined {
    try {
      killSwitch?.assertAlive(agent)
    } catch (error) {
      const killed = (error as { agentName?: unknown }).agentName === agent
      if (killed) return refusalResult(tool, 'agent_killed', (error as Error).message, ['kill_switch'])
      if (!failOpen) {
        return refusalResult(
          tool,
          'mima_unreachable',
          'the Mima server cannot be reached to check this agent, and the proxy fails closed.',
          ['mima.unreachable'],
        )
      }
    }
    const scope = scopes.decide({ agent, tool })
    if (!scope.allowed) {
      return refusalResult(tool, 'scope_denied', `agent "${agent}" may not call this tool.`, [scope.reason])
    }
    const inventoried = inventory.get(tool)
    if (inventoried !== undefined && !inventoried.visible) {
      return refusalResult(
        tool,
        'tool_flagged',
        'its description was flagged (injected instructions, or changed since it was approved) and it is hidden.',
        [...inventoried.flags],
      )
    }
    return undefined
  }

  async function postcheck(name: string, answer: McpCallAnswer): Promise<McpCallAnswer> {
    if (answer.result === undefined) return answer
    const checked = await engine.postcheck({ tool: name, payload: answer.result, agent })
    decisions?.checked(name.slice(server.length + 5), checked) // name is mcp.<server>.<tool>
    if (checked.decision === 'deny' || checked.decision === 'confirm') {
      return {
        result: refusalResult(
          name,
          'result_withheld',
          'the result holds data the policy does not let reach the model.',
          checked.reasons,
        ),
      }
    }
    if (checked.redactedPayload !== undefined) return { result: checked.redactedPayload as McpCallResult }
    return answer
  }

  function outcomeOf(answer: McpCallAnswer): McpCallOutcome {
    if (answer.error !== undefined) return 'upstream_error'
    const refusal = refusalOf(answer.result)
    if (refusal !== undefined) return refusal.code === 'result_withheld' ? 'withheld' : 'refused'
    return answer.result.isError === true ? 'tool_error' : 'ok'
  }

  function record(
    name: string,
    tool: string,
    args: unknown,
    answer: McpCallAnswer,
    startedAt: number,
    started: number,
    reasons: readonly string[],
  ): McpCallOutcome {
    const outcome = outcomeOf(answer)
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000
    mima.record({
      toolName: name,
      input: args ?? {},
      output: answer.result ?? answer.error,
      startedAt,
      durationMs,
      ...(outcome === 'ok' ? {} : { errorType: outcome }),
      metadata: { mcp_server: server, mcp_tool: tool, outcome, reasons: [...reasons] },
    })
    emit({ type: 'call', server, tool, outcome, reasons, durationMs })
    return outcome
  }

  async function callTool(
    call: McpToolCall,
    forward: (args: Record<string, unknown> | undefined) => Promise<McpCallAnswer>,
  ): Promise<McpCallAnswer> {
    const startedAt = Date.now()
    const started = performance.now()
    const tool = call.name
    const name = qualified(server, tool)
    const refuse = (result: McpCallResult, reasons: readonly string[]): McpCallAnswer => {
      const answer = { result }
      record(name, tool, call.arguments, answer, startedAt, started, reasons)
      return answer
    }
    try {
      const gated = gate(tool)
      if (gated !== undefined) {
        const refusal = refusalOf(gated)
        if (refusal !== undefined) decisions?.refused(tool, refusal.code, refusal.reasons)
        return refuse(gated, refusal?.reasons ?? [])
      }
      const precheck = await engine.checkToolCall({ tool: name, args: call.arguments ?? {}, agent })
      decisions?.checked(tool, precheck)
      if (precheck.decision === 'deny') {
        return refuse(
          refusalResult(
            tool,
            'policy_denied',
            `the policy denies it (${precheck.reasons.join(', ')}).`,
            precheck.reasons,
          ),
          precheck.reasons,
        )
      }
      const args =
        precheck.redactedPayload === undefined
          ? call.arguments
          : (precheck.redactedPayload as Record<string, unknown>)
      const needsApproval = precheck.decision === 'confirm' || rules[tool]?.requiresApproval === true
      if (!needsApproval) {
        const answer = await postcheck(name, await forward(args))
        record(name, tool, args, answer, startedAt, started, precheck.reasons)
        return answer
      }
      return await approveThenCall(call, name, args, precheck.reasons, started, forward, refuse)
    } catch (error) {
      return refuse(
        refusalResult(
          tool,
          'governance_error',
          `governance failed (${(error as Error)?.message ?? String(error)}).`,
        ),
        ['governance_error'],
      )
    }
  }

  async function approveThenCall(
    call: McpToolCall,
    name: string,
    args: Record<string, unknown> | undefined,
    reasons: readonly string[],
    started: number,
    forward: (args: Record<string, unknown> | undefined) => Promise<McpCallAnswer>,
    refuse: (result: McpCallResult, reasons: readonly string[]) => McpCallAnswer,
  ): Promise<McpCallAnswer> {
    const tool = call.name
    if (approvals === undefined) {
      return refuse(
        refusalResult(
          tool,
          'approval_failed',
          'it needs a person’s approval and no approvals client is configured.',
        ),
        [...reasons, 'approval.unavailable'],
      )
    }
    let approvalId: string | undefined
    let token: Awaited<ReturnType<Approvals['requireApproval']>>
    try {
      token = await approvals.requireApproval({
        actionType: name,
        description: `Agent "${agent}" wants to call ${tool} on MCP server "${server}".`,
        // The approval (and its token) is bound to this tool and these exact arguments.
        context: {
          mcp_server: server,
          mcp_tool: tool,
          agent,
          arguments_sha256: hashValue(toHashable(args ?? {})),
          ...argumentsPreview(args),
          risk: rules[tool]?.risk ?? null,
          reasons: [...reasons],
        },
        ...(options.approvalTimeoutSeconds === undefined
          ? {}
          : { timeoutSeconds: options.approvalTimeoutSeconds }),
        ...(call.signal === undefined ? {} : { signal: call.signal }),
        onRequested: (id) => {
          approvalId = id
          emit({ type: 'approval.requested', server, tool, approvalId: id })
          try {
            call.onApprovalRequested?.(id)
          } catch {
            // Telling the client is best effort.
          }
        },
      })
    } catch (error) {
      const code = MimaError.isInstance(error) ? approvalRefusal[error.code] : undefined
      return refuse(
        refusalResult(
          tool,
          code ?? 'approval_failed',
          code === undefined
            ? `it needs a person’s approval, which could not be requested (${(error as Error)?.message ?? String(error)}).`
            : (error as Error).message,
        ),
        [...reasons, code ?? 'approval.unavailable'],
      )
    }
    if (token.status !== 'approved') {
      return refuse(refusalResult(tool, 'approval_timeout', 'nobody approved it in time.'), [
        ...reasons,
        'approval_timeout',
      ])
    }
    let answer: McpCallAnswer | undefined
    try {
      // The core attest path redeems the token at the server before the call runs (fail closed).
      const attested = mima.attest(
        {
          toolName: name,
          approvalToken: token,
          hashInput: () => args ?? {},
          hashOutput: (value: McpCallAnswer) => value.result ?? value.error,
          // The same metadata as every other governed call, plus the approval.
          metadata: (value: McpCallAnswer | undefined) => ({
            mcp_server: server,
            mcp_tool: tool,
            outcome: value === undefined ? 'upstream_error' : outcomeOf(value),
            reasons: [...reasons],
            ...(approvalId === undefined ? {} : { approval_id: approvalId }),
          }),
        },
        async () => {
          answer = await postcheck(name, await forward(args))
          return answer
        },
      )
      answer = await attested()
    } catch (error) {
      if (answer !== undefined) return answer
      return refuse(
        refusalResult(
          tool,
          'approval_failed',
          `the approval could not be redeemed (${(error as Error)?.message}).`,
        ),
        [...reasons, 'approval_token_invalid'],
      )
    }
    emit({
      type: 'call',
      server,
      tool,
      outcome: outcomeOf(answer),
      reasons,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      approvalId,
    })
    return answer
  }

  return {
    server,
    agent,
    filterTools,
    callTool,
    inventory: () => [...inventory.values()],
  }
}
