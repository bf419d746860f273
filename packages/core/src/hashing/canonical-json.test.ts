import { describe, expect, it } from 'vitest'
import { MimaError } from '../errors/mima-error'
import { canonicalJson, canonicalJsonCareful, captureCanonical, snapshotText } from './canonical-json'
import { hashValue, sha256Hex, sha256HexPortable } from './sha256'
import vectors from './test-vectors.json' with { type: 'json' }

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

function validationError(fn: () => unknown): MimaError {
  try {
    fn()
  } catch (error) {
    if (MimaError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a MimaError')
}

describe('canonicalJson (RFC 8785)', () => {
  it.each(vectors.rfc8785)('$name', ({ json, canonical }) => {
    expect(canonicalJson(JSON.parse(json))).toBe(canonical)
  })

  it.each(vectors.numbers)('formats IEEE-754 $bits as RFC 8785 Appendix B says', ({ bits, canonical }) => {
    const value = fromBits(bits)
    if (canonical === null) {
      expect(validationError(() => canonicalJson(value)).code).toBe('validation_failed')
    } else {
      expect(canonicalJson(value)).toBe(canonical)
    }
  })

  it('follows JSON.stringify for undefined and toJSON', () => {
    expect(canonicalJson(undefined)).toBe('null')
    expect(canonicalJson([undefined, 1])).toBe('[null,1]')
    expect(canonicalJson({ b: undefined, a: () => 1, c: Symbol('x'), d: 1 })).toBe('{"d":1}')
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 5, 20, 12)) })).toBe(
      '{"at":"2026-06-20T12:00:00.000Z"}',
    )
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return `${this.cents / 100} EUR`
      }
    }
    expect(canonicalJson([new Money(250)])).toBe('["2.5 EUR"]')
    expect(canonicalJson(-0)).toBe('0')
  })

  it('rejects what JSON cannot hold, naming the path', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ amount: 1n }, '$.amount', /bigint/],
      [[1, Number.NaN], '$[1]', /NaN/],
      [{ a: { 'b c': [Number.POSITIVE_INFINITY] } }, '$.a["b c"][0]', /Infinity/],
      [{ map: new Map() }, '$.map', /Map/],
      [[new Set([1])], '$[0]', /Set/],
      [{ file: new Uint8Array([1, 2]) }, '$.file', /binary/],
      [{ file: Buffer.from('x') }, '$.file', /binary/],
      [{ buffer: new ArrayBuffer(2) }, '$.buffer', /binary/],
      [[() => 1], '$[0]', /function/],
      [Symbol('x'), '$', /symbol/],
      [{ text: 'a\ud800b' }, '$.text', /surrogate/],
    ]
    for (const [value, path, what] of cases) {
      const error = validationError(() => canonicalJson(value))
      expect(error.code).toBe('validation_failed')
      expect(error.details?.path).toBe(path)
      expect(error.message).toMatch(what)
    }
  })

  it('rejects cycles but accepts shared references', () => {
    const shared = { x: 1 }
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}')
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = { inner: cyclic }
    const error = validationError(() => canonicalJson(cyclic))
    expect(error.message).toMatch(/cycle/)
    expect(error.details?.path).toBe('$.self.inner')
  })

  it('accepts well-formed surrogate pairs and sorts by UTF-16 code units', () => {
    expect(canonicalJson({ '\ufb33': 1, '😀': 2 })).toBe('{"😀":2,"\ufb33":1}')
  })
})

describe('the native fast path', () => {
  // A small deterministic generator (no Math.random: failures must reproduce).
  let seed = 42
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  const keyPool = [
    'a',
    'b',
    'B',
    '10',
    '9',
    '1',
    'é',
    '€',
    '😀',
    '\ufb33',
    'a b',
    '',
    'constructor',
    'toString',
    '\r',
  ]
  const stringPool = [
    '',
    'plain',
    'quote " and \\ backslash',
    'line\nbreak\u0001',
    'héllo 😀',
    '\u2028',
    '\\ud800 as text',
  ]
  function randomValue(depth: number): unknown {
    const roll = next()
    if (depth > 3 || roll < 0.35) {
      const pick = next()
      if (pick < 0.3) return stringPool[Math.floor(next() * stringPool.length)]
      if (pick < 0.6) return [0, -0, 1.5, 1e21, 1e-7, -123456789.125, 2 ** 53, 5e-324][Math.floor(next() * 8)]
      if (pick < 0.8) return next() < 0.5
      return null
    }
    if (roll < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(depth + 1))
    const object: Record<string, unknown> = {}
    for (let index = Math.floor(next() * 6); index > 0; index--) {
      object[keyPool[Math.floor(next() * keyPool.length)] as string] = randomValue(depth + 1)
    }
    if (next() < 0.1) object.skipped = undefined
    return object
  }

  it('writes exactly what the careful writer writes, for 2,000 generated documents', () => {
    for (let round = 0; round < 2000; round++) {
      const value = randomValue(0)
      const expected = canonicalJsonCareful(value)
      expect(canonicalJson(value)).toBe(expected)
      expect(snapshotText(captureCanonical(value))).toBe(expected)
    }
  })

  it('snapshots keep long strings raw until hashed, and still catch bad input at capture time', () => {
    const long = 'é"\n'.repeat(40)
    const snapshot = captureCanonical({ b: long, a: [long, 'short'] })
    expect(Array.isArray(snapshot)).toBe(true)
    expect(snapshotText(snapshot)).toBe(canonicalJson({ b: long, a: [long, 'short'] }))
    expect(captureCanonical({ a: 'short' })).toBe('{"a":"short"}')
    expect(() => captureCanonical({ n: Number.NaN })).toThrow(/NaN at \$\.n/)
    expect(() => snapshotText(captureCanonical({ s: `${'x'.repeat(100)}\ud800` }))).toThrow(/surrogate/)
  })

  it('hands anything unusual to the careful writer', () => {
    expect(canonicalJson({ z: { __proto__: null, b: 1, a: 2 } })).toBe('{"z":{"a":2,"b":1}}')
    expect(canonicalJson(JSON.parse('{"__proto__": {"x": 1}, "a": 1}'))).toBe('{"__proto__":{"x":1},"a":1}')
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}')
    expect(() => canonicalJson({ a: 'x\udc00' })).toThrow(/surrogate/)
  })
})

describe('sha256Hex and hashValue', () => {
  it('gives known SHA-256 digests on both the node:crypto and the portable path', () => {
    for (const fn of [sha256Hex, sha256HexPortable]) {
      expect(fn('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
      expect(fn('null')).toBe('74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b')
      expect(fn(new TextEncoder().encode('10'))).toBe(
        '4a44dc15364204a80fe80e9039455cc1608281820fe2b24f1e5233ade6af1dd5',
      )
      expect(fn('héllo😀')).toBe(fn(new TextEncoder().encode('héllo😀')))
    }
    const large = 'x'.repeat(100_000) + '€'
    expect(sha256Hex(large)).toBe(sha256HexPortable(large))
  })

  it('hashes the canonical form, so key order does not matter', () => {
    expect(hashValue({ b: 1, a: [1, 2] })).toBe(sha256Hex('{"a":[1,2],"b":1}'))
    expect(hashValue({ a: [1, 2], b: 1 })).toBe(hashValue({ b: 1, a: [1, 2] }))
    expect(hashValue(undefined)).toBe('74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b')
    expect(hashValue(10)).toBe('4a44dc15364204a80fe80e9039455cc1608281820fe2b24f1e5233ade6af1dd5')
  })
})
