import { MimaError } from '../errors/mima-error'

const HEX = /^(?:[0-9a-fA-F]{2})*$/
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let index = 0; index < bytes.length; index++) out += BYTE_TO_HEX[bytes[index] as number]
  return out
}

/** Bytes of a hex string; a clear `validation_failed` error when it is not hex. */
export function fromHex(hex: string, what = 'value'): Uint8Array {
  if (!HEX.test(hex)) {
    throw new MimaError(
      'validation_failed',
      `The ${what} must be a hex string with an even number of digits.`,
    )
  }
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  }
  return bytes
}
