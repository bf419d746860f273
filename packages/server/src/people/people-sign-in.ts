/**
 * How a person proves who they are: a passkey (discoverable: no email needed), a password
 * (throttled), or an invite link they accept by registering a passkey or setting a password.
 */
import { uuidv7 } from '@mima/core'
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import { httpError } from '../http/errors'
import type { Database, Queryable } from '../storage/database'
import { acceptInvite, type Invite, openInvite } from './invite-store'
import { findPasskey, insertPasskey, listPasskeys, touchPasskey } from './passkey-store'
import {
  clearFailures,
  decoyPasswordHash,
  hashPassword,
  newPasswordFrom,
  recordFailure,
  refuseThrottled,
  verifyPassword,
} from './passwords'
import {
  assertionCredentialId,
  authenticationOptions,
  type RelyingParty,
  registrationOptions,
  verifyAssertion,
  verifyRegistration,
} from './relying-party'
import {
  findUser,
  findUserByEmail,
  insertUser,
  passwordHashOf,
  type User,
  upsertMembership,
} from './user-store'
import { saveChallenge, takeChallenge } from './webauthn-challenges'

/** A display name: trimmed, 1 to 100 characters (the email when empty). */
export function displayNameFrom(value: unknown, fallback: string): string {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw httpError('validation_failed', 'display_name must be a string.', { field: 'display_name' })
  }
  const name = (value ?? '').trim()
  if (name.length > 100) {
    throw httpError('validation_failed', 'display_name must be at most 100 characters.', {
      field: 'display_name',
    })
  }
  return name === '' ? fallback : name
}

/** Parses a WebAuthn answer sent as a JSON string (a form field) or an object. */
export function credentialAnswer(value: unknown): unknown {
  if (typeof value !== 'string') return value
  if (value.length > 64 * 1024) throw httpError('bad_request', 'The passkey answer is too large.')
  try {
    return JSON.parse(value) as unknown
  } catch {
    throw httpError('bad_request', 'The passkey answer is not JSON.')
  }
}

/** Options for signing in with any passkey registered here (the authenticator offers its own). */
export async function passkeySignInOptions(
  database: Queryable,
  party: RelyingParty,
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const options = await authenticationOptions(party)
  const challengeId = await saveChallenge(database, {
    purpose: 'sign_in',
    challenge: options.challenge,
    userId: null,
    workspaceId: null,
    inviteId: null,
    approvalId: null,
    decision: null,
  })
  return { challengeId, options }
}

/** The user whose passkey answered a sign-in challenge; 401 when it does not verify. */
export async function signInWithPasskey(
  database: Queryable,
  party: RelyingParty,
  challengeId: unknown,
  answer: unknown,
): Promise<User> {
  const parsed = credentialAnswer(answer)
  const challenge = await takeChallenge(database, challengeId, 'sign_in')
  if (challenge === undefined)
    throw httpError('unauthorized', 'This sign-in expired or was used already: try again.')
  const passkey = await findPasskey(database, assertionCredentialId(parsed))
  if (passkey === undefined) throw httpError('unauthorized', 'This passkey is not registered here.')
  let verified: Awaited<ReturnType<typeof verifyAssertion>>
  try {
    verified = await verifyAssertion(party, challenge.challenge, passkey, parsed)
  } catch (error) {
    throw httpError('unauthorized', (error as Error).message)
  }
  await touchPasskey(database, passkey.credentialId, verified.newCounter)
  const user = await findUser(database, passkey.userId)
  if (user === undefined) throw httpError('unauthorized', 'This account is disabled.')
  return user
}

/**
 * The user an email and password name; 401 for a wrong email or password alike (an unknown email
 * costs the same scrypt work), 429 after too many failures for the email.
 */
export async function signInWithPassword(
  database: Queryable,
  emailValue: unknown,
  password: unknown,
): Promise<User> {
  const email = typeof emailValue === 'string' ? emailValue.trim().toLowerCase() : ''
  if (
    email === '' ||
    email.length > 254 ||
    typeof password !== 'string' ||
    password === '' ||
    password.length > 256
  ) {
    throw httpError('validation_failed', 'Enter your email and password.')
  }
  const subject = `password:${email}`
  await refuseThrottled(database, subject)
  const user = await findUserByEmail(database, email)
  const stored = user === undefined ? undefined : await passwordHashOf(database, user.userId)
  const matches = await verifyPassword(password, stored ?? (await decoyPasswordHash()))
  if (user === undefined || stored === undefined || !matches) {
    await recordFailure(database, subject)
    throw httpError('unauthorized', 'That email and password do not match an account.')
  }
  await clearFailures(database, subject)
  return user
}

/** What the invite page needs: the invite, and whether its email already has an account. */
export async function inviteFor(
  database: Queryable,
  token: string,
): Promise<{ invite: Invite; existingUser: User | undefined }> {
  const invite = await openInvite(database, token)
  return { invite, existingUser: await findUserByEmail(database, invite.email) }
}

function refuseExisting(existing: User | undefined, invite: Invite): void {
  if (existing !== undefined) {
    throw httpError(
      'conflict',
      `${invite.email} already has an account: sign in as ${invite.email}, then open this link again to join.`,
    )
  }
}

/** Registration options for the new account an invite creates (its user id is fixed now). */
export async function invitePasskeyOptions(
  database: Queryable,
  party: RelyingParty,
  token: string,
  displayName: unknown,
): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const { invite, existingUser } = await inviteFor(database, token)
  refuseExisting(existingUser, invite)
  const userId = uuidv7()
  const options = await registrationOptions(
    party,
    { userId, email: invite.email, displayName: displayNameFrom(displayName, invite.email) },
    [],
  )
  const challengeId = await saveChallenge(database, {
    purpose: 'register',
    challenge: options.challenge,
    userId,
    workspaceId: invite.workspaceId,
    inviteId: invite.inviteId,
    approvalId: null,
    decision: null,
  })
  return { challengeId, options }
}

/**
 * Accepts an invite with a new passkey, in one transaction: the invite is used (once), the account,
 * its membership with the invited role and its passkey are created.
 */
export async function acceptInviteWithPasskey(
  database: Database,
  party: RelyingParty,
  options: { token: string; challengeId: unknown; answer: unknown; displayName: unknown },
): Promise<{ user: User; invite: Invite }> {
  const { invite, existingUser } = await inviteFor(database, options.token)
  refuseExisting(existingUser, invite)
  const challenge = await takeChallenge(database, options.challengeId, 'register')
  if (challenge === undefined || challenge.inviteId !== invite.inviteId || challenge.userId === null) {
    throw httpError(
      'bad_request',
      'This passkey registration expired or was not started from this invite: try again.',
    )
  }
  const registered = await verifyRegistration(party, challenge.challenge, credentialAnswer(options.answer))
  const userId = challenge.userId
  return database.transaction(async (transaction) => {
    const user = await insertUser(transaction, {
      userId,
      email: invite.email,
      displayName: displayNameFrom(options.displayName, invite.email),
    })
    const accepted = await acceptInvite(transaction, { token: options.token, userId })
    await upsertMembership(transaction, {
      workspaceId: accepted.workspaceId,
      userId,
      role: accepted.role,
      addedBy: accepted.createdBy,
    })
    await insertPasskey(transaction, { ...registered, userId, name: 'Passkey 1' })
    return { user, invite: accepted }
  })
}

/** Accepts an invite by setting a password (a new account). */
export async function acceptInviteWithPassword(
  database: Database,
  options: { token: string; password: unknown; displayName: unknown },
): Promise<{ user: User; invite: Invite }> {
  const { invite, existingUser } = await inviteFor(database, options.token)
  refuseExisting(existingUser, invite)
  const passwordHash = await hashPassword(newPasswordFrom(options.password))
  return database.transaction(async (transaction) => {
    const user = await insertUser(transaction, {
      email: invite.email,
      displayName: displayNameFrom(options.displayName, invite.email),
      passwordHash,
    })
    const accepted = await acceptInvite(transaction, { token: options.token, userId: user.userId })
    await upsertMembership(transaction, {
      workspaceId: accepted.workspaceId,
      userId: user.userId,
      role: accepted.role,
      addedBy: accepted.createdBy,
    })
    return { user, invite: accepted }
  })
}

/** An existing user (signed in as the invited email) joins the invite's workspace. */
export async function acceptInviteAsUser(database: Database, token: string, user: User): Promise<Invite> {
  const { invite } = await inviteFor(database, token)
  if (invite.email.toLowerCase() !== user.email.toLowerCase()) {
    throw httpError('forbidden', `This invite is for ${invite.email}; you are signed in as ${user.email}.`)
  }
  return database.transaction(async (transaction) => {
    const accepted = await acceptInvite(transaction, { token, userId: user.userId })
    await upsertMembership(transaction, {
      workspaceId: accepted.workspaceId,
      userId: user.userId,
      role: accepted.role,
      addedBy: accepted.createdBy,
    })
    return accepted
  })
}

/** Options for adding another passkey to a signed-in user's account. */
export async function addPasskeyOptions(
  database: Queryable,
  party: RelyingParty,
  user: User,
): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const options = await registrationOptions(party, user, await listPasskeys(database, user.userId))
  const challengeId = await saveChallenge(database, {
    purpose: 'register',
    challenge: options.challenge,
    userId: user.userId,
    workspaceId: null,
    inviteId: null,
    approvalId: null,
    decision: null,
  })
  return { challengeId, options }
}

/** Stores another passkey for a signed-in user. */
export async function addPasskey(
  database: Queryable,
  party: RelyingParty,
  user: User,
  options: { challengeId: unknown; answer: unknown },
): Promise<void> {
  const challenge = await takeChallenge(database, options.challengeId, 'register')
  if (challenge === undefined || challenge.userId !== user.userId || challenge.inviteId !== null) {
    throw httpError(
      'bad_request',
      'This passkey registration expired or was started by someone else: try again.',
    )
  }
  const registered = await verifyRegistration(party, challenge.challenge, credentialAnswer(options.answer))
  const count = (await listPasskeys(database, user.userId)).length
  await insertPasskey(database, { ...registered, userId: user.userId, name: `Passkey ${count + 1}` })
}
