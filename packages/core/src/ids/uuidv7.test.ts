import { describe, expect, it } from 'vitest'
import { uuidv7 } from './uuidv7'

describe('uuidv7', () => {
  it('is an RFC 9562 version-7 UUID carrying the millisecond timestamp', () => {
    const at = Date.UTC(2026, 10, 21, 12, 0, 0, 123)
    const id = uuidv7(at)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at)
  })

  it('is unique and strictly increasing within one process, even within a millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7(1_700_000_000_000))
    expect(new Set(ids).size).toBe(ids.length)
    for (let index = 1; index < ids.length; index++) expect(ids[index]! > ids[index - 1]!).toBe(true)
    const later = Array.from({ length: 1000 }, () => uuidv7())
    expect([...later].sort()).toEqual(later)
  })
})
