import type { Principal } from './context'

/** A short-lived cache of authenticated keys, so a request costs no key lookup query. */
export interface PrincipalCache {
  get(keyHash: string): Principal | undefined
  set(keyHash: string, principal: Principal): void
  /**
   * The cached principal, or the result of `load` — one `load` per key at a time, shared by every
   * request that misses meanwhile (so an expiring entry never sends a burst of identical lookups).
   */
  resolve(keyHash: string, load: () => Promise<Principal | undefined>): Promise<Principal | undefined>
  /** Forgets every entry (after a revocation on this process). */
  clear(): void
}

/** How long an authenticated key stays cached: the bound on a revocation reaching every replica. */
export const PRINCIPAL_CACHE_TTL_MS = 2000

/**
 * Creates a {@link PrincipalCache}. Entries live `ttlMs` (default 2 s): a key revoked through
 * another server process stops working within that time; on this process at once.
 */
export function createPrincipalCache(options: { ttlMs?: number; maxEntries?: number } = {}): PrincipalCache {
  const ttl = options.ttlMs ?? PRINCIPAL_CACHE_TTL_MS
  const max = options.maxEntries ?? 10_000
  const entries = new Map<string, { principal: Principal; expires: number }>()
  const loading = new Map<string, Promise<Principal | undefined>>()
  return {
    get(keyHash) {
      const entry = entries.get(keyHash)
      if (entry === undefined) return undefined
      if (entry.expires <= Date.now()) {
        entries.delete(keyHash)
        return undefined
      }
      return entry.principal
    },
    set(keyHash, principal) {
      if (entries.size >= max) entries.clear()
      entries.set(keyHash, { principal, expires: Date.now() + ttl })
    },
    resolve(keyHash, load) {
      const cached = this.get(keyHash)
      if (cached !== undefined) return Promise.resolve(cached)
      const pending = loading.get(keyHash)
      if (pending !== undefined) return pending
      const lookup = load()
        .then((principal) => {
          if (principal !== undefined) this.set(keyHash, principal)
          return principal
        })
        .finally(() => loading.delete(keyHash))
      loading.set(keyHash, lookup)
      return lookup
    },
    clear() {
      entries.clear()
      loading.clear()
    },
  }
}
