import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { loadKeyMaterial } from '../key-custody/key-custody'
import type { Queryable } from '../storage/database'

const VERSION = 'v1'

/** Encrypts webhook secrets at rest; they must stay recoverable to sign deliveries. */
export interface SecretBox {
  seal(secret: string): string
  open(sealed: string): string
}

/**
 * AES-256-GCM with a key derived (HKDF-SHA256) from the server's private key, which the server
 * keeps in `server_settings`: a database dump alone reveals no webhook secret in plain text, and
 * the secrets are never returned by the API. Sealed form: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export function createSecretBox(keyMaterial: Uint8Array, purpose = 'mima-webhook-secrets'): SecretBox {
  // `purpose` separates the keys of different secrets (webhook secrets, GRC HMAC keys).
  const key = Buffer.from(hkdfSync('sha256', keyMaterial, purpose, VERSION, 32))
  return {
    seal(secret) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
      return [VERSION, iv, cipher.getAuthTag(), ciphertext]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.')
    },
    open(sealed) {
      const [version, iv, tag, ciphertext] = sealed.split('.')
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new Error('Unreadable webhook secret (unknown format).')
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8')
    },
  }
}

/** The secret box keyed by this server's signing key (wherever it is kept: see key-custody/). */
export async function loadSecretBox(database: Queryable): Promise<SecretBox> {
  return createSecretBox(await loadKeyMaterial(database))
}
