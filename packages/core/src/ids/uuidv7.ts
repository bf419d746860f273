const HEX: string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))
const POOL_SIZE = 4096
const pool = new Uint8Array(POOL_SIZE)
let poolOffset = POOL_SIZE
let lastMillis = -1
let sequence = 0

function random(count: number): number {
  if (poolOffset + count > POOL_SIZE) {
    // getRandomValues is limited to 65,536 bytes per call; 4 KiB refills amortise its cost.
    globalThis.crypto.getRandomValues(pool)
    poolOffset = 0
  }
  const start = poolOffset
  poolOffset += count
  return start
}

/**
 * A new UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps
 * ids from one process strictly increasing within a millisecond, then 62 random bits. Used as
 * the idempotency key of every record, so keys also sort by creation time.
 */
export function uuidv7(now: number = Date.now()): string {
  let millis = now
  if (millis > lastMillis) {
    lastMillis = millis
    const at = random(1)
    sequence = (pool[at] as number) & 0x3f // random start, headroom to count up within the ms
  } else {
    millis = lastMillis
    sequence++
    if (sequence > 0xfff) {
      // 4,096 ids in one millisecond: borrow the next millisecond to stay monotonic.
      lastMillis++
      millis = lastMillis
      sequence = 0
    }
  }
  const at = random(8)
  const time = millis.toString(16).padStart(12, '0')
  return (
    `${time.slice(0, 8)}-${time.slice(8, 12)}-` +
    `7${HEX[sequence >> 8]?.[1] ?? '0'}${HEX[sequence & 0xff]}-` +
    `${HEX[((pool[at] as number) & 0x3f) | 0x80]}${HEX[pool[at + 1] as number]}-` +
    `${HEX[pool[at + 2] as number]}${HEX[pool[at + 3] as number]}${HEX[pool[at + 4] as number]}` +
    `${HEX[pool[at + 5] as number]}${HEX[pool[at + 6] as number]}${HEX[pool[at + 7] as number]}`
  )
}
