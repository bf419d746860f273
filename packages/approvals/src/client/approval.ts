import { MimaError } from '@mima/core'

/** Where an approval request stands. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled'

/** An approval request as the server reports it. */
export interface Approval {
  readonly id: string
  readonly status: ApprovalStatus
  readonly actionType: string
  /** The context the agent asked about (what the approver sees). */
  readonly context: unknown
  /** SHA-256 (hex) of the canonical JSON of `context`, computed by the server. */
  readonly contextHash: string
  readonly description: string | undefined
  readonly systemName: string | undefined
  readonly agentName: string | undefined
  /** Who may decide: when set, only the key with this name. */
  readonly approverHint: string | undefined
  /** The requesting key's name. */
  readonly requestedBy: string
  /** The person the requesting agent acts for (its client's `authorisedBy` identity), when sent. */
  readonly requestedFor: string | undefined
  readonly requestedAt: Date
  /** When a pending request expires. */
  readonly expiresAt: Date
  readonly decidedBy: string | undefined
  readonly decidedAt: Date | undefined
  /** The approver's reason (for a rejection, the rejection reason). */
  readonly reason: string | undefined
  /** When the token was used: redeemed before the action ran, or presented by an attestation. */
  readonly consumedAt: Date | undefined
  /** When an SDK redeemed the token before running the action (unset for a token consumed at ingest). */
  readonly redeemedAt: Date | undefined
  /** The server-signed token: present only for the requesting key, once approved and not yet consumed. */
  readonly token: string | undefined
}

/** The JSON an approvals endpoint answers for one approval (field names of the reference §1.2/§1.3). */
export interface ApprovalWire {
  id?: unknown
  approval_id?: unknown
  status?: unknown
  action_type?: unknown
  context?: unknown
  context_hash?: unknown
  description?: unknown
  system_name?: unknown
  agent_name?: unknown
  approver_hint?: unknown
  requested_by?: unknown
  requested_for?: unknown
  requested_at?: unknown
  expires_at?: unknown
  decided_by?: unknown
  approved_by?: unknown
  decided_at?: unknown
  reason?: unknown
  rejection_reason?: unknown
  consumed_at?: unknown
  redeemed_at?: unknown
  token?: unknown
}

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired', 'cancelled']

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function optionalDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Reads one approval from the server's JSON; throws `server_error` when it is not one. */
export function parseApproval(wire: ApprovalWire): Approval {
  const id = optionalString(wire.id) ?? optionalString(wire.approval_id)
  const status = wire.status
  if (id === undefined || typeof status !== 'string' || !STATUSES.includes(status as ApprovalStatus)) {
    throw new MimaError('server_error', 'The server answered an approval without an id or a known status.', {
      details: { body: wire as Record<string, unknown> },
    })
  }
  const decidedBy = optionalString(wire.decided_by) ?? optionalString(wire.approved_by)
  return {
    id,
    status: status as ApprovalStatus,
    actionType: typeof wire.action_type === 'string' ? wire.action_type : '',
    context: wire.context,
    contextHash: typeof wire.context_hash === 'string' ? wire.context_hash : '',
    description: optionalString(wire.description),
    systemName: optionalString(wire.system_name),
    agentName: optionalString(wire.agent_name),
    approverHint: optionalString(wire.approver_hint),
    requestedBy: typeof wire.requested_by === 'string' ? wire.requested_by : '',
    requestedFor: optionalString(wire.requested_for),
    requestedAt: optionalDate(wire.requested_at) ?? new Date(Number.NaN),
    expiresAt: optionalDate(wire.expires_at) ?? new Date(Number.NaN),
    decidedBy,
    decidedAt: optionalDate(wire.decided_at),
    reason: optionalString(wire.reason) ?? optionalString(wire.rejection_reason),
    consumedAt: optionalDate(wire.consumed_at),
    redeemedAt: optionalDate(wire.redeemed_at),
    token: optionalString(wire.token),
  }
}
