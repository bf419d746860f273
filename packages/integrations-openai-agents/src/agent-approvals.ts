import {
  ApprovalDeniedError,
  type Approvals,
  ApprovalTimeoutError,
  type ApprovalToken,
} from '@mima/approvals'
import { type Mima, MimaError, toHashable } from '@mima/core'

// Approved tool calls waiting to run, by the model's call id: `gateApprovedTool` redeems the
// token when the call runs (once). Bounded: the oldest are dropped past MAX_WAITING.
const approvedCalls = new Map<string, ApprovalToken>()
const MAX_WAITING = 10_000

function remember(callId: string, token: ApprovalToken): void {
  if (approvedCalls.size >= MAX_WAITING) {
    const oldest = approvedCalls.keys().next().value
    if (oldest !== undefined) approvedCalls.delete(oldest)
  }
  approvedCalls.set(callId, token)
}

/** What the bridge reads of a `RunToolApprovalItem`. */
export interface ToolApprovalItemLike {
  readonly rawItem: {
    readonly name?: string | undefined
    readonly callId?: string | undefined
    readonly arguments?: string | undefined
    readonly type?: string | undefined
  }
  readonly toolName?: string | undefined
}

/** What the bridge needs of a paused run's result (`result.interruptions`, `result.state`). */
export interface InterruptedRunLike<Item extends ToolApprovalItemLike> {
  readonly interruptions?: readonly Item[] | undefined
  readonly state: {
    approve(item: Item, options?: { alwaysApprove?: boolean }): void
    reject(item: Item, options?: { alwaysReject?: boolean; message?: string }): void
  }
}

/** Options of {@link resolveAgentApprovals}. */
export interface AgentApprovalOptions {
  /** Prefix of the approvals' action types (default `openai-agents:tool:`). */
  readonly actionPrefix?: string
  readonly approver?: string
  readonly timeoutSeconds?: number
  /** When given, each approval's `human_oversight` evidence is pushed through this client. */
  readonly mima?: Mima
}

/** One decision made by {@link resolveAgentApprovals}. */
export interface AgentApprovalDecision {
  readonly toolName: string
  readonly callId: string | undefined
  readonly approved: boolean
  readonly approvalId?: string
  readonly reason?: string
}

function parseArguments(text: string | undefined): unknown {
  if (text === undefined) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Decides the tool-approval interruptions of a paused `@openai/agents` run through Mima: for each
 * `result.interruptions` item, a person is asked (dashboard, CLI or API) to approve that exact tool
 * call (its name, call id and arguments form the approval's context, so the decision is bound to
 * it), and the run state is approved or rejected accordingly. Resume with `run(agent, result.state)`.
 * The decisions are ledger leaves on the server (oversight evidence).
 *
 * @example
 * ```ts
 * let result = await run(agent, 'Refund order A-17')
 * while (result.interruptions?.length) {
 *   await resolveAgentApprovals(approvals, result)
 *   result = await run(agent, result.state)
 * }
 * ```
 */
export async function resolveAgentApprovals<Item extends ToolApprovalItemLike>(
  approvals: Approvals,
  result: InterruptedRunLike<Item>,
  options: AgentApprovalOptions = {},
): Promise<AgentApprovalDecision[]> {
  const prefix = options.actionPrefix ?? 'openai-agents:tool:'
  return Promise.all(
    (result.interruptions ?? []).map(async (item): Promise<AgentApprovalDecision> => {
      const toolName = item.toolName ?? item.rawItem.name ?? 'tool'
      const callId = item.rawItem.callId
      try {
        const token = await approvals.requireApproval({
          actionType: `${prefix}${toolName}`,
          context: {
            tool_name: toolName,
            call_id: callId ?? null,
            arguments: toHashable(parseArguments(item.rawItem.arguments)),
          },
          description: `The agent wants to call ${toolName}.`,
          ...(options.approver === undefined ? {} : { approver: options.approver }),
          ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
        })
        if (callId !== undefined) remember(callId, token)
        result.state.approve(item)
        if (options.mima !== undefined) await options.mima.pushEvidence(token.oversightEvidence)
        return { toolName, callId, approved: true, approvalId: token.approvalId }
      } catch (error) {
        const denied = error instanceof ApprovalDeniedError
        if (!denied && !(error instanceof ApprovalTimeoutError)) throw error
        const reason = denied ? (error.reason ?? 'Denied in Mima.') : 'Nobody decided in time.'
        result.state.reject(item, { message: `Not approved: ${reason}` })
        return { toolName, callId, approved: false, approvalId: error.approvalId, reason }
      }
    }),
  )
}

/** What {@link gateApprovedTool} needs of an `@openai/agents` function tool. */
export interface GatedToolLike {
  readonly name: string
  // Method syntax, so the SDK's own parameter types are accepted (its details carry `toolCall.callId`).
  invoke(runContext: never, input: string, details?: never): Promise<unknown>
  needsApproval?: unknown
}

/** Options of {@link gateApprovedTool}. */
export interface GateApprovedToolOptions {
  /** The client that redeems the token and attests the call. */
  readonly mima: Mima
  /** Prefix of the approvals' action types (default `openai-agents:tool:`; as in `resolveAgentApprovals`). */
  readonly actionPrefix?: string
}

/**
 * Makes a tool's approval a gate, not a note: when the resumed run calls the tool, the call's
 * approval token (from {@link resolveAgentApprovals}) is redeemed at the server before `execute`
 * runs, inside `mima.attest` for action `openai-agents:tool:<name>`, so the attestation is linked
 * to the approval. The token works once, for that call id only. A call that needs approval and has
 * no token (never approved, already run, or approved in another process) is refused with
 * `approval_token_invalid` and does not run; the SDK hands the refusal to the model as the tool's
 * result. A call the tool's `needsApproval` does not ask about runs as before.
 *
 * @example
 * ```ts
 * const refund = gateApprovedTool(tool({ name: 'refund', needsApproval: true, parameters, execute }), { mima })
 * let result = await run(agent, 'Refund order A-17')
 * await resolveAgentApprovals(approvals, result, { mima })
 * result = await run(agent, result.state) // redeems the token, then refunds
 * ```
 */
export function gateApprovedTool<Tool extends GatedToolLike>(
  tool: Tool,
  options: GateApprovedToolOptions,
): Tool {
  const actionType = `${options.actionPrefix ?? 'openai-agents:tool:'}${tool.name}`
  const original = tool.invoke
  const invoke = async function invoke(
    this: unknown,
    runContext: never,
    input: string,
    details?: { readonly toolCall?: { readonly callId?: string } },
  ): Promise<unknown> {
    const callId = details?.toolCall?.callId
    const token = callId === undefined ? undefined : approvedCalls.get(callId)
    if (token === undefined) {
      if (!(await needsApproval(tool, runContext, input, callId))) {
        return Reflect.apply(original, this, [runContext, input, details])
      }
      throw new MimaError(
        'approval_token_invalid',
        `The ${tool.name} call ${callId ?? '(no call id)'} has no Mima approval to redeem: decide it with resolveAgentApprovals first (each approval runs one call once).`,
      )
    }
    approvedCalls.delete(callId as string)
    return options.mima.attest({ toolName: actionType, approvalToken: token }, () =>
      Reflect.apply(original, this, [runContext, input, details]),
    )()
  }
  tool.invoke = invoke as Tool['invoke']
  return tool
}

async function needsApproval(
  tool: GatedToolLike,
  runContext: never,
  input: string,
  callId: string | undefined,
): Promise<boolean> {
  const rule = tool.needsApproval
  if (typeof rule === 'boolean') return rule
  if (typeof rule !== 'function') return false
  let parsed: unknown = input
  try {
    parsed = JSON.parse(input)
  } catch {
    // the SDK passes the raw string through when it is not JSON
  }
  return (await rule(runContext, parsed, callId)) === true
}
