import {
  ApprovalDeniedError,
  type Approvals,
  ApprovalTimeoutError,
  type ApprovalToken,
} from '@mima/approvals'
import { toHashable } from '@mima/core'

/** How tool approvals are asked for. */
export interface ToolApprovalOptions {
  /** Who may decide (an API key's name); anyone with an approver key by default. */
  readonly approver?: string
  /** How long a person has to decide, in seconds (default 300). A timeout denies the call. */
  readonly timeoutSeconds?: number
  /** The sentence the approver sees (default: "<tool> wants to run with this input."). */
  readonly describe?: (toolName: string, input: unknown) => string
}

/** A person's decision on one tool call. */
export interface ToolCallDecision {
  readonly approved: boolean
  readonly reason?: string
  readonly approvalId?: string
}

/**
 * Asks a person (dashboard, CLI or webhook) to decide on one tool call through `@mima/approvals`.
 * The request's context names the tool call (id, tool, input), so its token is bound to that exact
 * call; an approved call's token is kept until the tool runs, which redeems it once.
 */
export class ToolApprovalBridge {
  readonly #tokens = new Map<string, ApprovalToken>()

  constructor(
    readonly approvals: Approvals,
    readonly actionType: (toolName: string) => string,
    readonly options: ToolApprovalOptions = {},
  ) {}

  async decide(toolName: string, toolCallId: string, input: unknown): Promise<ToolCallDecision> {
    const options = this.options
    try {
      const token = await this.approvals.requireApproval({
        actionType: this.actionType(toolName),
        context: { tool_call_id: toolCallId, tool_name: toolName, input: toHashable(input) },
        description: options.describe?.(toolName, input) ?? `${toolName} wants to run with this input.`,
        ...(options.approver === undefined ? {} : { approver: options.approver }),
        ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
      })
      this.#tokens.set(toolCallId, token)
      return { approved: true, approvalId: token.approvalId }
    } catch (error) {
      if (error instanceof ApprovalDeniedError)
        return {
          approved: false,
          reason: error.reason ?? 'Denied by a person in Mima.',
          approvalId: error.approvalId,
        }
      if (error instanceof ApprovalTimeoutError)
        return { approved: false, reason: 'Nobody decided in time.', approvalId: error.approvalId }
      throw error
    }
  }

  /** The approved token of a tool call, removed: it can be used once. */
  take(toolCallId: string): ApprovalToken | undefined {
    const token = this.#tokens.get(toolCallId)
    if (token !== undefined) this.#tokens.delete(toolCallId)
    return token
  }
}
