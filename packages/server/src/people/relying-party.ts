/**
 * The dashboard as a WebAuthn relying party, on `@simplewebauthn/server`: registration and
 * authentication ceremonies whose challenges live in the database (`webauthn-challenges.ts`).
 * The relying party id and origin come from the configured public URL (`MIMA_PUBLIC_URL`) or,
 * without one, from the request's own origin.
 */
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import { httpError } from '../http/errors'
import type { Passkey } from './passkey-store'
import { webauthnLibrary } from './webauthn-library'

/** Who the relying party is for one request. */
export interface RelyingParty {
  /** The RP id: the public URL's host name. */
  id: string
  /** The exact origin assertions must come from (`https://console.example.com`). */
  origin: string
}

/** The relying party for a public URL (`https://host[:port]`). */
export function relyingPartyFor(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl)
  return { id: url.hostname, origin: url.origin }
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

/** A browser's answer, checked for the shape `@simplewebauthn/server` reads (else a 400). */
function credentialResponse<T>(value: unknown, what: string): T {
  const response = value as { id?: unknown; rawId?: unknown; type?: unknown; response?: unknown } | null
  if (
    typeof response !== 'object' ||
    response === null ||
    typeof response.id !== 'string' ||
    response.id.length > 1400 ||
    typeof response.rawId !== 'string' ||
    response.type !== 'public-key' ||
    typeof response.response !== 'object' ||
    response.response === null
  ) {
    throw httpError('bad_request', `The ${what} is not a WebAuthn credential response.`)
  }
  return value as T
}

/** Options for registering a new passkey for `user` (a discoverable credential). */
export async function registrationOptions(
  party: RelyingParty,
  user: { userId: string; email: string; displayName: string },
  existing: readonly Passkey[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await webauthnLibrary()
  return generateRegistrationOptions({
    rpName: 'Mima',
    rpID: party.id,
    userName: user.email,
    userDisplayName: user.displayName,
    userID: new TextEncoder().encode(user.userId),
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  })
}

/** A passkey that passed registration, ready to store. */
export interface RegisteredPasskey {
  credentialId: string
  publicKey: string
  counter: number
  transports: string[]
  deviceType: string
  backedUp: boolean
}

/** Verifies a registration answer against the challenge it was issued with; 400 when it fails. */
export async function verifyRegistration(
  party: RelyingParty,
  expectedChallenge: string,
  answer: unknown,
): Promise<RegisteredPasskey> {
  const response = credentialResponse<RegistrationResponseJSON>(answer, 'passkey registration')
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>
  try {
    result = await (await webauthnLibrary()).verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: party.origin,
      expectedRPID: party.id,
      requireUserVerification: false,
    })
  } catch (error) {
    throw httpError('bad_request', `The passkey registration was refused: ${(error as Error).message}`)
  }
  if (!result.verified) throw httpError('bad_request', 'The passkey registration could not be verified.')
  const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo
  return {
    credentialId: credential.id,
    publicKey: base64url(credential.publicKey),
    counter: credential.counter,
    transports: (credential.transports ?? []).map(String),
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
  }
}

/**
 * Options for an authentication ceremony. `challenge` is the bytes to sign (an approval's action
 * digest); random when omitted. `passkeys` limits the allowed credentials (discoverable when empty).
 */
export async function authenticationOptions(
  party: RelyingParty,
  options: { challenge?: Uint8Array; passkeys?: readonly Passkey[] } = {},
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await webauthnLibrary()
  return generateAuthenticationOptions({
    rpID: party.id,
    userVerification: 'preferred',
    ...(options.challenge === undefined ? {} : { challenge: new Uint8Array(options.challenge) }),
    allowCredentials: (options.passkeys ?? []).map((passkey) =>
      passkey.transports.length === 0
        ? { id: passkey.credentialId }
        : { id: passkey.credentialId, transports: passkey.transports as AuthenticatorTransportFuture[] },
    ),
  })
}

/** The credential id an authentication answer names (to look its passkey up); 400 when malformed. */
export function assertionCredentialId(answer: unknown): string {
  return credentialResponse<AuthenticationResponseJSON>(answer, 'passkey assertion').id
}

/** A verified assertion: the parts an auditor needs to check it again. */
export interface VerifiedAssertion {
  credentialId: string
  newCounter: number
  authenticatorData: string
  clientDataJson: string
  signature: string
  userHandle: string | null
}

/**
 * Verifies an authentication answer made with `passkey` over `expectedChallenge` (base64url),
 * including the signature counter; 400 when anything does not hold.
 */
export async function verifyAssertion(
  party: RelyingParty,
  expectedChallenge: string,
  passkey: Passkey,
  answer: unknown,
  options: { checkCounter?: boolean } = {},
): Promise<VerifiedAssertion> {
  const response = credentialResponse<AuthenticationResponseJSON>(answer, 'passkey assertion')
  const parts = response.response as unknown as Record<string, unknown>
  for (const field of ['authenticatorData', 'clientDataJSON', 'signature']) {
    if (typeof parts[field] !== 'string' || (parts[field] as string).length > 20_000) {
      throw httpError('bad_request', `The passkey assertion's ${field} is missing or too long.`)
    }
  }
  if (response.id !== passkey.credentialId)
    throw httpError('bad_request', 'The assertion names another passkey.')
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
  try {
    result = await (await webauthnLibrary()).verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: party.origin,
      expectedRPID: party.id,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: options.checkCounter === false ? 0 : passkey.counter,
      },
      requireUserVerification: false,
    })
  } catch (error) {
    throw httpError('bad_request', `The passkey assertion was refused: ${(error as Error).message}`)
  }
  if (!result.verified) throw httpError('bad_request', 'The passkey assertion could not be verified.')
  return {
    credentialId: passkey.credentialId,
    newCounter: result.authenticationInfo.newCounter,
    authenticatorData: String(parts.authenticatorData),
    clientDataJson: String(parts.clientDataJSON),
    signature: String(parts.signature),
    userHandle: typeof parts.userHandle === 'string' ? parts.userHandle : null,
  }
}
