/**
 * Passwords, hashed with scrypt (node:crypto; memory-hard, no native add-on), and the sign-in
 * throttle: after {@link MAX_FAILURES} failures for one email within {@link FAILURE_WINDOW_MS},
 * further attempts are refused (429) until the window moves on, whatever the password.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { httpError } from '../http/errors'
import type { Queryable } from '../storage/database'

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const
/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 12
/** Longest password accepted (scrypt's cost does not depend on it, the body limit would). */
export const MAX_PASSWORD_LENGTH = 256
/** Failed attempts per email allowed within the window. */
export const MAX_FAILURES = 5
/** The throttle's window (15 minutes). */
export const FAILURE_WINDOW_MS: number = 15 * 60 * 1000

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      SCRYPT.keyLength,
      { ...params, maxmem: 128 * params.N * params.r * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })
}

/** A new password, checked for length (422 naming the field otherwise). */
export function newPasswordFrom(value: unknown, field = 'password'): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH) {
    throw httpError(
      'validation_failed',
      `${field} must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long.`,
      { field },
    )
  }
  return value
}

/** `scrypt$N$r$p$salt$hash` (base64url parts): parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, SCRYPT)
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** Whether `password` matches a stored hash (constant-time comparison; false for a malformed hash). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false
  const params = { N: Number(n), r: Number(r), p: Number(p) }
  if (!Number.isInteger(params.N) || params.N < 2 || params.N > 2 ** 20) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await derive(password, Buffer.from(salt, 'base64url'), params)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** A hash no password matches, verified against when the email is unknown (same cost, no oracle). */
let decoyHash: Promise<string> | undefined
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(24).toString('base64url'))
  return decoyHash
}

/** 429 when `subject` failed too often recently. */
export async function refuseThrottled(
  database: Queryable,
  subject: string,
  now: Date = new Date(),
): Promise<void> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS)
  const { rows } = await database.query<{ count: string | number; oldest: Date | string | null }>(
    `select count(*) as count, min(failed_at) as oldest from people_sign_in_failures
      where subject = $1 and failed_at > $2`,
    [subject, since.toISOString()],
  )
  const count = Number(rows[0]?.count ?? 0)
  if (count < MAX_FAILURES) return
  const oldest = rows[0]?.oldest
  const retryAt =
    oldest === null || oldest === undefined ? now : new Date(new Date(oldest).getTime() + FAILURE_WINDOW_MS)
  const retrySeconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000))
  throw httpError(
    'rate_limited',
    `Too many failed sign-ins for this account: try again in ${Math.ceil(retrySeconds / 60)} minute(s).`,
    { retry_after_seconds: retrySeconds },
  )
}

/** Records a failed attempt (and forgets attempts older than the window). */
export async function recordFailure(
  database: Queryable,
  subject: string,
  now: Date = new Date(),
): Promise<void> {
  await database.query('delete from people_sign_in_failures where failed_at <= $1', [
    new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString(),
  ])
  await database.query('insert into people_sign_in_failures (subject, failed_at) values ($1, $2)', [
    subject,
    now.toISOString(),
  ])
}

/** Forgets a subject's failures after a successful sign-in. */
export async function clearFailures(database: Queryable, subject: string): Promise<void> {
  await database.query('delete from people_sign_in_failures where subject = $1', [subject])
}
