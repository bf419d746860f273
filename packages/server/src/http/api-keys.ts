import { createHash, randomBytes } from 'node:crypto'

/** SHA-256 hex of an API key: what the server stores (keys have 256 bits of entropy). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** A new API key: `mima_` and 43 base64url characters (256 random bits). */
export function generateApiKey(): string {
  return `mima_${randomBytes(32).toString('base64url')}`
}

/** The first characters of a key, safe to show in listings. */
export function keyPrefix(key: string): string {
  return key.slice(0, 9)
}
