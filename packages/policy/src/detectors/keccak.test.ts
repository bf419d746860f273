import { expect, test } from 'vitest'
import { eip55Valid, keccak256Ascii } from './keccak'

test('Keccak-256 and EIP-55 checksums match the published vectors', () => {
  expect(keccak256Ascii('')).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  expect(eip55Valid('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed')).toBe(true)
  expect(eip55Valid('0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB')).toBe(true)
  expect(eip55Valid('0xdbF03B407c01E7cD3CBea99509d93f8DDdC8C6FB')).toBe(false)
  expect(eip55Valid('0x52908400098527886E0F7030069857D2E4169EE7')).toBe(true)
})
