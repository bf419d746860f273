import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { MimaError } from '@mima/core'

/** A redaction key: a secret string or bytes (at least 16 bytes of entropy is sensible). */
export type RedactionKey = string | Uint8Array

interface DerivedKeys {
  readonly token: Buffer
  readonly mapping: Buffer
}

const derived = new Map<string, DerivedKeys>()

function keyBytes(key: RedactionKey): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key)
  if (bytes.length < 16) {
    throw new MimaError(
      'config_invalid',
      'A redaction key needs at least 16 bytes; use a random secret from your key store.',
    )
  }
  return bytes
}

/** Two keys derived from the caller's key with HKDF-SHA256: one for tokens, one for the mapping. */
export function deriveKeys(key: RedactionKey): DerivedKeys {
  const bytes = keyBytes(key)
  const cacheKey = bytes.toString('base64')
  const known = derived.get(cacheKey)
  if (known !== undefined) return known
  const salt = Buffer.from('mima-redaction-v1')
  const keys = {
    token: Buffer.from(hkdfSync('sha256', bytes, salt, 'token', 32)),
    mapping: Buffer.from(hkdfSync('sha256', bytes, salt, 'mapping', 32)),
  }
  if (derived.size > 64) derived.clear()
  derived.set(cacheKey, keys)
  return keys
}

/** The deterministic token text for a value: same kind, value and key → same token. */
export function tokenFor(keys: DerivedKeys, kind: string, value: string): string {
  const digest = createHmac('sha256', keys.token).update(kind).update('\u0000').update(value).digest('hex')
  return `<${kind.toUpperCase()}:${digest.slice(0, 16)}>`
}

/** Encrypts token → original pairs with AES-256-GCM; `v1.` + base64url(iv ‖ ciphertext ‖ tag). */
export function sealMapping(keys: DerivedKeys, entries: Readonly<Record<string, string>>): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keys.mapping, iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(entries), 'utf8'), cipher.final()])
  return `v1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`
}

/** Decrypts a mapping sealed with {@link sealMapping}; a wrong key or a changed mapping is refused. */
export function openMapping(keys: DerivedKeys, mapping: string): Record<string, string> {
  if (!mapping.startsWith('v1.')) {
    throw new MimaError('validation_failed', 'Not a redaction mapping: it should start with "v1.".')
  }
  const bytes = Buffer.from(mapping.slice(3), 'base64url')
  if (bytes.length < 29) throw new MimaError('validation_failed', 'The redaction mapping is truncated.')
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.mapping, bytes.subarray(0, 12))
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()])
    return JSON.parse(plain.toString('utf8')) as Record<string, string>
  } catch (error) {
    throw new MimaError(
      'unauthorized',
      'The redaction mapping could not be opened: the key is not the one it was sealed with, or the mapping was changed.',
      { cause: error },
    )
  }
}
