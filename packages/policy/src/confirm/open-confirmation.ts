import type { Confirmation, ConfirmationOutcome } from '../precheck/precheck-types'

/**
 * The part of `@mima/approvals`' client that confirmations use: pass `createApprovals(mima)`.
 * (Structural, so `@mima/policy` does not depend on `@mima/approvals`.)
 */
export interface ApprovalsClient {
  requireApproval(options: {
    readonly actionType: string
    readonly context?: Readonly<Record<string, unknown>>
    readonly description?: string
    readonly timeoutSeconds?: number
    readonly approver?: string
    readonly onRequested?: (approvalId: string) => void
  }): Promise<unknown>
  get(approvalId: string): Promise<{ readonly status: string }>
}

/** How `confirm` decisions ask a person (through `@mima/approvals`). */
export interface ConfirmOptions {
  /** The approvals client: `createApprovals(mima)` from `@mima/approvals`. */
  readonly approvals: ApprovalsClient
  /** The server's public URL, for the dashboard link of each confirmation (`https://mima.example.com`). */
  readonly dashboardUrl: string
  /** How long a person has to decide, in seconds (default 300). */
  readonly timeoutSeconds?: number
  /** Only the API key with this name may decide. */
  readonly approver?: string
}

/** What one confirmation asks about. Never raw PII: the redacted text and the decision only. */
export interface ConfirmationRequest {
  readonly actionType: string
  readonly context: Readonly<Record<string, unknown>>
  readonly description: string
}

/** Opens approvals for `confirm` decisions: one client per engine. */
export interface Confirmer {
  open(request: ConfirmationRequest): Promise<Confirmation>
}

/**
 * Creates the confirmer: `open` resolves as soon as the server created the approval, with its
 * dashboard link; `wait()` follows the decision, `check()` reads it without waiting.
 */
export function createConfirmer(options: ConfirmOptions): Confirmer {
  const approvals = options.approvals
  const dashboardUrl = options.dashboardUrl.replace(/\/+$/, '').replace(/\/api$/, '')
  return {
    open(request: ConfirmationRequest): Promise<Confirmation> {
      return new Promise<Confirmation>((resolve, reject) => {
        let opened = false
        const outcome = approvals.requireApproval({
          actionType: request.actionType,
          context: request.context,
          description: request.description,
          ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
          ...(options.approver === undefined ? {} : { approver: options.approver }),
          onRequested: (approvalId) => {
            opened = true
            resolve({
              approvalId,
              url: `${dashboardUrl}/dashboard/approvals#approval-${encodeURIComponent(approvalId)}`,
              wait: (): Promise<ConfirmationOutcome> =>
                outcome.then((token) => ({ approved: true as const, token })),
              check: async (): Promise<string> => (await approvals.get(approvalId)).status,
            })
          },
        })
        // Handled here so a caller who never waits sees no unhandled rejection.
        outcome.catch((error: unknown) => {
          if (!opened) reject(error)
        })
      })
    },
  }
}
