import { randomBytes } from 'node:crypto'

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

/** A request id: `req_` and 20 hex characters. */
export function newRequestId(): string {
  return `req_${randomBytes(10).toString('hex')}`
}
