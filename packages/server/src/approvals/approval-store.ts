import type { Queryable } from '../storage/database'

/** Where an approval request stands. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled'

/** One row of `approvals`. */
export interface ApprovalRow {
  workspace_id: string
  approval_id: string
  action_type: string
  context: unknown
  context_hash: string
  description: string | null
  system_name: string | null
  agent_name: string | null
  approver_hint: string | null
  status: ApprovalStatus
  requested_by_key_id: string
  requested_by: string
  /** The person the requesting agent acts for (its `authorisedBy` identity), when it said. */
  requested_for: string | null
  requested_at: Date
  expires_at: Date
  decided_by_key_id: string | null
  decided_by: string | null
  decided_at: Date | null
  reason: string | null
  decision_leaf_index: number | null
  token_expires_at: Date | null
  /** When the token was used: redeemed before the action ran, or presented by an attestation. */
  consumed_at: Date | null
  /** The attestation that presented (or, after a redemption, was linked to) the token. */
  consumed_by: string | null
  /** Set when an SDK redeemed the token before running the action (then `consumed_by` links later). */
  redeemed_at: Date | null
  redeemed_by_key_id: string | null
  redemption_id: string | null
}

const COLUMNS = `workspace_id, approval_id, action_type, context, context_hash, description, system_name,
  agent_name, approver_hint, status, requested_by_key_id, requested_by, requested_for, requested_at, expires_at,
  decided_by_key_id, decided_by, decided_at, reason, decision_leaf_index, token_expires_at, consumed_at, consumed_by,
  redeemed_at, redeemed_by_key_id, redemption_id`

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value : new Date(String(value))
}

function normalise(row: Record<string, unknown>): ApprovalRow {
  const context = typeof row.context === 'string' ? (JSON.parse(row.context) as unknown) : row.context
  return {
    ...(row as unknown as ApprovalRow),
    context,
    requested_at: toDate(row.requested_at) as Date,
    expires_at: toDate(row.expires_at) as Date,
    decided_at: toDate(row.decided_at),
    token_expires_at: toDate(row.token_expires_at),
    consumed_at: toDate(row.consumed_at),
    redeemed_at: toDate(row.redeemed_at),
    redeemed_by_key_id: (row.redeemed_by_key_id as string | null | undefined) ?? null,
    redemption_id: (row.redemption_id as string | null | undefined) ?? null,
    requested_for: (row.requested_for as string | null | undefined) ?? null,
    decision_leaf_index: row.decision_leaf_index === null ? null : Number(row.decision_leaf_index),
  }
}

/** What a new approval request holds. */
export interface NewApproval {
  workspaceId: string
  approvalId: string
  actionType: string
  context: unknown
  contextHash: string
  description: string | undefined
  systemName: string | undefined
  agentName: string | undefined
  approverHint: string | undefined
  requestedByKeyId: string
  requestedBy: string
  requestedFor?: string | undefined
  requestedAt: Date
  expiresAt: Date
}

/** Inserts a pending approval and returns its row. */
export async function insertApproval(database: Queryable, approval: NewApproval): Promise<ApprovalRow> {
  const result = await database.query(
    `insert into approvals (workspace_id, approval_id, action_type, context, context_hash, description,
       system_name, agent_name, approver_hint, status, requested_by_key_id, requested_by, requested_at, expires_at,
       requested_for)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $13, $14)
     returning ${COLUMNS}`,
    [
      approval.workspaceId,
      approval.approvalId,
      approval.actionType,
      JSON.stringify(approval.context),
      approval.contextHash,
      approval.description ?? null,
      approval.systemName ?? null,
      approval.agentName ?? null,
      approval.approverHint ?? null,
      approval.requestedByKeyId,
      approval.requestedBy,
      approval.requestedAt.toISOString(),
      approval.expiresAt.toISOString(),
      approval.requestedFor ?? null,
    ],
  )
  return normalise(result.rows[0] as Record<string, unknown>)
}

/** One approval, optionally locked for update inside a transaction. */
export async function selectApproval(
  database: Queryable,
  workspaceId: string,
  approvalId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ApprovalRow | undefined> {
  const result = await database.query(
    `select ${COLUMNS} from approvals where workspace_id = $1 and approval_id = $2${options.forUpdate ? ' for update' : ''}`,
    [workspaceId, approvalId],
  )
  const row = result.rows[0]
  return row === undefined ? undefined : normalise(row as Record<string, unknown>)
}

/**
 * The approval ids `idOrPrefix` names in a workspace: the exact id, or (for 8 to 36 lowercase hex
 * characters and dashes) every id starting with it, up to five. The Python CLI shows and sends
 * 8-character prefixes.
 */
export async function matchApprovalIds(
  database: Queryable,
  workspaceId: string,
  idOrPrefix: string,
): Promise<string[]> {
  const exact = await database.query<{ approval_id: string }>(
    'select approval_id from approvals where workspace_id = $1 and approval_id = $2',
    [workspaceId, idOrPrefix],
  )
  if (exact.rows.length > 0) return exact.rows.map((row) => row.approval_id)
  if (!/^[0-9a-f-]{8,36}$/.test(idOrPrefix)) return []
  const { rows } = await database.query<{ approval_id: string }>(
    `select approval_id from approvals where workspace_id = $1 and approval_id like $2 || '%' order by approval_id limit 5`,
    [workspaceId, idOrPrefix],
  )
  return rows.map((row) => row.approval_id)
}

/** Approvals of a workspace, newest first; `status` undefined means all. */
export async function selectApprovals(
  database: Queryable,
  workspaceId: string,
  options: {
    status: ApprovalStatus | undefined
    limit: number
    before?: { requestedAt: Date; approvalId: string }
  },
): Promise<ApprovalRow[]> {
  const params: unknown[] = [workspaceId]
  let where = 'workspace_id = $1'
  if (options.status !== undefined) {
    params.push(options.status)
    where += ` and status = $${params.length}`
  }
  if (options.before !== undefined) {
    params.push(options.before.requestedAt.toISOString(), options.before.approvalId)
    where += ` and (requested_at, approval_id) < ($${params.length - 1}::timestamptz, $${params.length})`
  }
  params.push(options.limit)
  const result = await database.query(
    `select ${COLUMNS} from approvals where ${where} order by requested_at desc, approval_id desc limit $${params.length}`,
    params,
  )
  return result.rows.map((row) => normalise(row as Record<string, unknown>))
}

/** Marks one pending approval expired when its deadline passed; returns the row when it changed. */
export async function expireApproval(
  database: Queryable,
  workspaceId: string,
  approvalId: string,
  now: Date,
): Promise<ApprovalRow | undefined> {
  const result = await database.query(
    `update approvals set status = 'expired', decided_at = expires_at
      where workspace_id = $1 and approval_id = $2 and status = 'pending' and expires_at <= $3
      returning ${COLUMNS}`,
    [workspaceId, approvalId, now.toISOString()],
  )
  const row = result.rows[0]
  return row === undefined ? undefined : normalise(row as Record<string, unknown>)
}

/** Marks every overdue pending approval expired (all workspaces); returns the changed rows. */
export async function expireDueApprovals(
  database: Queryable,
  now: Date,
  limit = 500,
): Promise<ApprovalRow[]> {
  const result = await database.query(
    `update approvals set status = 'expired', decided_at = expires_at
      where (workspace_id, approval_id) in (
        select workspace_id, approval_id from approvals
         where status = 'pending' and expires_at <= $1
         order by expires_at limit $2
         for update skip locked)
        and status = 'pending'
      returning ${COLUMNS}`,
    [now.toISOString(), limit],
  )
  return result.rows.map((row) => normalise(row as Record<string, unknown>))
}

/** Records a decision on a pending approval (inside the decision's transaction). */
export async function updateDecision(
  database: Queryable,
  decision: {
    workspaceId: string
    approvalId: string
    status: 'approved' | 'rejected' | 'cancelled'
    decidedByKeyId: string
    decidedBy: string
    decidedAt: Date
    reason: string | undefined
    tokenExpiresAt: Date | undefined
    /** The ledger leaf the decision becomes (the ledger head is locked in the same transaction). */
    decisionLeafIndex: number | undefined
  },
): Promise<ApprovalRow | undefined> {
  const result = await database.query(
    `update approvals set status = $3, decided_by_key_id = $4, decided_by = $5, decided_at = $6, reason = $7,
        token_expires_at = $8, decision_leaf_index = $9
      where workspace_id = $1 and approval_id = $2 and status = 'pending'
      returning ${COLUMNS}`,
    [
      decision.workspaceId,
      decision.approvalId,
      decision.status,
      decision.decidedByKeyId,
      decision.decidedBy,
      decision.decidedAt.toISOString(),
      decision.reason ?? null,
      decision.tokenExpiresAt?.toISOString() ?? null,
      decision.decisionLeafIndex ?? null,
    ],
  )
  const row = result.rows[0]
  return row === undefined ? undefined : normalise(row as Record<string, unknown>)
}

/**
 * Consumes an approved token exactly once: a conditional update that only one transaction can
 * win (`consumed_at is null`). Returns the row when this call consumed it.
 */
export async function markConsumed(
  database: Queryable,
  consumption: {
    workspaceId: string
    approvalId: string
    actionType: string
    contextHash: string
    consumedBy: string
    now: Date
  },
): Promise<ApprovalRow | undefined> {
  const result = await database.query(
    `update approvals set consumed_at = $6, consumed_by = $5
      where workspace_id = $1 and approval_id = $2 and status = 'approved' and consumed_at is null
        and action_type = $3 and context_hash = $4 and token_expires_at > $6
      returning ${COLUMNS}`,
    [
      consumption.workspaceId,
      consumption.approvalId,
      consumption.actionType,
      consumption.contextHash,
      consumption.consumedBy,
      consumption.now.toISOString(),
    ],
  )
  const row = result.rows[0]
  return row === undefined ? undefined : normalise(row as Record<string, unknown>)
}

/**
 * Redeems an approved token before its action runs: the same conditional update as
 * {@link markConsumed} (only one transaction can win `consumed_at is null`), recording the
 * redemption and leaving `consumed_by` for the attestation that follows. Returns the row when this
 * call redeemed it.
 */
export async function markRedeemed(
  database: Queryable,
  redemption: {
    workspaceId: string
    approvalId: string
    actionType: string
    contextHash: string
    keyId: string
    redemptionId: string
    now: Date
  },
): Promise<ApprovalRow | undefined> {
  const result = await database.query(
    `update approvals set consumed_at = $7, redeemed_at = $7, redeemed_by_key_id = $5, redemption_id = $6
      where workspace_id = $1 and approval_id = $2 and status = 'approved' and consumed_at is null
        and action_type = $3 and context_hash = $4 and token_expires_at > $7
      returning ${COLUMNS}`,
    [
      redemption.workspaceId,
      redemption.approvalId,
      redemption.actionType,
      redemption.contextHash,
      redemption.keyId,
      redemption.redemptionId,
      redemption.now.toISOString(),
    ],
  )
  const row = result.rows[0]
  return row === undefined ? undefined : normalise(row as Record<string, unknown>)
}

/**
 * Links a redeemed token to the attestation of the action it gated, exactly once (a conditional
 * update on `consumed_by is null`). No expiry check: the redemption happened while the token was
 * valid, and the attestation may arrive later from an outbox. Returns the row when this call linked it.
 */
export async function linkRedeemed(
  database: Queryable,
  link: {
    workspaceId: string
    approvalId: string
    actionType: string
    contextHash: string
    attestationId: string
  },
): Promise<ApprovalRow | undefined> {
  const result = await database.query(
    `update approvals set consumed_by = $5
      where workspace_id = $1 and approval_id = $2 and status = 'approved' and redeemed_at is not null
        and consumed_by is null and action_type = $3 and context_hash = $4
      returning ${COLUMNS}`,
    [link.workspaceId, link.approvalId, link.actionType, link.contextHash, link.attestationId],
  )
  const row = result.rows[0]
  return row === undefined ? undefined : normalise(row as Record<string, unknown>)
}
