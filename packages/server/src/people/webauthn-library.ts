/**
 * `@simplewebauthn/server`, loaded on the first passkey ceremony or signature check rather than
 * when the server starts: its certificate parsers cost about 0.2 s of CPU to import, paid by every
 * server start (and every test process that starts one) whether or not anyone uses a passkey.
 */
let library: Promise<typeof import('@simplewebauthn/server')> | undefined
let helpers: Promise<typeof import('@simplewebauthn/server/helpers')> | undefined

/** The WebAuthn ceremonies (`generateRegistrationOptions`, `verifyAuthenticationResponse`, …). */
export function webauthnLibrary(): Promise<typeof import('@simplewebauthn/server')> {
  library ??= import('@simplewebauthn/server')
  return library
}

/** COSE key decoding (`cose`, `decodeCredentialPublicKey`). */
export function webauthnHelpers(): Promise<typeof import('@simplewebauthn/server/helpers')> {
  helpers ??= import('@simplewebauthn/server/helpers')
  return helpers
}
