import type { AttestationPayload, AuthorisedBy, AuthorisedByWire } from '../attestation/attestation-payload'
import { SIG_ALG_V2 } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'
import { canonicalJson } from '../hashing/canonical-json'
import { ed25519Sign, seedBytes, verifyingKeyHex } from '../signing/ed25519'
import { toHex } from '../signing/hex'
import type { ApprovalTokenInput, Clock, Logger } from './types'

// Small pieces the client's modules share: error classification, option checks, the signer.

const HASH = /^(?:[0-9a-f]{64})?$/
const REJECTION_CODES = new Set(['bad_request', 'validation_failed', 'payload_too_large'])
const REJECTION_STATUSES = new Set([400, 413, 422])

/** `call`: the caller awaits this operation; `background`: timers, exit, fire-and-forget sends. */
export type ReportWhere = 'call' | 'background'

/**
 * The server refused the record for good (bad input): report it, never retry it. Judged by the
 * code and by the status, since the server may name a precise code (e.g. `approval_token_invalid`
 * or `signature_invalid` with a 422).
 */
export function isRejection(failure: MimaError): boolean {
  return (
    REJECTION_CODES.has(failure.code) ||
    (failure.status !== undefined && REJECTION_STATUSES.has(failure.status))
  )
}

/** The server already holds a record with this idempotency key. */
export function isConflict(failure: MimaError): boolean {
  return failure.code === 'conflict' || failure.status === 409
}

const encoder = new TextEncoder()
export const systemClock: Clock = { now: () => Date.now() }
export const consoleLogger: Logger = { warn: (message) => console.warn(message) }
export const monotonic: () => number =
  typeof globalThis.performance?.now === 'function' ? () => globalThis.performance.now() : () => Date.now()

export function authorisedByWire(value: AuthorisedBy | undefined): AuthorisedByWire | undefined {
  if (!value) return undefined
  if (typeof value.identity !== 'string' || value.identity === '') {
    throw new MimaError('validation_failed', 'authorisedBy.identity must be a non-empty string.')
  }
  const wire: AuthorisedByWire = { identity: value.identity }
  if (value.role) wire.role = value.role
  if (value.sessionId) wire.session_id = value.sessionId
  return wire
}

export function approvalParts(
  token: string | ApprovalTokenInput | undefined,
): ApprovalTokenInput | undefined {
  if (token === undefined) return undefined
  if (typeof token === 'string') {
    if (token === '') throw new MimaError('validation_failed', 'approvalToken must not be empty.')
    return { token }
  }
  // An empty token with evidence is a timeout that proceeded (@mima/approvals' TimeoutToken):
  // no approval_token is sent, only its human_oversight evidence is pushed.
  if (typeof token?.token !== 'string' || (token.token === '' && !token.oversightEvidence)) {
    throw new MimaError(
      'validation_failed',
      'approvalToken must be a token string or { token, oversightEvidence? }.',
    )
  }
  return token
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (value !== null &&
      (typeof value === 'object' || typeof value === 'function') &&
      typeof (value as { then?: unknown }).then === 'function')
  )
}

export function errorName(error: unknown): string {
  if (error instanceof Error) return error.name
  return typeof error
}

export function asMimaError(error: unknown, what: string): MimaError {
  if (MimaError.isInstance(error)) return error
  return new MimaError(
    'internal_error',
    `${what}: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
    },
  )
}

export function validateHash(hash: string, name: string): void {
  if (typeof hash !== 'string' || !HASH.test(hash)) {
    throw new MimaError('validation_failed', `${name} must be 64 lowercase hex digits (SHA-256) or "".`)
  }
}

/** Signs an attestation in place (Ed25519 over its canonical JSON) and returns it. */
export type Signer = (record: AttestationPayload) => AttestationPayload

export function createSigner(seed: string | Uint8Array): Signer {
  const bytes = seedBytes(seed)
  const publicKey = verifyingKeyHex(bytes)
  return (record) => {
    record.sig_alg = SIG_ALG_V2
    record.witness_sig = toHex(ed25519Sign(encoder.encode(canonicalJson(record)), bytes))
    record.verifying_key_hex = publicKey
    return record
  }
}

/** Lets a timer not keep the process alive (where timers have `unref`). */
export function unref(timer: ReturnType<typeof setTimeout>): void {
  ;(timer as { unref?: () => void }).unref?.()
}
