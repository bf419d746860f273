/**
 * Deciding and cancelling approvals: who may (roles, the requester, the hinted approver, a person's
 * own requests), the decision's passkey signature, and the decision's ledger leaf, all in one
 * transaction; then the event on the bus. The service (`approvals-service.ts`) delegates here.
 */
import { hashValue } from '@mima/core'
import type { EventBus, ServerEvent } from '../events/event-bus'
import type { Principal } from '../http/context'
import { httpError } from '../http/errors'
import type { Database, Queryable } from '../storage/database'
import { decisionFrom } from './approval-input'
import { approvalActionDigest, decisionRecord, type PasskeySignature } from './approval-record'
import { insertPasskeySignature } from './approval-signature-store'
import { type ApprovalRow, expireApproval, selectApproval, updateDecision } from './approval-store'

/**
 * Locks the workspace's ledger head inside a transaction (taken first, as the attestation ingest
 * path does, so both lock in one order) and appends one leaf.
 */
export type LedgerLock = (
  transaction: Queryable,
  workspaceId: string,
) => Promise<{
  /** The index the next leaf gets. */
  readonly treeSize: number
  append(entry: { kind: string; recordId: string; recordHash: string; acceptedAt: Date }): Promise<number>
}>

/** Options of {@link decideApproval}. */
export interface DecideOptions {
  /**
   * The verified WebAuthn assertion of the deciding person's passkey over the approval's action
   * digest. Stored with the decision, in its transaction, and committed to by its ledger leaf.
   */
  passkey?: PasskeySignature
}

/** What deciding runs on (the service's parts). */
export interface DecisionContext {
  database: Database
  lockLedger: LedgerLock
  events: EventBus
  /** The event for a row version (one per row and type, see `approval-events.ts`). */
  event(type: string, row: ApprovalRow): ServerEvent
  now(): Date
  /** How long an approval token stays valid after the approval, in seconds. */
  tokenTtlSeconds: number
}

function sameIdentity(left: string, right: string): boolean {
  return left.trim().toLowerCase() === right.trim().toLowerCase()
}

/**
 * Whether a person deciding is (or stands behind) the requester: the request was made for them
 * (`requested_for`), or by an API key they created.
 */
async function isUsersOwnRequest(
  transaction: Queryable,
  principal: Principal,
  row: ApprovalRow,
): Promise<boolean> {
  if (principal.userId === undefined) return false
  if (row.requested_for !== null && sameIdentity(row.requested_for, principal.keyName)) return true
  const { rows } = await transaction.query<{ created_by_user_id: string | null }>(
    'select created_by_user_id from api_keys where workspace_id = $1 and key_id = $2',
    [row.workspace_id, row.requested_by_key_id],
  )
  return rows[0]?.created_by_user_id === principal.userId
}

/** The roles that may decide: people and keys alike. */
const DECIDING_ROLES: readonly string[] = ['approver', 'admin']

/**
 * Approves or rejects (reference `approvals decide`). Refused for `ingest` keys and people who
 * are not approvers or admins, for the requester (the requesting key; for a person, a request
 * made for them or by a key they created), and for anyone but the hinted approver. The decision
 * (with its passkey assertion, when signed) is a ledger leaf written in the same transaction.
 */
export async function decideApproval(
  context: DecisionContext,
  principal: Principal,
  approvalId: string,
  body: Record<string, unknown>,
  options: DecideOptions = {},
): Promise<ApprovalRow> {
  if (principal.role === 'ingest') {
    throw httpError('forbidden', 'An ingest key can never decide an approval: use an approver or admin key.')
  }
  if (!DECIDING_ROLES.includes(principal.role)) {
    throw httpError(
      'forbidden',
      `Deciding approvals needs the approver or admin role; you have role ${principal.role}.`,
    )
  }
  const { decision, reason } = decisionFrom(body)
  const { passkey } = options
  if (passkey !== undefined && (passkey.decision !== decision || passkey.userId !== principal.userId)) {
    throw httpError('forbidden', 'The passkey signature is for another decision or another person.')
  }
  const outcome = await context.database.transaction(async (transaction) => {
    const ledger = await context.lockLedger(transaction, principal.workspaceId)
    const now = context.now()
    const current = await selectApproval(transaction, principal.workspaceId, approvalId, {
      forUpdate: true,
    })
    if (current === undefined) return { kind: 'missing' as const }
    if (current.requested_by_key_id === principal.keyId) return { kind: 'self' as const }
    if (await isUsersOwnRequest(transaction, principal, current)) return { kind: 'self' as const }
    if (current.approver_hint !== null && !sameIdentity(current.approver_hint, principal.keyName)) {
      return { kind: 'not_hinted' as const, hint: current.approver_hint }
    }
    if (current.status === 'pending' && current.expires_at.getTime() <= now.getTime()) {
      const expired = await expireApproval(transaction, principal.workspaceId, approvalId, now)
      if (expired)
        await context.events.notifyInTransaction(transaction, context.event('approval.expired', expired))
      return { kind: 'expired' as const, row: expired ?? current }
    }
    if (current.status !== 'pending') return { kind: 'closed' as const, row: current }
    if (passkey !== undefined && passkey.actionDigest !== approvalActionDigest(current, decision)) {
      return { kind: 'wrong_digest' as const }
    }
    const decided = await updateDecision(transaction, {
      workspaceId: principal.workspaceId,
      approvalId,
      status: decision,
      decidedByKeyId: principal.keyId,
      decidedBy: principal.keyName,
      decidedAt: now,
      reason,
      tokenExpiresAt:
        decision === 'approved' ? new Date(now.getTime() + context.tokenTtlSeconds * 1000) : undefined,
      decisionLeafIndex: ledger.treeSize,
    })
    if (decided === undefined) return { kind: 'closed' as const, row: current }
    if (passkey !== undefined)
      await insertPasskeySignature(transaction, principal.workspaceId, approvalId, passkey)
    await ledger.append({
      kind: 'approval_decision',
      recordId: approvalId,
      recordHash: hashValue(decisionRecord(decided, passkey)),
      acceptedAt: now,
    })
    await context.events.notifyInTransaction(transaction, context.event('approval.decided', decided))
    return { kind: 'decided' as const, row: decided }
  })
  switch (outcome.kind) {
    case 'missing':
      throw httpError('not_found', `Approval "${approvalId}" not found in this workspace.`)
    case 'self':
      throw httpError(
        'forbidden',
        principal.userId === undefined
          ? 'The key that requested an approval can never decide it: ask another approver.'
          : 'You requested this approval (it was made for you or by a key you created): ask another approver.',
      )
    case 'not_hinted':
      throw httpError(
        'forbidden',
        `Only the approver "${outcome.hint}" may decide this request; this key is "${principal.keyName}".`,
      )
    case 'wrong_digest':
      throw httpError('forbidden', 'The passkey signed another action than this approval: sign again.')
    case 'expired':
      context.events.publish(context.event('approval.expired', outcome.row))
      throw httpError(
        'conflict',
        `Approval "${approvalId}" expired at ${outcome.row.expires_at.toISOString()}; it can no longer be decided.`,
      )
    case 'closed':
      throw httpError(
        'conflict',
        `Approval "${approvalId}" is already ${outcome.row.status}; it can be decided once.`,
      )
    case 'decided':
      context.events.publish(context.event('approval.decided', outcome.row))
      return outcome.row
  }
}

/** Cancels a pending request: the requesting key or an admin. */
export async function cancelApproval(
  context: DecisionContext,
  principal: Principal,
  approvalId: string,
): Promise<ApprovalRow> {
  const outcome = await context.database.transaction(async (transaction) => {
    const current = await selectApproval(transaction, principal.workspaceId, approvalId, {
      forUpdate: true,
    })
    if (current === undefined) return { kind: 'missing' as const }
    if (current.requested_by_key_id !== principal.keyId && principal.role !== 'admin') {
      return { kind: 'forbidden' as const }
    }
    if (current.status !== 'pending') return { kind: 'closed' as const, row: current }
    const cancelled = await updateDecision(transaction, {
      workspaceId: principal.workspaceId,
      approvalId,
      status: 'cancelled',
      decidedByKeyId: principal.keyId,
      decidedBy: principal.keyName,
      decidedAt: context.now(),
      reason: 'cancelled by the requester',
      tokenExpiresAt: undefined,
      decisionLeafIndex: undefined,
    })
    if (cancelled === undefined) return { kind: 'closed' as const, row: current }
    await context.events.notifyInTransaction(transaction, context.event('approval.decided', cancelled))
    return { kind: 'cancelled' as const, row: cancelled }
  })
  switch (outcome.kind) {
    case 'missing':
      throw httpError('not_found', `Approval "${approvalId}" not found in this workspace.`)
    case 'forbidden':
      throw httpError('forbidden', 'Only the key that requested an approval (or an admin) can cancel it.')
    case 'closed':
      return outcome.row
    case 'cancelled':
      context.events.publish(context.event('approval.decided', outcome.row))
      return outcome.row
  }
}
