/**
 * The auditor's view of a passkey-signed decision: `GET /workspaces/:ws/governance/approvals/:id/signature`
 * returns the stored WebAuthn assertion, the credential's public key (COSE and JWK), the decision
 * record its ledger leaf commits to, and a fresh verification. An auditor who does not trust the
 * server recomputes the action digest from the approval and checks the assertion with the JWK
 * (`mima approvals verify-signature` does exactly that).
 */
import { hashValue } from '@mima/core'
import type { Hono } from 'hono'
import { decisionRecord } from '../approvals/approval-record'
import { selectPasskeySignature } from '../approvals/approval-signature-store'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import { type AppEnv, requireWorkspace, type ServerContext } from '../http/context'
import { httpError } from '../http/errors'
import { checkApprovalSignature } from './approval-signing'
import { findUser } from './user-store'
import { webauthnHelpers } from './webauthn-library'

const CURVES: Record<number, string> = { 1: 'P-256', 2: 'P-384', 3: 'P-521', 6: 'Ed25519' }

function b64(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('base64url')
}

/** A COSE public key (base64url) as a JSON Web Key, for WebCrypto or `node:crypto`; undefined when unknown. */
export async function coseToJwk(publicKey: string): Promise<Record<string, string> | undefined> {
  const { cose, decodeCredentialPublicKey } = await webauthnHelpers()
  try {
    const key = decodeCredentialPublicKey(new Uint8Array(Buffer.from(publicKey, 'base64url')))
    if (cose.isCOSEPublicKeyEC2(key)) {
      const crv = CURVES[key.get(cose.COSEKEYS.crv) ?? 0]
      const x = b64(key.get(cose.COSEKEYS.x))
      const y = b64(key.get(cose.COSEKEYS.y))
      return crv && x && y ? { kty: 'EC', crv, x, y } : undefined
    }
    if (cose.isCOSEPublicKeyOKP(key)) {
      const x = b64(key.get(cose.COSEKEYS.x))
      return x ? { kty: 'OKP', crv: 'Ed25519', x } : undefined
    }
    if (cose.isCOSEPublicKeyRSA(key)) {
      const n = b64(key.get(cose.COSEKEYS.n))
      const e = b64(key.get(cose.COSEKEYS.e))
      return n && e ? { kty: 'RSA', n, e } : undefined
    }
  } catch {
    return undefined
  }
  return undefined
}

/** Registers the auditor's signature route (API keys of role approver or admin). */
export function registerPeopleApi(api: Hono<AppEnv>, server: ServerContext): void {
  api.get('/workspaces/:ws/governance/approvals/:id/signature', async (c) => {
    const principal = requireWorkspace(c, { roles: ['approver', 'admin'] })
    const service = approvalsServiceOf(server)
    if (service === undefined)
      throw httpError('not_found', 'The approvals feature is not mounted on this server.')
    const id = await service.resolveId(principal, c.req.param('id') ?? '')
    const row = await service.get(principal, id)
    const signature = await selectPasskeySignature(server.database, principal.workspaceId, id)
    if (signature === undefined) {
      throw httpError('not_found', `Approval "${id}" was not decided with a passkey (status ${row.status}).`)
    }
    const record = decisionRecord(row, signature)
    const [check, user] = await Promise.all([
      checkApprovalSignature(row, signature),
      findUser(server.database, signature.userId),
    ])
    return c.json({
      approval_id: id,
      status: row.status,
      action_type: row.action_type,
      context_hash: row.context_hash,
      decided_by: row.decided_by,
      decided_at: row.decided_at?.toISOString() ?? null,
      decision_leaf_index: row.decision_leaf_index,
      decision_record: record,
      record_hash: hashValue(record),
      signer: {
        user_id: signature.userId,
        email: user?.email ?? null,
        display_name: user?.displayName ?? null,
      },
      passkey: {
        credential_id: signature.credentialId,
        public_key_cose: signature.publicKey,
        public_key_jwk: (await coseToJwk(signature.publicKey)) ?? null,
        rp_id: signature.rpId,
        origin: signature.origin,
        action_digest: signature.actionDigest,
        authenticator_data: signature.authenticatorData,
        client_data_json: signature.clientDataJson,
        signature: signature.signature,
        user_handle: signature.userHandle,
        signed_at: signature.signedAt.toISOString(),
      },
      verification: {
        verified: check.verified,
        action_digest: check.actionDigest,
        ...(check.problem === undefined ? {} : { problem: check.problem }),
      },
    })
  })
}
