import type { KeyObject } from 'node:crypto'
import type { NodeCryptoModule } from '../internal/node-crypto'
import { toHex } from './hex'

// DER prefixes that wrap a raw Ed25519 key: PKCS#8 for a 32-byte seed, SPKI for a public key.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
const CACHE_LIMIT = 64

function concat(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length)
  out.set(prefix)
  out.set(key, prefix.length)
  return out
}

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
  cache.set(key, value)
  return value
}

/** Ed25519 through `node:crypto`, with parsed keys cached (parsing costs ~10× a signature). */
export interface NodeEd25519 {
  publicKey(seed: Uint8Array): Uint8Array
  sign(message: Uint8Array, seed: Uint8Array): Uint8Array
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean
}

/** Builds the `node:crypto` Ed25519 backend. */
export function createNodeEd25519(crypto: NodeCryptoModule): NodeEd25519 {
  const privateKeys = new Map<string, KeyObject>()
  const publicKeys = new Map<string, KeyObject>()
  const derivedPublicKeys = new Map<string, Uint8Array>()
  const privateKey = (seed: Uint8Array): KeyObject => {
    const id = toHex(seed)
    return (
      privateKeys.get(id) ??
      remember(
        privateKeys,
        id,
        crypto.createPrivateKey({ key: concat(PKCS8_PREFIX, seed) as Buffer, format: 'der', type: 'pkcs8' }),
      )
    )
  }
  const publicKeyObject = (publicKey: Uint8Array): KeyObject => {
    const id = toHex(publicKey)
    return (
      publicKeys.get(id) ??
      remember(
        publicKeys,
        id,
        crypto.createPublicKey({
          key: concat(SPKI_PREFIX, publicKey) as Buffer,
          format: 'der',
          type: 'spki',
        }),
      )
    )
  }
  return {
    publicKey(seed) {
      const id = toHex(seed)
      const known = derivedPublicKeys.get(id)
      if (known) return known.slice()
      const der = crypto.createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' })
      return remember(derivedPublicKeys, id, new Uint8Array(der.subarray(SPKI_PREFIX.length))).slice()
    },
    sign(message, seed) {
      return new Uint8Array(crypto.sign(null, message, privateKey(seed)))
    },
    verify(message, signature, publicKey) {
      if (signature.length !== 64 || publicKey.length !== 32) return false
      try {
        return crypto.verify(null, message, publicKeyObject(publicKey), signature)
      } catch {
        return false
      }
    },
  }
}
