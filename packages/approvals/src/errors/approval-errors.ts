import { MimaError, type MimaErrorOptions } from '@mima/core'

/** Options shared by the approval errors. */
export interface ApprovalErrorOptions extends MimaErrorOptions {}

/**
 * A person rejected the approval request: the gated action must not run.
 *
 * @example
 * ```ts
 * try {
 *   await requireApproval(mima, { actionType: 'refund', context: { amount: 120 } })
 * } catch (error) {
 *   if (error instanceof ApprovalDeniedError) return { status: 'rejected', reason: error.reason }
 *   throw error
 * }
 * ```
 */
export class ApprovalDeniedError extends MimaError {
  /** The approval that was rejected. */
  readonly approvalId: string
  /** Who rejected it (the deciding key's name), when the server says. */
  readonly deniedBy: string | undefined
  /** The reason the approver gave, if any. */
  readonly reason: string | undefined

  constructor(
    approvalId: string,
    deniedBy: string | undefined,
    reason: string | undefined,
    options: ApprovalErrorOptions = {},
  ) {
    const by = deniedBy ? ` by '${deniedBy}'` : ''
    const why = reason ? `: ${reason}` : ''
    super('approval_denied', `Approval '${approvalId}' denied${by}${why}. The action was not taken.`, {
      ...options,
      details: { approval_id: approvalId, denied_by: deniedBy ?? null, reason: reason ?? null },
    })
    this.approvalId = approvalId
    this.deniedBy = deniedBy
    this.reason = reason
  }
}

/**
 * Nobody decided before the deadline (or the server expired the request) and `onTimeout` is
 * `'raise'`: the gated action must not run.
 */
export class ApprovalTimeoutError extends MimaError {
  /** The approval that expired. */
  readonly approvalId: string
  /** The timeout the request was made with, in seconds. */
  readonly timeoutSeconds: number

  constructor(approvalId: string, timeoutSeconds: number, options: ApprovalErrorOptions = {}) {
    super(
      'approval_timeout',
      `Approval '${approvalId}' not received within ${timeoutSeconds}s — the action was not taken. ` +
        "Ask an approver to decide sooner, raise timeoutSeconds, or pass onTimeout: 'proceed' to continue without approval (earns no oversight controls).",
      { ...options, details: { approval_id: approvalId, timeout_seconds: timeoutSeconds } },
    )
    this.approvalId = approvalId
    this.timeoutSeconds = timeoutSeconds
  }
}

/**
 * The wait was cancelled: the caller's `AbortSignal` fired, or the request was cancelled on the
 * server. The gated action must not run.
 */
export class ApprovalCancelledError extends MimaError {
  /** The approval that was cancelled, when it had been created. */
  readonly approvalId: string | undefined

  constructor(approvalId: string | undefined, message?: string, options: ApprovalErrorOptions = {}) {
    super(
      'approval_cancelled',
      message ??
        (approvalId === undefined
          ? 'The approval request was cancelled before it was sent. The action was not taken.'
          : `Approval '${approvalId}' was cancelled. The action was not taken.`),
      { ...options, details: { approval_id: approvalId ?? null } },
    )
    this.approvalId = approvalId
  }
}
