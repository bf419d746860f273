import { createHash, randomBytes } from 'node:crypto'

let lastMillis = 0
let sequence = 0

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then randomness, with a per-process counter in
 * `rand_a` so ids minted in the same millisecond still sort in creation order.
 */
export function newId(): string {
  const now = Date.now()
  if (now === lastMillis) {
    sequence = (sequence + 1) & 0xfff
  } else {
    lastMillis = now
    sequence = randomBytes(2).readUInt16BE(0) & 0x3ff
  }
  const bytes = randomBytes(16)
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = 0x70 | (sequence >> 8)
  bytes[7] = sequence & 0xff
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

// A random prefix per process and a counter: unique across replicas without a syscall per request.
const REQUEST_PREFIX = `req_${randomBytes(6).toString('hex')}`
let requestCounter = 0

/** A request id: `req_`, 12 hex characters naming this process, and a base-36 counter. */
export function newRequestId(): string {
  requestCounter += 1
  return `${REQUEST_PREFIX}${requestCounter.toString(36).padStart(6, '0')}`
}

/**
 * A UUID-shaped id derived from `parts` (SHA-256 of them joined by NUL, version nibble 8): every
 * replica, and a retry after a crash, derives the same id for the same thing.
 */
export function derivedId(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
