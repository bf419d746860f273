import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { hashValue } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { actionDigest, checkSignatureBundle, type SignatureBundle } from './approval-signature'

const WORKSPACE = 'ws-1'
const ORIGIN = 'https://console.example.com'

/** A decision signed the way a browser's authenticator signs it (ES256 over authData ‖ SHA-256(clientData)). */
function signedBundle(): SignatureBundle {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const approval = { approval_id: 'ap-1', action_type: 'refund', context_hash: 'c'.repeat(64) }
  const digest = actionDigest(WORKSPACE, approval, 'approved')
  const clientData = Buffer.from(
    JSON.stringify({
      type: 'webauthn.get',
      challenge: Buffer.from(digest, 'hex').toString('base64url'),
      origin: ORIGIN,
    }),
  )
  const authenticatorData = Buffer.concat([
    createHash('sha256').update('console.example.com').digest(),
    Buffer.from([0x05, 0, 0, 0, 7]),
  ])
  const signature = sign(
    'sha256',
    Buffer.concat([authenticatorData, createHash('sha256').update(clientData).digest()]),
    privateKey,
  )
  const passkey = {
    credential_id: 'cred-1',
    public_key_jwk: publicKey.export({ format: 'jwk' }) as Record<string, string>,
    rp_id: 'console.example.com',
    origin: ORIGIN,
    action_digest: digest,
    authenticator_data: authenticatorData.toString('base64url'),
    client_data_json: clientData.toString('base64url'),
    signature: signature.toString('base64url'),
  }
  const decisionRecord = {
    ...approval,
    status: 'approved',
    passkey: {
      user_id: 'u-1',
      credential_id: 'cred-1',
      action_digest: digest,
      assertion_hash: hashValue({
        authenticator_data: passkey.authenticator_data,
        client_data_json: passkey.client_data_json,
        signature: passkey.signature,
      }),
    },
  }
  return {
    ...approval,
    status: 'approved',
    decision_leaf_index: 3,
    decision_record: decisionRecord,
    record_hash: hashValue(decisionRecord),
    signer: { user_id: 'u-1', email: 'ada@example.com' },
    passkey,
  }
}

describe('checkSignatureBundle', () => {
  it('accepts a decision the passkey signed, every check holding', () => {
    const lines = checkSignatureBundle(WORKSPACE, signedBundle())
    expect(lines).toHaveLength(8)
    expect(lines.filter((line) => !line.ok)).toEqual([])
  })

  it('fails when the approval no longer matches what was signed', () => {
    const bundle = { ...signedBundle(), context_hash: 'd'.repeat(64) }
    const failed = checkSignatureBundle(WORKSPACE, bundle).filter((line) => !line.ok)
    expect(failed.map((line) => line.check)).toContain(
      'the action digest recomputed from the approval is the one signed',
    )
    // A decision of the other kind (the server says rejected) is another digest as well.
    const flipped = { ...signedBundle(), status: 'rejected' }
    expect(checkSignatureBundle(WORKSPACE, flipped).some((line) => !line.ok)).toBe(true)
    // Another workspace's approval with the same id and fields does not verify here.
    expect(checkSignatureBundle('ws-2', signedBundle()).some((line) => !line.ok)).toBe(true)
  })

  it('fails on an altered signature, a swapped key, or a record that does not commit to the assertion', () => {
    const bundle = signedBundle()
    const bytes = Buffer.from(bundle.passkey.signature, 'base64url')
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1
    const altered = { ...bundle, passkey: { ...bundle.passkey, signature: bytes.toString('base64url') } }
    const failed = checkSignatureBundle(WORKSPACE, altered)
      .filter((line) => !line.ok)
      .map((line) => line.check)
    expect(failed).toContain("the signature verifies with the passkey's public key")
    expect(failed).toContain('the decision record commits to this assertion and digest')

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
    const swapped = {
      ...bundle,
      passkey: { ...bundle.passkey, public_key_jwk: other as Record<string, string> },
    }
    expect(
      checkSignatureBundle(WORKSPACE, swapped).find((line) => line.check.startsWith('the signature'))?.ok,
    ).toBe(false)

    const rewritten = { ...bundle, record_hash: 'e'.repeat(64) }
    expect(checkSignatureBundle(WORKSPACE, rewritten).at(-1)).toMatchObject({ ok: false })
  })
})
