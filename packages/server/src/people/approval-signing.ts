/**
 * Approvals signed by a person: the approver's passkey signs the approval's action digest (the
 * WebAuthn challenge), the server verifies the assertion before the decision is written, and
 * anyone can verify the stored assertion again later against the stored public key.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { approvalActionDigest, digestChallenge, type PasskeySignature } from '../approvals/approval-record'
import type { ApprovalRow } from '../approvals/approval-store'
import { httpError } from '../http/errors'
import type { Queryable } from '../storage/database'
import { findPasskey, listPasskeys, touchPasskey } from './passkey-store'
import {
  assertionCredentialId,
  authenticationOptions,
  type RelyingParty,
  verifyAssertion,
} from './relying-party'
import { saveChallenge, takeChallenge } from './webauthn-challenges'
import { webauthnLibrary } from './webauthn-library'

/** A decision as the browser names it (`approve`) or as stored (`approved`). */
export function decisionStatus(value: unknown): 'approved' | 'rejected' {
  if (value === 'approve' || value === 'approved') return 'approved'
  if (value === 'reject' || value === 'rejected') return 'rejected'
  throw httpError('validation_failed', "decision must be 'approve' or 'reject'.", { field: 'decision' })
}

/**
 * The WebAuthn request options for signing `decision` on `row` with one of the user's passkeys:
 * the challenge is the action digest itself.
 */
export async function approvalSigningOptions(
  database: Queryable,
  party: RelyingParty,
  options: { userId: string; row: ApprovalRow; decision: 'approved' | 'rejected' },
): Promise<{ challengeId: string; actionDigest: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const passkeys = await listPasskeys(database, options.userId)
  if (passkeys.length === 0) throw httpError('bad_request', 'You have no passkey to sign with.')
  if (options.row.status !== 'pending') {
    throw httpError('conflict', `Approval "${options.row.approval_id}" is already ${options.row.status}.`)
  }
  const actionDigest = approvalActionDigest(options.row, options.decision)
  const requestOptions = await authenticationOptions(party, {
    challenge: Buffer.from(actionDigest, 'hex'),
    passkeys,
  })
  const challengeId = await saveChallenge(database, {
    purpose: 'approval',
    challenge: requestOptions.challenge,
    userId: options.userId,
    workspaceId: options.row.workspace_id,
    inviteId: null,
    approvalId: options.row.approval_id,
    decision: options.decision,
  })
  return { challengeId, actionDigest, options: requestOptions }
}

/**
 * Verifies the browser's assertion over the action digest of `decision` on `row`, made by one of
 * `userId`'s passkeys in answer to the challenge `challengeId` (used once), and returns what to
 * store with the decision. 403 when the signature is missing or does not hold.
 */
export async function verifyApprovalSigning(
  database: Queryable,
  party: RelyingParty,
  options: {
    userId: string
    row: ApprovalRow
    decision: 'approved' | 'rejected'
    challengeId: unknown
    assertion: unknown
    now?: Date
  },
): Promise<PasskeySignature> {
  const { row, decision } = options
  if (options.assertion === undefined || options.assertion === null || options.assertion === '') {
    throw httpError(
      'forbidden',
      'Sign this decision with your passkey: your account has one, so an unsigned decision is refused.',
    )
  }
  let answer: unknown = options.assertion
  if (typeof answer === 'string') {
    if (answer.length > 64 * 1024) throw httpError('bad_request', 'The passkey assertion is too large.')
    try {
      answer = JSON.parse(answer) as unknown
    } catch {
      throw httpError('bad_request', 'The passkey assertion is not JSON.')
    }
  }
  const challenge = await takeChallenge(database, options.challengeId, 'approval', options.now)
  const actionDigest = approvalActionDigest(row, decision)
  if (
    challenge === undefined ||
    challenge.userId !== options.userId ||
    challenge.workspaceId !== row.workspace_id ||
    challenge.approvalId !== row.approval_id ||
    challenge.decision !== decision ||
    challenge.challenge !== digestChallenge(actionDigest)
  ) {
    throw httpError(
      'forbidden',
      'This passkey signature was not requested for this decision, or it expired: sign again.',
    )
  }
  const passkey = await findPasskey(database, assertionCredentialId(answer))
  if (passkey === undefined || passkey.userId !== options.userId) {
    throw httpError('forbidden', 'The passkey that signed is not one of yours.')
  }
  let verified: Awaited<ReturnType<typeof verifyAssertion>>
  try {
    verified = await verifyAssertion(party, challenge.challenge, passkey, answer)
  } catch (error) {
    throw httpError('forbidden', (error as Error).message)
  }
  const now = options.now ?? new Date()
  await touchPasskey(database, passkey.credentialId, verified.newCounter, now)
  return {
    userId: options.userId,
    credentialId: passkey.credentialId,
    publicKey: passkey.publicKey,
    decision,
    actionDigest,
    rpId: party.id,
    origin: party.origin,
    authenticatorData: verified.authenticatorData,
    clientDataJson: verified.clientDataJson,
    signature: verified.signature,
    userHandle: verified.userHandle,
    signedAt: now,
  }
}

/** The result of checking a stored signature again. */
export interface SignatureCheck {
  verified: boolean
  /** The action digest recomputed from the approval record now. */
  actionDigest: string
  /** Why it does not verify (absent when it does). */
  problem?: string
}

/**
 * Checks a stored passkey signature again from scratch: the action digest is recomputed from the
 * approval as it stands, and the WebAuthn assertion is verified against the stored public key,
 * relying party and origin. Nothing the server decided earlier is trusted.
 */
export async function checkApprovalSignature(
  row: ApprovalRow,
  signature: PasskeySignature,
): Promise<SignatureCheck> {
  const actionDigest = approvalActionDigest(row, signature.decision)
  if (row.status !== signature.decision) {
    return {
      verified: false,
      actionDigest,
      problem: `the approval is ${row.status}, the passkey signed ${signature.decision}`,
    }
  }
  if (actionDigest !== signature.actionDigest) {
    return {
      verified: false,
      actionDigest,
      problem: 'the approval no longer matches the digest that was signed',
    }
  }
  try {
    const { verifyAuthenticationResponse } = await webauthnLibrary()
    const result = await verifyAuthenticationResponse({
      response: {
        id: signature.credentialId,
        rawId: signature.credentialId,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          authenticatorData: signature.authenticatorData,
          clientDataJSON: signature.clientDataJson,
          signature: signature.signature,
          ...(signature.userHandle === null ? {} : { userHandle: signature.userHandle }),
        },
      },
      expectedChallenge: digestChallenge(actionDigest),
      expectedOrigin: signature.origin,
      expectedRPID: signature.rpId,
      credential: {
        id: signature.credentialId,
        publicKey: new Uint8Array(Buffer.from(signature.publicKey, 'base64url')),
        counter: 0,
      },
      requireUserVerification: false,
    })
    return result.verified
      ? { verified: true, actionDigest }
      : { verified: false, actionDigest, problem: 'the assertion does not verify' }
  } catch (error) {
    return { verified: false, actionDigest, problem: (error as Error).message }
  }
}
