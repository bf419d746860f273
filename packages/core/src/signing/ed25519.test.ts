import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import vectors from '../hashing/test-vectors.json' with { type: 'json' }
import { ed25519Sign, ed25519Verify, generateSigningKey, verifyingKeyHex } from './ed25519'
import { publicKeyPortable, signPortable, verifyPortable } from './ed25519-portable'
import { fromHex, toHex } from './hex'

const encoder = new TextEncoder()

function nodeKeys(seedHex: string): {
  privateKey: ReturnType<typeof createPrivateKey>
  publicKey: ReturnType<typeof createPublicKey>
} {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.from(seedHex, 'hex'),
  ])
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

describe('Ed25519', () => {
  it('reproduces the reference vector (RFC 8032 is deterministic)', () => {
    const { seedHex, message, verifyingKeyHex: key, signatureHex } = vectors.ed25519
    expect(verifyingKeyHex(seedHex)).toBe(key)
    expect(toHex(ed25519Sign(encoder.encode(message), seedHex))).toBe(signatureHex)
    expect(toHex(signPortable(encoder.encode(message), fromHex(seedHex)))).toBe(signatureHex)
    expect(toHex(publicKeyPortable(fromHex(seedHex)))).toBe(key)
    expect(ed25519Verify(encoder.encode(message), fromHex(signatureHex), key)).toBe(true)
  })

  it('gives byte-identical keys and signatures on the node:crypto and noble paths', () => {
    for (let round = 0; round < 20; round++) {
      const seed = generateSigningKey()
      expect(seed).toMatch(/^[0-9a-f]{64}$/)
      const message = encoder.encode(`message ${round} ${'é'.repeat(round * 7)}`)
      const fast = ed25519Sign(message, seed)
      const portable = signPortable(message, fromHex(seed))
      expect(toHex(fast)).toBe(toHex(portable))
      expect(verifyingKeyHex(seed)).toBe(toHex(publicKeyPortable(fromHex(seed))))
    }
  })

  it('verifies independently: node:crypto accepts noble signatures and noble accepts node:crypto ones', () => {
    const seed = generateSigningKey()
    const { privateKey, publicKey } = nodeKeys(seed)
    const message = encoder.encode('cross-check')
    const publicKeyBytes = fromHex(verifyingKeyHex(seed))
    const nobleSignature = signPortable(message, fromHex(seed))
    expect(nodeVerify(null, message, publicKey, nobleSignature)).toBe(true)
    const nodeSignature = new Uint8Array(nodeSign(null, message, privateKey))
    expect(verifyPortable(message, nodeSignature, publicKeyBytes)).toBe(true)
    expect(ed25519Verify(message, nodeSignature, verifyingKeyHex(seed))).toBe(true)
  })

  it('rejects tampered messages, signatures and keys without throwing', () => {
    const seed = generateSigningKey()
    const message = encoder.encode('pay 10 EUR')
    const signature = ed25519Sign(message, seed)
    const key = verifyingKeyHex(seed)
    expect(ed25519Verify(encoder.encode('pay 99 EUR'), signature, key)).toBe(false)
    const flipped = signature.slice()
    flipped[5] = (flipped[5] as number) ^ 1
    expect(ed25519Verify(message, flipped, key)).toBe(false)
    expect(verifyPortable(message, flipped, fromHex(key))).toBe(false)
    expect(ed25519Verify(message, signature, verifyingKeyHex(generateSigningKey()))).toBe(false)
    expect(ed25519Verify(message, signature, 'zz')).toBe(false)
    expect(ed25519Verify(message, signature.slice(0, 10), key)).toBe(false)
  })

  it('explains a seed of the wrong size', () => {
    expect(() => ed25519Sign(encoder.encode('x'), 'abcd')).toThrow(/32-byte Ed25519 seed/)
    expect(() => verifyingKeyHex('not hex')).toThrow(/hex/)
    expect(() => ed25519Sign(encoder.encode('x'), new Uint8Array(33))).toThrow(/got 33 bytes/)
  })
})
