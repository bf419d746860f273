import { MimaError } from '@mima/core'
import { describe, expect, test } from 'vitest'
import { BUILTIN_KINDS, type Detector, detect, detectAsync } from '../index'

const values = (text: string, options = {}) =>
  detect(text, options).map((finding) => [finding.kind, text.slice(finding.start, finding.end)])

describe('detect', () => {
  test('reports each finding with its kind and character offsets, sorted', () => {
    const text = 'mail ada@example.com, card 4111 1111 1111 1111'
    const findings = detect(text)
    expect(findings.map((finding) => finding.kind)).toEqual(['email', 'credit_card'])
    expect(text.slice(findings[0]?.start, findings[0]?.end)).toBe('ada@example.com')
    expect(findings[1]?.confidence).toBeGreaterThan(0.9)
  })

  test('rejects near-misses: Luhn-invalid card, bad IBAN checksum, sk- inside a word, version strings', () => {
    expect(values('card 4111 1111 1111 1112')).toEqual([])
    expect(values('iban DE89 3704 0044 0532 0130 01')).toEqual([])
    expect(values('the task-abcdefghijklmnopqrstuvwxyz12345 list')).toEqual([])
    expect(values('upgrade to v1.2.3.4 or version 10.0.0.1')).toEqual([])
  })

  test('finds secrets by their formats', () => {
    const kinds = detect(
      'sk-proj-abc123DEF456ghi789JKL012mno345 sk-ant-api03-abcDEF123456ghiJKL789mnoPQR AKIAIOSFODNN7EXAMPLE ghp_1234567890abcdefghijklmnopqrstuvwxyzAB',
    ).map((finding) => finding.kind)
    expect(kinds).toEqual(['openai_key', 'anthropic_key', 'aws_access_key', 'github_token'])
  })

  test('context words decide ambiguous values', () => {
    expect(values('reference 123456789')).toEqual([])
    expect(values('my SSN is 123456789')).toEqual([['us_ssn', '123456789']])
    expect(values('born 12/03/1990')).toEqual([['date_of_birth', '12/03/1990']])
  })

  test('context words count wherever they fall in the text', () => {
    // every shift moves the words and the value against the edges of what is tokenised
    for (let shift = 0; shift < 70; shift++) {
      const pad = 'x'.repeat(shift)
      expect(values(`${pad} my social security number: 123456789`)).toEqual([['us_ssn', '123456789']])
      expect(values(`${pad} date of birth 12/03/1990`)).toEqual([['date_of_birth', '12/03/1990']])
      expect(values(`${pad} reference 123456789 for the order`)).toEqual([])
    }
  })

  test('kinds and exclude filter what is reported', () => {
    const text = 'ada@example.com +44 20 7946 0958'
    expect(values(text, { kinds: ['phone'] })).toEqual([['phone', '+44 20 7946 0958']])
    expect(values(text, { exclude: ['phone'] })).toEqual([['email', 'ada@example.com']])
  })

  test('a custom detector plugs in, and its overlaps are resolved by confidence', async () => {
    const employee: Detector = {
      kinds: ['employee_id'],
      detect: (text) =>
        [...text.matchAll(/EMP-\d{6}/g)].map((match) => ({
          kind: 'employee_id',
          start: match.index,
          end: match.index + 10,
          confidence: 0.9,
        })),
    }
    expect(values('ask EMP-123456 now', { detectors: [employee] })).toEqual([['employee_id', 'EMP-123456']])
    const slow: Detector = {
      kinds: ['name'],
      detect: async (text) =>
        [{ kind: 'name', start: 0, end: 3, confidence: 0.8 }].filter(() => text.length > 3),
    }
    expect(() => detect('Ada here', { detectors: [slow] })).toThrow(MimaError)
    expect((await detectAsync('Ada here', { detectors: [slow] })).map((finding) => finding.kind)).toEqual([
      'name',
    ])
  })

  test('refuses a non-string and a custom finding outside the text', () => {
    expect(() => detect(42 as unknown as string)).toThrow(/takes a string/)
    const broken: Detector = { kinds: ['x'], detect: () => [{ kind: 'x', start: 0, end: 99, confidence: 1 }] }
    expect(() => detect('short', { detectors: [broken] })).toThrow(/invalid finding/)
  })

  test('documents every built-in kind name', () => {
    for (const kind of [
      'email',
      'phone',
      'credit_card',
      'iban',
      'us_ssn',
      'ip_address',
      'crypto_wallet',
      'url',
      'date_of_birth',
      'openai_key',
      'anthropic_key',
      'aws_access_key',
      'github_token',
      'slack_token',
      'stripe_key',
      'google_api_key',
      'jwt',
      'private_key',
    ]) {
      expect(BUILTIN_KINDS).toContain(kind)
    }
  })
})
