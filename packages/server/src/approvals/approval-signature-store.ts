import type { Queryable } from '../storage/database'
import type { PasskeySignature } from './approval-record'

/** Stores the passkey assertion of a decision (in the decision's transaction). */
export async function insertPasskeySignature(
  transaction: Queryable,
  workspaceId: string,
  approvalId: string,
  signature: PasskeySignature,
): Promise<void> {
  await transaction.query(
    `insert into approval_passkey_signatures (workspace_id, approval_id, user_id, credential_id, public_key, decision,
       action_digest, rp_id, origin, authenticator_data, client_data_json, signature, user_handle, signed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      workspaceId,
      approvalId,
      signature.userId,
      signature.credentialId,
      signature.publicKey,
      signature.decision,
      signature.actionDigest,
      signature.rpId,
      signature.origin,
      signature.authenticatorData,
      signature.clientDataJson,
      signature.signature,
      signature.userHandle,
      signature.signedAt.toISOString(),
    ],
  )
}

/** The passkey assertion stored with an approval's decision, if it was signed. */
export async function selectPasskeySignature(
  database: Queryable,
  workspaceId: string,
  approvalId: string,
): Promise<PasskeySignature | undefined> {
  const { rows } = await database.query<Record<string, unknown>>(
    `select user_id, credential_id, public_key, decision, action_digest, rp_id, origin, authenticator_data,
            client_data_json, signature, user_handle, signed_at
       from approval_passkey_signatures where workspace_id = $1 and approval_id = $2`,
    [workspaceId, approvalId],
  )
  const row = rows[0]
  if (row === undefined) return undefined
  return {
    userId: String(row.user_id),
    credentialId: String(row.credential_id),
    publicKey: String(row.public_key),
    decision: row.decision as PasskeySignature['decision'],
    actionDigest: String(row.action_digest),
    rpId: String(row.rp_id),
    origin: String(row.origin),
    authenticatorData: String(row.authenticator_data),
    clientDataJson: String(row.client_data_json),
    signature: String(row.signature),
    userHandle: row.user_handle === null ? null : String(row.user_handle),
    signedAt: row.signed_at instanceof Date ? row.signed_at : new Date(String(row.signed_at)),
  }
}
