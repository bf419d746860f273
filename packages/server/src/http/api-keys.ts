import { createHash, randomBytes } from 'node:crypto'
import type { Context } from 'hono'

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

/** The API key a request carries (`Authorization: Bearer <key>` or `X-API-Key`), if any. */
export function apiKeyOf(context: Context): string | undefined {
  const authorization = context.req.header('authorization')
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim())
    if (match?.[1] !== undefined) return match[1].trim()
  }
  const header = context.req.header('x-api-key')
  return header === undefined || header.trim() === '' ? undefined : header.trim()
}
