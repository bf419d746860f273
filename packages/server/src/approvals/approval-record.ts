import { hashValue } from '@mima/core'
import type { ApprovalRow } from './approval-store'

/** What a person's passkey signed when deciding (`approval_passkey_signatures`). */
export interface PasskeySignature {
  userId: string
  credentialId: string
  /** The credential's public key (COSE, base64url) as registered, kept so the proof stands alone. */
  publicKey: string
  decision: 'approved' | 'rejected'
  /** {@link approvalActionDigest} of the approval and decision: the WebAuthn challenge. */
  actionDigest: string
  rpId: string
  origin: string
  authenticatorData: string
  clientDataJson: string
  signature: string
  userHandle: string | null
  signedAt: Date
}

/** The `purpose` field of every action digest (a digest is never valid for anything else). */
export const APPROVAL_DIGEST_PURPOSE = 'mima.approval-decision.v1'

/**
 * The action digest an approver's passkey signs (as the WebAuthn challenge): SHA-256 (hex) of the
 * canonical JSON of the workspace, approval, action type, context hash and decision. Anyone with
 * the approval record can recompute it.
 */
export function approvalActionDigest(
  row: Pick<ApprovalRow, 'workspace_id' | 'approval_id' | 'action_type' | 'context_hash'>,
  decision: 'approved' | 'rejected',
): string {
  return hashValue({
    purpose: APPROVAL_DIGEST_PURPOSE,
    workspace_id: row.workspace_id,
    approval_id: row.approval_id,
    action_type: row.action_type,
    context_hash: row.context_hash,
    decision,
  })
}

/** The WebAuthn challenge for an action digest: its 32 bytes, base64url. */
export function digestChallenge(actionDigest: string): string {
  return Buffer.from(actionDigest, 'hex').toString('base64url')
}

/** SHA-256 of the assertion's signed parts: what a decision's ledger leaf commits to. */
export function assertionHash(
  signature: Pick<PasskeySignature, 'authenticatorData' | 'clientDataJson' | 'signature'>,
): string {
  return hashValue({
    authenticator_data: signature.authenticatorData,
    client_data_json: signature.clientDataJson,
    signature: signature.signature,
  })
}

/**
 * What a decision's ledger leaf commits to (its canonical hash is the leaf's `record_hash`). A
 * passkey-signed decision adds `passkey`: the credential, the action digest and the assertion's hash.
 */
export function decisionRecord(row: ApprovalRow, passkey?: PasskeySignature): Record<string, unknown> {
  return {
    approval_id: row.approval_id,
    workspace_id: row.workspace_id,
    action_type: row.action_type,
    context_hash: row.context_hash,
    status: row.status,
    requested_by: row.requested_by,
    requested_at: row.requested_at.toISOString(),
    decided_by: row.decided_by,
    decided_at: row.decided_at?.toISOString() ?? null,
    reason: row.reason,
    ...(passkey === undefined
      ? {}
      : {
          passkey: {
            user_id: passkey.userId,
            credential_id: passkey.credentialId,
            action_digest: passkey.actionDigest,
            assertion_hash: assertionHash(passkey),
          },
        }),
  }
}
