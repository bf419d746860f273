import { describe, expect, it } from 'vitest'
import { approvalTokenTtlSeconds, DEFAULT_APPROVAL_TOKEN_TTL_SECONDS } from './approval-token-ttl'

describe('MIMA_APPROVAL_TOKEN_TTL_SECONDS', () => {
  it('defaults to 900 seconds when unset or empty', () => {
    expect(approvalTokenTtlSeconds({})).toBe(DEFAULT_APPROVAL_TOKEN_TTL_SECONDS)
    expect(approvalTokenTtlSeconds({ MIMA_APPROVAL_TOKEN_TTL_SECONDS: ' ' })).toBe(900)
  })

  it('takes a whole number of seconds from 1 to 86400', () => {
    expect(approvalTokenTtlSeconds({ MIMA_APPROVAL_TOKEN_TTL_SECONDS: '1' })).toBe(1)
    expect(approvalTokenTtlSeconds({ MIMA_APPROVAL_TOKEN_TTL_SECONDS: '3600' })).toBe(3600)
    expect(approvalTokenTtlSeconds({ MIMA_APPROVAL_TOKEN_TTL_SECONDS: '86400' })).toBe(86_400)
  })

  it('refuses anything else with a clear error naming the variable', () => {
    for (const bad of ['0', '-5', '1.5', '15m', 'abc', '86401', '1e3', '0x10']) {
      expect(() => approvalTokenTtlSeconds({ MIMA_APPROVAL_TOKEN_TTL_SECONDS: bad }), bad).toThrow(
        /MIMA_APPROVAL_TOKEN_TTL_SECONDS must be a whole number of seconds from 1 to 86400/,
      )
    }
  })
})
