// Keccak-256 (the original padding, as Ethereum uses it; not NIST SHA3-256), for EIP-55 address
// checksums. BigInt lanes: slow (tens of microseconds) but only mixed-case 0x addresses reach it.

const MASK = (1n << 64n) - 1n
const ROUND_CONSTANTS = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
]
// ROTATIONS[x][y]
const ROTATIONS = [
  [0n, 36n, 3n, 41n, 18n],
  [1n, 44n, 10n, 45n, 2n],
  [62n, 6n, 43n, 15n, 61n],
  [28n, 55n, 25n, 21n, 56n],
  [27n, 20n, 39n, 8n, 14n],
]

function rotate(value: bigint, by: bigint): bigint {
  return by === 0n ? value : ((value << by) | (value >> (64n - by))) & MASK
}

function permute(state: bigint[]): void {
  const c = new Array<bigint>(5)
  const b = new Array<bigint>(25)
  for (const constant of ROUND_CONSTANTS) {
    for (let x = 0; x < 5; x++) {
      c[x] =
        (state[x] as bigint) ^
        (state[x + 5] as bigint) ^
        (state[x + 10] as bigint) ^
        (state[x + 15] as bigint) ^
        (state[x + 20] as bigint)
    }
    for (let x = 0; x < 5; x++) {
      const d = (c[(x + 4) % 5] as bigint) ^ rotate(c[(x + 1) % 5] as bigint, 1n)
      for (let y = 0; y < 5; y++) state[x + 5 * y] = (state[x + 5 * y] as bigint) ^ d
    }
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) {
        b[y + 5 * ((2 * x + 3 * y) % 5)] = rotate(
          state[x + 5 * y] as bigint,
          (ROTATIONS[x] as bigint[])[y] as bigint,
        )
      }
    }
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) {
        state[x + 5 * y] =
          (b[x + 5 * y] as bigint) ^
          (~(b[((x + 1) % 5) + 5 * y] as bigint) & MASK & (b[((x + 2) % 5) + 5 * y] as bigint))
      }
    }
    state[0] = (state[0] as bigint) ^ constant
  }
}

/** Keccak-256 of an ASCII string shorter than 136 bytes, as 64 hex digits. */
export function keccak256Ascii(text: string): string {
  const block = new Uint8Array(136)
  for (let index = 0; index < text.length; index++) block[index] = text.charCodeAt(index) & 0xff
  block[text.length] = (block[text.length] as number) ^ 0x01
  block[135] = (block[135] as number) ^ 0x80
  const state = new Array<bigint>(25).fill(0n)
  for (let lane = 0; lane < 17; lane++) {
    let value = 0n
    for (let byte = 7; byte >= 0; byte--) value = (value << 8n) | BigInt(block[lane * 8 + byte] as number)
    state[lane] = value
  }
  permute(state)
  let hex = ''
  for (let lane = 0; lane < 4; lane++) {
    let value = state[lane] as bigint
    for (let byte = 0; byte < 8; byte++) {
      hex += Number(value & 0xffn)
        .toString(16)
        .padStart(2, '0')
      value >>= 8n
    }
  }
  return hex
}

/** EIP-55: a mixed-case 0x address whose letter case follows the Keccak-256 of its lower-case hex. */
export function eip55Valid(address: string): boolean {
  const known = checked.get(address)
  if (known !== undefined) return known
  if (checked.size >= 1024) checked.clear()
  const valid = checksumMatches(address)
  checked.set(address, valid)
  return valid
}

// Keccak over BigInt costs tens of microseconds; an address seen again is answered from here.
const checked = new Map<string, boolean>()

function checksumMatches(address: string): boolean {
  const hex = address.slice(2)
  const hash = keccak256Ascii(hex.toLowerCase())
  for (let index = 0; index < 40; index++) {
    const code = hex.charCodeAt(index)
    const nibble = Number.parseInt(hash[index] as string, 16)
    if (code >= 97 && code <= 102 && nibble >= 8) return false
    if (code >= 65 && code <= 70 && nibble < 8) return false
  }
  return true
}
