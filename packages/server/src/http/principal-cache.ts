import type { Principal } from './context'

/** A short-lived cache of authenticated keys, so a request costs no key lookup query. */
export interface PrincipalCache {
  get(keyHash: string): Principal | undefined
  set(keyHash: string, principal: Principal): void
  /** Forgets every entry (after a revocation on this process). */
  clear(): void
}

/**
 * Creates a {@link PrincipalCache}. Entries live `ttlMs` (default 2 s): a key revoked through
 * another server process stops working within that time; on this process at once.
 */
export function createPrincipalCache(options: { ttlMs?: number; maxEntries?: number } = {}): PrincipalCache {
  const ttl = options.ttlMs ?? 2000
  const max = options.maxEntries ?? 10_000
  const entries = new Map<string, { principal: Principal; expires: number }>()
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
    clear() {
      entries.clear()
    },
  }
}
