/**
 * Approval tokens at the moment of use: redeemed before the action runs, or consumed by the
 * attestation that presents them (decision record 0004). Each token is accepted exactly once.
 */
import { MimaError } from '@mima/core'
import type { Queryable } from '../storage/database'
import { type ApprovalRow, linkRedeemed, markConsumed, markRedeemed, selectApproval } from './approval-store'
import { type ApprovalTokenClaims, type TokenSigner, verifyApprovalToken } from './approval-token'

function refuse(message: string, status: number): MimaError {
  return new MimaError('approval_token_invalid', message, { status })
}

/** What a redemption answers. */
export interface Redemption {
  readonly approvalId: string
  readonly redemptionId: string
  readonly actionType: string
  readonly contextHash: string
  readonly approvedBy: string
  readonly redeemedAt: Date
}

/** Checks what every use of a token checks first: signature, shape, workspace and action. */
function checkedClaims(
  signer: TokenSigner,
  presented: { workspaceId: string; token: unknown; toolName: string },
): ApprovalTokenClaims {
  const claims = verifyApprovalToken(presented.token, signer)
  if (claims.ws !== presented.workspaceId) {
    throw refuse('approval_token was issued for another workspace.', 422)
  }
  if (claims.act !== presented.toolName) {
    throw refuse(
      `approval_token approves action '${claims.act}', not tool '${presented.toolName}': an approval is valid only for the action it was requested for.`,
      422,
    )
  }
  return claims
}

function refuseExpired(claims: ApprovalTokenClaims, now: Date): void {
  if (claims.exp * 1000 <= now.getTime()) {
    throw refuse(
      `approval_token expired at ${new Date(claims.exp * 1000).toISOString()}; request a new approval.`,
      422,
    )
  }
}

/** Why a token the conditional update did not take is refused (it always throws). */
async function refuseUnusable(
  database: Queryable,
  workspaceId: string,
  claims: ApprovalTokenClaims,
): Promise<never> {
  const current = await selectApproval(database, workspaceId, claims.aid)
  if (current === undefined)
    throw refuse(`approval_token names approval '${claims.aid}', which does not exist.`, 422)
  if (current.consumed_at !== null) {
    throw refuse(`approval_token for approval '${claims.aid}' was already used; a token is valid once.`, 422)
  }
  if (current.status !== 'approved')
    throw refuse(`approval '${claims.aid}' is ${current.status}, not approved.`, 422)
  if (current.context_hash !== claims.ctx || current.action_type !== claims.act) {
    throw refuse('approval_token does not match the approved action.', 422)
  }
  throw refuse('approval_token has expired.', 422)
}

/**
 * {@link ApprovalsService.redeem} as a function of the signer: checks the token and consumes it
 * with one conditional update (exactly one caller wins), before the action runs.
 */
export async function redeemApprovalTokenWith(
  signer: TokenSigner,
  database: Queryable,
  presented: {
    workspaceId: string
    keyId: string
    token: unknown
    toolName: string
    contextHash?: string
    redemptionId: string
    now?: Date
  },
): Promise<Redemption> {
  const claims = checkedClaims(signer, presented)
  const now = presented.now ?? new Date()
  refuseExpired(claims, now)
  if (presented.contextHash !== undefined && presented.contextHash !== claims.ctx) {
    throw refuse('approval_token approves another context than the one this action runs with.', 422)
  }
  const toRedemption = (row: ApprovalRow): Redemption => ({
    approvalId: row.approval_id,
    redemptionId: row.redemption_id ?? presented.redemptionId,
    actionType: row.action_type,
    contextHash: row.context_hash,
    approvedBy: row.decided_by ?? '',
    redeemedAt: row.redeemed_at ?? now,
  })
  const redeemed = await markRedeemed(database, {
    workspaceId: presented.workspaceId,
    approvalId: claims.aid,
    actionType: claims.act,
    contextHash: claims.ctx,
    keyId: presented.keyId,
    redemptionId: presented.redemptionId,
    now,
  })
  if (redeemed) return toRedemption(redeemed)
  // A retry of the same redemption (its answer was lost): the same key, the same redemption id,
  // and no attestation linked yet. Anything else is a second use.
  const current = await selectApproval(database, presented.workspaceId, claims.aid)
  if (
    current !== undefined &&
    current.redeemed_at !== null &&
    current.consumed_by === null &&
    current.redemption_id === presented.redemptionId &&
    current.redeemed_by_key_id === presented.keyId
  ) {
    return toRedemption(current)
  }
  return refuseUnusable(database, presented.workspaceId, claims)
}

/**
 * {@link ApprovalsService.consumeToken} as a function of the signer (the attestation ingest path
 * uses it). Two ways a token is accepted, each exactly once:
 * - redeemed before the action ran (`POST …/approvals/redeem`, the TypeScript SDK): the attestation
 *   is linked to the approval when the token was redeemed in this workspace for this tool and no
 *   attestation is linked yet. No expiry check then: the gate was the redemption, and the
 *   attestation may arrive later from an outbox.
 * - not redeemed (the Python SDK, `mima.push`): the token is checked and consumed here, as before.
 */
export async function consumeApprovalTokenWith(
  signer: TokenSigner,
  transaction: Queryable,
  presented: { workspaceId: string; token: unknown; toolName: string; attestationId: string; now?: Date },
): Promise<{ approvalId: string; approvedBy: string; contextHash: string }> {
  const claims = checkedClaims(signer, presented)
  const now = presented.now ?? new Date()
  const linked = await linkRedeemed(transaction, {
    workspaceId: presented.workspaceId,
    approvalId: claims.aid,
    actionType: claims.act,
    contextHash: claims.ctx,
    attestationId: presented.attestationId,
  })
  if (linked) return { approvalId: claims.aid, approvedBy: linked.decided_by ?? '', contextHash: claims.ctx }
  refuseExpired(claims, now)
  const consumed = await markConsumed(transaction, {
    workspaceId: presented.workspaceId,
    approvalId: claims.aid,
    actionType: claims.act,
    contextHash: claims.ctx,
    consumedBy: presented.attestationId,
    now,
  })
  if (consumed)
    return { approvalId: claims.aid, approvedBy: consumed.decided_by ?? '', contextHash: claims.ctx }
  return refuseUnusable(transaction, presented.workspaceId, claims)
}
