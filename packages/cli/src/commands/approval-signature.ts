/**
 * `mima approvals verify-signature ID`: checks a passkey-signed decision on this machine, trusting
 * nothing the server concluded. The server hands over the stored WebAuthn assertion and public key;
 * this recomputes the action digest from the approval's fields and verifies the signature itself.
 */
import { createHash, createPublicKey, verify } from 'node:crypto'
import { hashValue } from '@mima/core'

/** What `GET …/approvals/{id}/signature` answers (the fields this check reads). */
export interface SignatureBundle {
  approval_id: string
  status: string
  action_type: string
  context_hash: string
  decision_leaf_index: number | null
  decision_record: Record<string, unknown> & {
    passkey?: { action_digest?: string; assertion_hash?: string; credential_id?: string }
  }
  record_hash: string
  signer: { user_id: string; email: string | null }
  passkey: {
    credential_id: string
    public_key_jwk: Record<string, string> | null
    rp_id: string
    origin: string
    action_digest: string
    authenticator_data: string
    client_data_json: string
    signature: string
  }
}

/** One named check and whether it held. */
export interface SignatureCheckLine {
  check: string
  ok: boolean
  detail?: string
}

/** The digest a passkey signs for a decision (the server's `approvalActionDigest`). */
export function actionDigest(
  workspaceId: string,
  bundle: Pick<SignatureBundle, 'approval_id' | 'action_type' | 'context_hash'>,
  decision: string,
): string {
  return hashValue({
    purpose: 'mima.approval-decision.v1',
    workspace_id: workspaceId,
    approval_id: bundle.approval_id,
    action_type: bundle.action_type,
    context_hash: bundle.context_hash,
    decision,
  })
}

function verifySignature(bundle: SignatureBundle): { ok: boolean; detail?: string } {
  const jwk = bundle.passkey.public_key_jwk
  if (jwk === null) return { ok: false, detail: 'the server sent no usable public key' }
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' })
    const clientData = Buffer.from(bundle.passkey.client_data_json, 'base64url')
    const signed = Buffer.concat([
      Buffer.from(bundle.passkey.authenticator_data, 'base64url'),
      createHash('sha256').update(clientData).digest(),
    ])
    const signature = Buffer.from(bundle.passkey.signature, 'base64url')
    const algorithm =
      jwk.kty === 'OKP' ? null : jwk.crv === 'P-384' ? 'sha384' : jwk.crv === 'P-521' ? 'sha512' : 'sha256'
    return { ok: verify(algorithm, signed, key, signature) }
  } catch (error) {
    return { ok: false, detail: (error as Error).message }
  }
}

/** Every check of a signed decision, in order; the decision stands when all hold. */
export function checkSignatureBundle(workspaceId: string, bundle: SignatureBundle): SignatureCheckLine[] {
  const lines: SignatureCheckLine[] = []
  const digest = actionDigest(workspaceId, bundle, bundle.status)
  lines.push({
    check: 'the action digest recomputed from the approval is the one signed',
    ok: digest === bundle.passkey.action_digest,
  })
  let clientData: { type?: unknown; challenge?: unknown; origin?: unknown } = {}
  try {
    clientData = JSON.parse(Buffer.from(bundle.passkey.client_data_json, 'base64url').toString('utf8'))
  } catch {
    // reported by the checks below
  }
  lines.push({
    check: "the authenticator's challenge is that digest",
    ok:
      typeof clientData.challenge === 'string' &&
      Buffer.from(clientData.challenge, 'base64url').toString('hex') === digest,
  })
  lines.push({ check: 'it is a WebAuthn assertion (webauthn.get)', ok: clientData.type === 'webauthn.get' })
  lines.push({
    check: `made on ${bundle.passkey.origin}`,
    ok: clientData.origin === bundle.passkey.origin,
  })
  const authenticatorData = Buffer.from(bundle.passkey.authenticator_data, 'base64url')
  const rpIdHash = createHash('sha256').update(bundle.passkey.rp_id).digest()
  lines.push({
    check: `for the relying party ${bundle.passkey.rp_id}, with the user present`,
    ok:
      authenticatorData.length >= 37 &&
      authenticatorData.subarray(0, 32).equals(rpIdHash) &&
      ((authenticatorData[32] ?? 0) & 1) === 1,
  })
  const signature = verifySignature(bundle)
  lines.push({
    check: "the signature verifies with the passkey's public key",
    ok: signature.ok,
    ...(signature.detail === undefined ? {} : { detail: signature.detail }),
  })
  const assertionHash = hashValue({
    authenticator_data: bundle.passkey.authenticator_data,
    client_data_json: bundle.passkey.client_data_json,
    signature: bundle.passkey.signature,
  })
  lines.push({
    check: 'the decision record commits to this assertion and digest',
    ok:
      bundle.decision_record.passkey?.assertion_hash === assertionHash &&
      bundle.decision_record.passkey?.action_digest === digest &&
      bundle.decision_record.passkey?.credential_id === bundle.passkey.credential_id,
  })
  lines.push({
    check: "the record's hash is the one its ledger leaf carries",
    ok: hashValue(bundle.decision_record) === bundle.record_hash,
  })
  return lines
}
