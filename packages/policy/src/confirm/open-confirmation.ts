import { type Approvals, type ApprovalsSource, createApprovals } from '@mima/approvals'
import type { Confirmation, ConfirmationOutcome } from '../precheck/precheck-types'

/** How `confirm` decisions ask a person (through `@mima/approvals`). */
export interface ConfirmOptions {
  /** A client made by `createMima`, or `{ baseUrl, apiKey }`: where approvals are requested. */
  readonly approvals: ApprovalsSource
  /** The server's public URL for dashboard links (default: the approvals connection's base URL). */
  readonly dashboardUrl?: string
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

const CONNECTION = Symbol.for('mima.connection')

function baseUrlOf(source: ApprovalsSource): string | undefined {
  const core = (source as unknown as Record<symbol, { baseUrl?: unknown } | undefined>)[CONNECTION]
  const url = core?.baseUrl ?? (source as { baseUrl?: unknown }).baseUrl
  return typeof url === 'string' ? url.replace(/\/+$/, '').replace(/\/api$/, '') : undefined
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
  const approvals: Approvals = createApprovals(options.approvals)
  const dashboardUrl = (options.dashboardUrl ?? baseUrlOf(options.approvals) ?? '').replace(/\/+$/, '')
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
