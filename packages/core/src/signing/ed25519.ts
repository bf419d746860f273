import { MimaError } from '../errors/mima-error'
import { nodeCrypto } from '../internal/node-crypto'
import { createNodeEd25519, type NodeEd25519 } from './ed25519-node'
import { publicKeyPortable, signPortable, verifyPortable } from './ed25519-portable'
import { fromHex, toHex } from './hex'

const crypto = nodeCrypto()
const fast: NodeEd25519 | undefined = crypto ? createNodeEd25519(crypto) : undefined

/** Reads a 32-byte Ed25519 seed given as 64 hex digits or as bytes. */
export function seedBytes(seed: string | Uint8Array): Uint8Array {
  const bytes = typeof seed === 'string' ? fromHex(seed.trim(), 'signing key') : seed
  if (bytes.length !== 32) {
    throw new MimaError(
      'config_invalid',
      `The signing key must be a 32-byte Ed25519 seed (64 hex digits); got ${bytes.length} bytes. Generate one with generateSigningKey().`,
    )
  }
  return bytes
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  globalThis.crypto.getRandomValues(bytes)
  return bytes
}

/**
 * A new random Ed25519 signing key: a 32-byte seed as 64 lowercase hex digits. Store it in a
 * secrets manager and pass it to `createMima({ signingKey })`.
 */
export function generateSigningKey(): string {
  return toHex(randomBytes(32))
}

/** The Ed25519 public key (64 lowercase hex digits) of a 32-byte seed. */
export function verifyingKeyHex(seed: string | Uint8Array): string {
  const bytes = seedBytes(seed)
  return toHex(fast ? fast.publicKey(bytes) : publicKeyPortable(bytes))
}

/**
 * Signs `message` with Ed25519 (RFC 8032, deterministic): `node:crypto` on Node, @noble/ed25519
 * elsewhere. Both give the same 64 bytes.
 */
export function ed25519Sign(message: Uint8Array, seed: string | Uint8Array): Uint8Array {
  const bytes = seedBytes(seed)
  return fast ? fast.sign(message, bytes) : signPortable(message, bytes)
}

/**
 * Whether `signature` is a valid Ed25519 signature of `message` by `publicKeyHex`. Malformed
 * keys or signatures give `false`, never an exception.
 */
export function ed25519Verify(message: Uint8Array, signature: Uint8Array, publicKeyHex: string): boolean {
  if (signature.length !== 64 || !/^[0-9a-fA-F]{64}$/.test(publicKeyHex)) return false
  const publicKey = fromHex(publicKeyHex)
  return fast ? fast.verify(message, signature, publicKey) : verifyPortable(message, signature, publicKey)
}
