import { MimaError } from '@mima/core'
import { describe, expect, test } from 'vitest'
import { redact, restoreRedacted } from '../index'

const key = 'a-test-key-of-32-characters-long'

describe('redact', () => {
  test('placeholders are numbered per kind and repeat for the same value', () => {
    const result = redact(
      'Write ada@example.com, bob@example.org or ada@example.com; card 4111 1111 1111 1111',
    )
    expect(result.text).toBe('Write <EMAIL_1>, <EMAIL_2> or <EMAIL_1>; card <CREDIT_CARD_1>')
    expect(result.findings).toHaveLength(4)
  })

  test('mask keeps the shape and optionally the last characters', () => {
    expect(redact('card 4111 1111 1111 1111', { mode: 'mask', keepLast: 4 }).text).toBe(
      'card **** **** **** 1111',
    )
    expect(redact('mail ada@example.com', { mode: 'mask', maskCharacter: '#' }).text).toBe(
      'mail ###@#######.###',
    )
  })

  test('keyed tokens are deterministic and only the key holder can restore', () => {
    const first = redact('mail ada@example.com please', { mode: 'token', key })
    const second = redact('again ada@example.com', { mode: 'token', key })
    const token = first.text.slice(5, -7)
    expect(token).toMatch(/^<EMAIL:[0-9a-f]{16}>$/)
    expect(second.text).toBe(`again ${token}`)
    expect(first.text).not.toContain('ada')
    expect(first.mapping).not.toContain('ada')
    expect(restoreRedacted(`the model said ${token}`, first.mapping as string, key)).toBe(
      'the model said ada@example.com',
    )
    const other = redact('mail ada@example.com please', {
      mode: 'token',
      key: 'another-key-that-is-long-enough',
    })
    expect(other.text).not.toBe(first.text)
    expect(() =>
      restoreRedacted(first.text, first.mapping as string, 'another-key-that-is-long-enough'),
    ).toThrow(MimaError)
  })

  test('token mode without a key, or a short key, is refused', () => {
    expect(() => redact('ada@example.com', { mode: 'token' })).toThrow(/needs a key/)
    expect(() => redact('ada@example.com', { mode: 'token', key: 'short' })).toThrow(/16 bytes/)
  })
})
