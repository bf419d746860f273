import { ApprovalDeniedError, type Approvals, ApprovalTimeoutError } from '@mima/approvals'
import type { ApprovalTokenInput } from '@mima/core'

const KIND = 'mima.approval'

/** What a LangGraph node asks a person to approve: pass it to `interrupt()`. */
export interface ApprovalInterrupt {
  readonly kind: typeof KIND
  /** The action to gate; the approved token is valid only on an attestation with this tool name. */
  readonly actionType: string
  /** What the approver sees, and what the approval is bound to (JSON). */
  readonly context: Readonly<Record<string, unknown>>
  readonly description?: string
  /** Only this API key's name may decide. */
  readonly approver?: string
  readonly timeoutSeconds?: number
}

/** What `interrupt(approvalInterrupt(…))` returns once the graph resumes. */
export type ApprovalDecision =
  | {
      readonly approved: true
      readonly approvalId: string
      readonly approvedBy: string
      /** For `mima.attest({ toolName: actionType, approvalToken })`: redeemed once, before the action runs. */
      readonly approvalToken: ApprovalTokenInput
    }
  | { readonly approved: false; readonly approvalId?: string; readonly reason: string }

/**
 * The value a LangGraph node passes to `interrupt()` to wait for a person's decision in Mima.
 * Plain JSON, so it survives the checkpointer.
 *
 * @example
 * ```ts
 * const decision: ApprovalDecision = interrupt(approvalInterrupt({ actionType: 'refund', context: { order, amount } }))
 * if (decision.approved) await mima.attest({ toolName: 'refund', approvalToken: decision.approvalToken }, refund)(order)
 * ```
 */
export function approvalInterrupt(request: Omit<ApprovalInterrupt, 'kind'>): ApprovalInterrupt {
  return { kind: KIND, ...request }
}

function isApprovalInterrupt(value: unknown): value is ApprovalInterrupt {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as ApprovalInterrupt).kind === KIND &&
    typeof (value as ApprovalInterrupt).actionType === 'string'
  )
}

/** One pending interrupt of a paused graph (`result.__interrupt__`, or a state task's `interrupts`). */
interface InterruptLike {
  readonly id?: string
  readonly value?: unknown
}

async function decide(approvals: Approvals, request: ApprovalInterrupt): Promise<ApprovalDecision> {
  try {
    const token = await approvals.requireApproval({
      actionType: request.actionType,
      context: request.context,
      ...(request.description === undefined ? {} : { description: request.description }),
      ...(request.approver === undefined ? {} : { approver: request.approver }),
      ...(request.timeoutSeconds === undefined ? {} : { timeoutSeconds: request.timeoutSeconds }),
    })
    return {
      approved: true,
      approvalId: token.approvalId,
      approvedBy: token.approvedBy,
      approvalToken: {
        token: token.token,
        approvalId: token.approvalId,
        contextHash: token.contextHash,
        oversightEvidence: token.oversightEvidence,
      },
    }
  } catch (error) {
    if (error instanceof ApprovalDeniedError)
      return { approved: false, approvalId: error.approvalId, reason: error.reason ?? 'Denied in Mima.' }
    if (error instanceof ApprovalTimeoutError)
      return { approved: false, approvalId: error.approvalId, reason: 'Nobody decided in time.' }
    throw error
  }
}

/**
 * Decides the Mima approval interrupts of a paused LangGraph run: asks a person for each one (they
 * decide in the dashboard, the CLI or through the API), waits, and returns what to resume with:
 * `graph.invoke(new Command({ resume }), config)`. One interrupt resumes with its decision; several
 * with a map from interrupt id to decision. `undefined` when the run is not waiting on Mima.
 */
export async function resolveApprovalInterrupts(
  approvals: Approvals,
  result: { readonly __interrupt__?: readonly InterruptLike[] } | readonly InterruptLike[],
): Promise<ApprovalDecision | Record<string, ApprovalDecision> | undefined> {
  const interrupts = (
    Array.isArray(result) ? result : ((result as { __interrupt__?: InterruptLike[] }).__interrupt__ ?? [])
  ).filter((entry: InterruptLike) => isApprovalInterrupt(entry?.value)) as InterruptLike[]
  if (interrupts.length === 0) return undefined
  const decisions = await Promise.all(
    interrupts.map((entry) => decide(approvals, entry.value as ApprovalInterrupt)),
  )
  if (interrupts.length === 1) return decisions[0]
  const byId: Record<string, ApprovalDecision> = {}
  interrupts.forEach((entry, index) => {
    byId[entry.id ?? String(index)] = decisions[index] as ApprovalDecision
  })
  return byId
}
