import { ApprovalDeniedError, type Approvals, ApprovalTimeoutError } from '@mima/approvals'
import { type Mima, toHashable } from '@mima/core'

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
