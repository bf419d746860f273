import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { MimaError } from '@mima/core'

/** The prefix (and signing-domain separator) of an approval token, version 1. */
export const APPROVAL_TOKEN_PREFIX = 'mat1'

/** What an approval token says (see `@mima/approvals`' `ApprovalTokenClaims`). */
export interface ApprovalTokenClaims {
  readonly v: 1
  /** Approval id. */
  readonly aid: string
  /** Workspace id. */
  readonly ws: string
  /** The approved action type: the token is valid only on an attestation of this tool. */
  readonly act: string
  /** `hashValue(context)`: SHA-256 hex of the canonical JSON of the approved context. */
  readonly ctx: string
  /** The approver (deciding key's name). */
  readonly by: string
  /** Issued at, Unix seconds. */
  readonly iat: number
  /** Expires at, Unix seconds. */
  readonly exp: number
  /** Key id of the signing server key. */
  readonly kid: string
}

/** Signs and verifies with the server's Ed25519 key. */
export interface TokenSigner {
  /** A short, stable id for the public key (first 16 hex of its SHA-256). */
  readonly keyId: string
  sign(message: Uint8Array): Uint8Array
  verify(message: Uint8Array, signature: Uint8Array): boolean
}

// DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** A {@link TokenSigner} over a 32-byte Ed25519 seed (hex or bytes), using `node:crypto`. */
export function createTokenSigner(seed: string | Uint8Array | KeyObject): TokenSigner {
  let privateKey: KeyObject
  if (typeof seed === 'string' || seed instanceof Uint8Array) {
    const bytes = typeof seed === 'string' ? Buffer.from(seed, 'hex') : Buffer.from(seed)
    if (bytes.length !== 32) throw new Error('The server signing key must be a 32-byte Ed25519 seed.')
    privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, bytes]),
      format: 'der',
      type: 'pkcs8',
    })
  } else {
    privateKey = seed
  }
  const publicKey = createPublicKey(privateKey)
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  const keyId = createHash('sha256').update(raw).digest('hex').slice(0, 16)
  return {
    keyId,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
    verify: (message, signature) => {
      try {
        return verify(null, message, publicKey, signature)
      } catch {
        return false
      }
    },
  }
}

// DER prefix of an SPKI Ed25519 public key; the 32 raw key bytes follow it.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** A {@link TokenSigner} over the server's key (`publicKeyHex` + `sign`), verifying with `node:crypto`. */
export function tokenSignerFromServerKey(serverKey: {
  readonly publicKeyHex: string
  sign(message: Uint8Array): Uint8Array
}): TokenSigner {
  const raw = Buffer.from(serverKey.publicKeyHex, 'hex')
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  })
  return {
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
    sign: (message) => new Uint8Array(serverKey.sign(message)),
    verify: (message, signature) => {
      try {
        return verify(null, message, publicKey, signature)
      } catch {
        return false
      }
    },
  }
}

function encodeClaims(claims: ApprovalTokenClaims): string {
  // Fixed member order (sorted), so the same claims always give the same token.
  const ordered = {
    act: claims.act,
    aid: claims.aid,
    by: claims.by,
    ctx: claims.ctx,
    exp: claims.exp,
    iat: claims.iat,
    kid: claims.kid,
    v: claims.v,
    ws: claims.ws,
  }
  return Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64url')
}

/** Signs `claims` into `mat1.<claims>.<signature>` (Ed25519 is deterministic: same claims, same token). */
export function signApprovalToken(
  claims: Omit<ApprovalTokenClaims, 'v' | 'kid'>,
  signer: TokenSigner,
): string {
  const body = `${APPROVAL_TOKEN_PREFIX}.${encodeClaims({ ...claims, v: 1, kid: signer.keyId })}`
  const signature = signer.sign(Buffer.from(body, 'ascii'))
  return `${body}.${Buffer.from(signature).toString('base64url')}`
}

/**
 * Decodes unpadded base64url only when `text` is the one canonical spelling of its bytes: the
 * URL-safe alphabet, no padding, no other characters, and zero unused bits in the last character.
 * Undefined otherwise.
 */
export function decodeCanonicalBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

function refuse(message: string, status = 422): MimaError {
  return new MimaError('approval_token_invalid', message, { status })
}

/**
 * Checks the signature and the shape of an approval token and returns its claims. Does not check
 * expiry, workspace or the approval's state: {@link consumeApprovalToken} does.
 */
export function verifyApprovalToken(token: unknown, signer: TokenSigner): ApprovalTokenClaims {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
    throw refuse('approval_token must be a non-empty string of at most 4096 characters.', 400)
  }
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== APPROVAL_TOKEN_PREFIX || !parts[1] || !parts[2]) {
    throw refuse(
      `approval_token is not an approval token (expected '${APPROVAL_TOKEN_PREFIX}.<claims>.<signature>').`,
      400,
    )
  }
  // One spelling only: Node's base64url decoder ignores stray characters, padding, the `+/`
  // alphabet and the unused low bits of the last character, so decode strictly.
  const signature = decodeCanonicalBase64url(parts[2])
  if (decodeCanonicalBase64url(parts[1]) === undefined || signature === undefined) {
    throw refuse('approval_token is not in its canonical form (unpadded base64url, exactly as issued).', 400)
  }
  if (signature.length !== 64 || !signer.verify(Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'), signature)) {
    throw refuse(
      'approval_token signature does not verify with this server’s key: the token was forged or altered.',
    )
  }
  let claims: Record<string, unknown>
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    throw refuse('approval_token claims are not JSON.', 400)
  }
  for (const key of ['aid', 'ws', 'act', 'ctx', 'by', 'kid'] as const) {
    if (typeof claims[key] !== 'string') throw refuse(`approval_token claim '${key}' is missing.`, 400)
  }
  if (claims.v !== 1 || typeof claims.iat !== 'number' || typeof claims.exp !== 'number') {
    throw refuse('approval_token has an unknown version or no expiry.', 400)
  }
  return claims as unknown as ApprovalTokenClaims
}
