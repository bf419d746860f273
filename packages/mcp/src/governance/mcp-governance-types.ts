import type { Approvals } from '@mima/approvals'
import type { Mima } from '@mima/core'
import type { CompiledPolicy, PolicyDocument, PolicyEngine, RiskLevel } from '@mima/policy'
import type { McpCallResult } from './refusal'
import type { DescriptionCheck, McpToolDefinition } from './tool-definition'
import type { ToolPins } from './tool-pins'

/** What the configuration says of one upstream tool. */
export interface McpToolRule {
  readonly risk?: RiskLevel | undefined
  /** Every call waits for a person's approval in Mima. */
  readonly requiresApproval?: boolean | undefined
  /** The approved definition hash (`toolDefinitionSha256`); a different one flags the tool. */
  readonly approvedSha256?: string | undefined
}

/** What the upstream answered a forwarded `tools/call`: a result, or a JSON-RPC error. */
export type McpCallAnswer =
  | { readonly result: McpCallResult; readonly error?: undefined }
  | {
      readonly result?: undefined
      readonly error: { readonly code: number; readonly message: string; readonly data?: unknown }
    }

/** How a governed call ended. */
export type McpCallOutcome = 'ok' | 'tool_error' | 'upstream_error' | 'refused' | 'withheld'

/** What governance reports as it works (log it, count it, show it). */
export type McpGovernanceEvent =
  | {
      readonly type: 'call'
      readonly server: string
      readonly tool: string
      readonly outcome: McpCallOutcome
      readonly reasons: readonly string[]
      readonly durationMs: number
      readonly approvalId?: string | undefined
    }
  | {
      readonly type: 'approval.requested'
      readonly server: string
      readonly tool: string
      readonly approvalId: string
    }
  | {
      readonly type: 'tools.listed'
      readonly server: string
      readonly visible: number
      readonly total: number
    }
  | {
      readonly type: 'tool.flagged'
      readonly server: string
      readonly tool: string
      readonly reason: string
      readonly hidden: boolean
    }

/** A tool as governance sees it, for listings (dashboard, `inventory`). */
export interface McpToolInventoryEntry {
  readonly name: string
  readonly definitionSha256: string
  readonly risk: RiskLevel | undefined
  readonly requiresApproval: boolean
  /** Visible to the agent (allowed, not hidden, not flagged and hidden). */
  readonly visible: boolean
  readonly flags: readonly string[]
}

/** Options of `createMcpGovernance`. */
export interface McpGovernanceOptions {
  /** The upstream server's name: attestations and approvals name tools `mcp.<server>.<tool>`. */
  readonly server: string
  /** The agent whose scope, policy and kill switch apply. */
  readonly agent: string
  /** The core client that attests every call (`createMima`); unsent attestations wait in its outbox. */
  readonly mima: Mima
  /** Opens approvals (`createApprovals(mima)`). Without it, a call that needs one is refused. */
  readonly approvals?: Pick<Approvals, 'requireApproval'> | undefined
  /** The kill switch (`createKillSwitch`); its `assertAlive` runs before every call. */
  readonly killSwitch?: { assertAlive(agentName?: string): void } | undefined
  /** The policy (GovernsAI's shape, compiled, or an engine): precheck on arguments, postcheck on results. */
  readonly policy?: PolicyDocument | CompiledPolicy | PolicyEngine | undefined
  /** Tool names the agent may call; a trailing `*` allows a prefix. Default none (default-deny). */
  readonly allowedTools?: readonly string[] | undefined
  /** Tools removed from `tools/list` and refused. */
  readonly hiddenTools?: readonly string[] | undefined
  /** Risk, approval rule and approved definition hash per tool. */
  readonly tools?: Readonly<Record<string, McpToolRule>> | undefined
  /**
   * When the Mima server cannot be reached (the kill switch's state is unknown): `closed` (default)
   * refuses calls, `open` lets them through (attestations wait in the outbox). Approvals always
   * need the server.
   */
  readonly failMode?: 'closed' | 'open' | undefined
  /** How long a person has to decide an approval, in seconds (default 300). */
  readonly approvalTimeoutSeconds?: number | undefined
  /** Checks descriptions for injected instructions (default {@link defaultDescriptionCheck}); `false` turns it off. */
  readonly descriptionCheck?: DescriptionCheck | false | undefined
  /** Approved definition hashes: a first-seen tool is pinned, a changed one is flagged. */
  readonly pins?: ToolPins | undefined
  /** What happens to a flagged tool (injection or changed definition): `hide` (default) or `flag` only. */
  readonly onFlaggedTool?: 'hide' | 'flag' | undefined
  readonly onEvent?: ((event: McpGovernanceEvent) => void) | undefined
  /**
   * Send each decision that stops or changes a call (kill switch, fail-closed, scope, flagged tool,
   * precheck and postcheck `deny`/`redact`/`confirm`) to the server as an attestation named
   * `policy.mcp.<server>`, through the client's outbox (default true).
   */
  readonly recordDecisions?: boolean | undefined
}

/** One `tools/call` to govern. */
export interface McpToolCall {
  readonly name: string
  readonly arguments?: Readonly<Record<string, unknown>> | undefined
  /** Aborted when the client cancels the call: a pending approval is cancelled. */
  readonly signal?: AbortSignal | undefined
  /** Called once the call waits for a person, with the approval's id (the proxy tells the client). */
  readonly onApprovalRequested?: ((approvalId: string) => void) | undefined
}

/** The governance of one upstream server for one agent, shared by the proxy and `governMcpClient`. */
export interface McpGovernance {
  readonly server: string
  readonly agent: string
  /** `tools/list`: removes tools out of scope, hidden or flagged; flags injected or changed descriptions. */
  filterTools<T extends McpToolDefinition>(tools: readonly T[]): T[]
  /**
   * `tools/call`: kill switch, scope, precheck (redact / deny / confirm), approval, the call itself
   * through `forward`, postcheck on the result, attestation. Refusals come back as MCP tool errors.
   */
  callTool(
    call: McpToolCall,
    forward: (args: Record<string, unknown> | undefined) => Promise<McpCallAnswer>,
  ): Promise<McpCallAnswer>
  /** The tools seen in the last `tools/list`, with their risk, approval rule and flags. */
  inventory(): McpToolInventoryEntry[]
}
