/**
 * Revocation for long-lived responses (SSE streams): a stream opened with an API key or a
 * dashboard session re-checks that credential before every event it delivers and at least every
 * {@link CREDENTIAL_RECHECK_MS}, and ends as soon as the credential is gone. Revoking on this
 * process clears the key cache, so its streams end at once; on another replica the key cache
 * entry expires within the same bound, so every replica's streams end within it too.
 */
import type { Context } from 'hono'
import { findPrincipalByHash } from '../workspaces/workspace-store'
import { apiKeyOf, hashApiKey } from './api-keys'
import type { AppEnv } from './context'
import { PRINCIPAL_CACHE_TTL_MS } from './principal-cache'

/** How often an open stream re-checks its credential: the key cache's lifetime. */
export const CREDENTIAL_RECHECK_MS: number = PRINCIPAL_CACHE_TTL_MS

/** Watches one credential while a stream is open. */
export interface CredentialWatch {
  /** Checks the credential now (cheap for API keys: the key cache answers). */
  stillValid(): Promise<boolean>
  /** Settles when a periodic check found the credential revoked (never rejects). */
  readonly revoked: Promise<void>
  /** Stops the periodic check. */
  stop(): void
}

/**
 * Starts a {@link CredentialWatch} over `check` (true while the credential is valid).
 *
 * @example
 * ```ts
 * const watch = watchCredential(apiKeyCheck(c))
 * await Promise.race([nextEvent, watch.revoked])
 * ```
 */
export function watchCredential(
  check: () => Promise<boolean>,
  intervalMs: number = CREDENTIAL_RECHECK_MS,
): CredentialWatch {
  let markRevoked: () => void = () => {}
  const revoked = new Promise<void>((resolve) => {
    markRevoked = resolve
  })
  let gone = false
  const stillValid = async (): Promise<boolean> => {
    if (gone) return false
    // A failed lookup (database down) is not a revocation; the next check decides.
    const valid = await check().catch(() => true)
    if (!valid) {
      gone = true
      markRevoked()
    }
    return valid
  }
  const timer = setInterval(() => void stillValid(), intervalMs)
  timer.unref?.()
  return { stillValid, revoked, stop: () => clearInterval(timer) }
}

/** A check that the API key which authenticated `c` still resolves to the same key. */
export function apiKeyCheck(c: Context<AppEnv>): () => Promise<boolean> {
  const key = apiKeyOf(c)
  const keyId = c.get('principal')?.keyId
  const server = c.get('server')
  if (key === undefined || keyId === undefined) return async () => false
  const keyHash = hashApiKey(key)
  return async () => {
    const principal = await server.principals.resolve(keyHash, () =>
      findPrincipalByHash(server.database, keyHash),
    )
    return principal?.keyId === keyId
  }
}
