import { MimaError } from '@mima/core'

/** The prefix (and signing-domain separator) of every approval token, version 1. */
export const APPROVAL_TOKEN_PREFIX = 'mat1'

/**
 * What a server-signed approval token says. The token is
 * `mat1.<base64url(JSON claims)>.<base64url(Ed25519 signature)>`; the signature covers the ASCII
 * bytes `mat1.<base64url(JSON claims)>` and is made with the server's Ed25519 key.
 */
export interface ApprovalTokenClaims {
  /** Format version, `1`. */
  readonly v: 1
  /** The approval the token was issued for. */
  readonly aid: string
  /** The workspace the approval belongs to. */
  readonly ws: string
  /** The approved action type: the token is valid only on an attestation of this tool. */
  readonly act: string
  /** SHA-256 (hex) of the canonical JSON of the approved context (`hashValue(context)`). */
  readonly ctx: string
  /** Who approved (the deciding key's name). */
  readonly by: string
  /** Issued at, Unix seconds. */
  readonly iat: number
  /** Expires at, Unix seconds: a token presented later is refused. */
  readonly exp: number
  /** Identifies the server key that signed the token. */
  readonly kid: string
}

function base64UrlToText(value: string): string {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index)
  return new TextDecoder().decode(bytes)
}

const CANONICAL_CLAIMS = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048]|[A-Za-z0-9_-][AQgw])?$/
const CANONICAL_SIGNATURE = /^[A-Za-z0-9_-]{85}[AQgw]$/

function invalid(message: string): MimaError {
  return new MimaError('approval_token_invalid', message)
}

/**
 * Reads the claims of an approval token **without** verifying its signature (the server verifies
 * it when an attestation presents the token). Throws `approval_token_invalid` when the string is
 * not a well-formed token.
 */
export function decodeApprovalToken(token: string): ApprovalTokenClaims {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== APPROVAL_TOKEN_PREFIX || !parts[1] || !parts[2]) {
    throw invalid(`Not an approval token: expected '${APPROVAL_TOKEN_PREFIX}.<claims>.<signature>'.`)
  }
  // A token has one spelling: unpadded base64url, and a 64-byte signature is 86 characters whose
  // last one carries 4 unused bits that must be zero (A, Q, g or w). The server refuses the rest.
  if (!CANONICAL_CLAIMS.test(parts[1]) || !CANONICAL_SIGNATURE.test(parts[2])) {
    throw invalid('The approval token is not in its canonical form (unpadded base64url, exactly as issued).')
  }
  let claims: unknown
  try {
    claims = JSON.parse(base64UrlToText(parts[1]))
  } catch (error) {
    throw new MimaError('approval_token_invalid', 'The approval token claims are not valid JSON.', {
      cause: error,
    })
  }
  const record = claims as Record<string, unknown>
  const strings = ['aid', 'ws', 'act', 'ctx', 'by', 'kid'] as const
  if (
    typeof claims !== 'object' ||
    claims === null ||
    record.v !== 1 ||
    strings.some((key) => typeof record[key] !== 'string') ||
    typeof record.iat !== 'number' ||
    typeof record.exp !== 'number'
  ) {
    throw invalid('The approval token claims are incomplete or of an unknown version.')
  }
  return claims as ApprovalTokenClaims
}
