import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'

// @noble/ed25519 v3 needs a synchronous SHA-512 for its sync API.
ed.hashes.sha512 = sha512

/** Ed25519 public key of a 32-byte seed, with @noble/ed25519. */
export function publicKeyPortable(seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed)
}

/** Ed25519 signature (RFC 8032, deterministic) with @noble/ed25519. */
export function signPortable(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return ed.sign(message, seed)
}

/** Ed25519 verification with @noble/ed25519, strict RFC 8032 like OpenSSL (no ZIP-215 leniency). */
export function verifyPortable(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}
