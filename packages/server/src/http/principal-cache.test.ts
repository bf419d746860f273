import { describe, expect, it } from 'vitest'
import type { Principal } from './context'
import { createPrincipalCache } from './principal-cache'

const principal = { keyId: 'k1', workspaceId: 'ws', role: 'admin', name: 'admin' } as unknown as Principal

describe('createPrincipalCache', () => {
  it('shares one lookup among concurrent misses for the same key', async () => {
    const cache = createPrincipalCache()
    let lookups = 0
    let release: (value: Principal) => void = () => {}
    const load = (): Promise<Principal> => {
      lookups += 1
      return new Promise((resolve) => {
        release = resolve
      })
    }
    const requests = Array.from({ length: 30 }, () => cache.resolve('hash', load))
    release(principal)
    const results = await Promise.all(requests)
    expect(lookups).toBe(1)
    expect(results.every((result) => result === principal)).toBe(true)
    expect(cache.get('hash')).toBe(principal)
  })

  it('does not cache an unknown key and looks it up again next time', async () => {
    const cache = createPrincipalCache()
    let lookups = 0
    const load = async (): Promise<Principal | undefined> => {
      lookups += 1
      return undefined
    }
    expect(await cache.resolve('nope', load)).toBeUndefined()
    expect(await cache.resolve('nope', load)).toBeUndefined()
    expect(lookups).toBe(2)
  })

  it('expires entries after the ttl and forgets everything on clear', async () => {
    const cache = createPrincipalCache({ ttlMs: 0 })
    cache.set('hash', principal)
    expect(cache.get('hash')).toBeUndefined()
    const longLived = createPrincipalCache()
    longLived.set('hash', principal)
    longLived.clear()
    expect(longLived.get('hash')).toBeUndefined()
  })
})
