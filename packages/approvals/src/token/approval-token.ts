import { buildOversightEvidence, type OversightEvidence } from '../evidence/oversight-evidence'
import { type ApprovalTokenClaims, decodeApprovalToken } from './decode-approval-token'

/** What {@link ApprovalToken} is built from. */
export interface ApprovalTokenInit {
  readonly token: string
  readonly approvalId: string
  readonly actionType: string
  readonly approvedBy: string
  readonly approvedAt: Date
  readonly systemName?: string
}

/**
 * Proof that a person approved one action. Pass it to `mima.attest({ toolName, approvalToken })`:
 * each call first redeems the server-signed `token` (the server consumes it exactly once; a second
 * use, another tool, a forged or expired token throw `approval_token_invalid` and the function does
 * not run), then runs the function, attests with the token (linked to the approval) and pushes
 * {@link ApprovalToken.oversightEvidence} (`human_oversight`, `oversight_status: 'approved'`).
 *
 * The token is bound to the approval id, the action type (the attested tool's name), the hash of
 * the approved context, and an expiry.
 */
export class ApprovalToken {
  /** Always `'approved'`: tells an {@link ApprovalToken} from a {@link TimeoutToken}. */
  readonly status: 'approved' = 'approved'
  /** The server-signed token string the attestation sends as `approval_token`. */
  readonly token: string
  readonly approvalId: string
  readonly actionType: string
  /** The deciding key's name. */
  readonly approvedBy: string
  readonly approvedAt: Date
  /** When the token stops being accepted. */
  readonly expiresAt: Date
  /** SHA-256 (hex) of the canonical JSON of the approved context. */
  readonly contextHash: string
  readonly systemName: string | undefined

  constructor(init: ApprovalTokenInit) {
    const claims: ApprovalTokenClaims = decodeApprovalToken(init.token)
    this.token = init.token
    this.approvalId = init.approvalId
    this.actionType = init.actionType
    this.approvedBy = init.approvedBy
    this.approvedAt = init.approvedAt
    this.expiresAt = new Date(claims.exp * 1000)
    this.contextHash = claims.ctx
    this.systemName = init.systemName
  }

  /** The `human_oversight` record to push once the attestation is accepted (reference §2.6). */
  get oversightEvidence(): OversightEvidence {
    return buildOversightEvidence({
      status: 'approved',
      approvalId: this.approvalId,
      actionType: this.actionType,
      approvedBy: this.approvedBy,
      ...(this.systemName === undefined ? {} : { systemName: this.systemName }),
    })
  }

  /** A log-safe form: the token string itself is never printed. */
  toJSON(): Record<string, unknown> {
    return {
      status: this.status,
      approvalId: this.approvalId,
      actionType: this.actionType,
      approvedBy: this.approvedBy,
      approvedAt: this.approvedAt.toISOString(),
      expiresAt: this.expiresAt.toISOString(),
      contextHash: this.contextHash,
    }
  }
}

/** What {@link TimeoutToken} is built from. */
export interface TimeoutTokenInit {
  readonly approvalId: string
  readonly actionType: string
  readonly timeoutSeconds: number
  readonly timedOutAt?: Date
  readonly systemName?: string
}

/**
 * Returned by `requireApproval` with `onTimeout: 'proceed'` when nobody decided in time. It holds
 * no server token (`token` is `''`, so an attestation sends no `approval_token`), and its
 * {@link TimeoutToken.oversightEvidence} says `timeout_unblocked`, which earns no oversight controls.
 */
export class TimeoutToken {
  /** Always `'timeout_unblocked'`. */
  readonly status: 'timeout_unblocked' = 'timeout_unblocked'
  /** Always `''`: nobody approved, so there is nothing for the server to consume. */
  readonly token: '' = ''
  readonly approvalId: string
  readonly actionType: string
  readonly timeoutSeconds: number
  readonly timedOutAt: Date
  readonly systemName: string | undefined

  constructor(init: TimeoutTokenInit) {
    this.approvalId = init.approvalId
    this.actionType = init.actionType
    this.timeoutSeconds = init.timeoutSeconds
    this.timedOutAt = init.timedOutAt ?? new Date()
    this.systemName = init.systemName
  }

  /** The `human_oversight` record (`oversight_status: 'timeout_unblocked'`, no `approved_by`). */
  get oversightEvidence(): OversightEvidence {
    return buildOversightEvidence({
      status: 'timeout_unblocked',
      approvalId: this.approvalId,
      actionType: this.actionType,
      ...(this.systemName === undefined ? {} : { systemName: this.systemName }),
    })
  }
}
