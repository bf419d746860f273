import { describe, expect, it } from 'vitest'
import { parsePolicy } from '../policy/parse-policy'
import { restoreRedacted } from '../redaction/redact'
import { createPolicyEngine } from './create-policy-engine'
import type { DetectFunction } from './precheck-types'

const CARD = '4111 1111 1111 1111'
const KEY = `sk-proj-${'A1b2C3d4'.repeat(4)}`

const policy = parsePolicy(`
version: 3
name: support-bot
defaults:
  ingress: { action: redact }
  egress: { action: pass_through }
tool_access:
  payments.refund: { direction: ingress, action: confirm, reason: Refunds need a person }
  weather.current:
    direction: both
    action: redact
    allow_pii: { "PII:email_address": pass_through, "PII:credit_card": deny }
  crm.lookup: { action: tokenize }
deny_tools: [shell.exec, "python.*"]
`)

describe('local precheck', () => {
  const engine = createPolicyEngine({ policy, tokenKey: 'test-token-key-0123456789' })

  it('allows a text with nothing to redact, naming the rule that decided', async () => {
    const result = await engine.precheck({ tool: 'model.chat', text: 'What is the capital of France?' })
    expect(result).toMatchObject({ decision: 'allow', reasons: [], redacted: undefined })
    expect(result.metadata).toMatchObject({
      policyId: 'support-bot',
      policyVersion: '3',
      ruleId: 'defaults.ingress',
    })
  })

  it('redacts e-mail addresses and keys with numbered placeholders', async () => {
    const text = `Mail ana@example.com and ana@example.com, key ${KEY}, cc bob@example.org`
    const result = await engine.precheck({ tool: 'model.chat', text })
    expect(result.decision).toBe('redact')
    expect(result.redacted).toBe('Mail <EMAIL_1> and <EMAIL_1>, key <OPENAI_KEY_1>, cc <EMAIL_2>')
    expect(result.reasons).toEqual(['pii.redacted:email', 'pii.redacted:openai_key'])
    expect(result.metadata.detectorKinds).toEqual(['email', 'openai_key'])
    expect(result.metadata.findings).toBe(4)
  })

  it('denies tools on the deny list, exactly and by prefix, without looking at the text', async () => {
    expect((await engine.precheck({ tool: 'shell.exec', text: 'ls' })).decision).toBe('deny')
    const python = await engine.precheck({ tool: 'python.eval' })
    expect(python).toMatchObject({ decision: 'deny', reasons: ['tool.denied:python.eval'] })
    expect(python.metadata.ruleId).toBe('deny_tools')
  })

  it('applies a tool rule by dotted suffix and its per-kind table', async () => {
    const keep = await engine.precheck({ tool: 'mcp.weather.current', text: 'for ana@example.com' })
    expect(keep).toMatchObject({ decision: 'allow', redacted: undefined })
    expect(keep.metadata).toMatchObject({ ruleId: 'tool_access.weather.current', detectorKinds: ['email'] })
    const card = await engine.precheck({ tool: 'weather.current', text: `card ${CARD}` })
    expect(card).toMatchObject({
      decision: 'deny',
      reasons: ['pii.blocked:credit_card'],
      redacted: undefined,
    })
  })

  it('asks for confirmation on a confirm rule (and still redacts the text)', async () => {
    const result = await engine.precheck({ tool: 'payments.refund', text: 'refund ana@example.com' })
    expect(result).toMatchObject({ decision: 'confirm', redacted: 'refund <EMAIL_1>' })
    expect(result.reasons).toEqual(['tool.confirm:payments.refund', 'pii.redacted:email'])
    // No approvals configured: the caller gets the decision without a confirmation handle.
    expect(result.confirmation).toBeUndefined()
  })

  it('tokenizes deterministically for the same value and key; only the key holder can restore', async () => {
    const first = await engine.precheck({ tool: 'crm.lookup', text: 'ana@example.com' })
    const second = await engine.precheck({ tool: 'crm.lookup', text: 'see ana@example.com' })
    expect(first.decision).toBe('redact')
    expect(first.redacted).toMatch(/^<EMAIL:[0-9a-f]{16}>$/)
    expect(second.redacted).toBe(`see ${first.redacted}`)
    expect(first.mapping).toMatch(/^v1\./)
    const restored = restoreRedacted(
      second.redacted as string,
      second.mapping as string,
      'test-token-key-0123456789',
    )
    expect(restored).toBe('see ana@example.com')
    expect(() =>
      restoreRedacted(second.redacted as string, second.mapping as string, 'another-key-0123456789'),
    ).toThrow()
    const other = createPolicyEngine({ policy, tokenKey: 'another-key-0123456789' })
    const elsewhere = await other.precheck({ tool: 'crm.lookup', text: 'ana@example.com' })
    expect(elsewhere.redacted).not.toBe(first.redacted)
    expect(() => createPolicyEngine({ tokenKey: 'short' })).toThrow(/16 bytes/)
  })

  it('postcheck uses the egress rules', async () => {
    const result = await engine.postcheck({ tool: 'model.chat', text: 'reply to ana@example.com' })
    expect(result).toMatchObject({ decision: 'allow', redacted: undefined })
    expect(result.metadata).toMatchObject({ direction: 'egress', ruleId: 'defaults.egress' })
  })

  it('network scopes upgrade pass_through to redact', async () => {
    const result = await engine.postcheck({
      tool: 'model.chat',
      scope: 'net.external',
      text: 'ana@example.com',
    })
    expect(result).toMatchObject({ decision: 'redact', redacted: '<EMAIL_1>' })
    expect(result.metadata.ruleId).toBe('network.egress')
  })

  it('checks tool-call arguments and chat messages, returning redacted copies', async () => {
    const args = { to: 'ana@example.com', nested: [{ note: `key ${KEY}` }], count: 2 }
    const call = await engine.checkToolCall({ tool: 'mail.send', args })
    expect(call.decision).toBe('redact')
    expect(call.redactedPayload).toEqual({
      to: '<EMAIL_1>',
      nested: [{ note: 'key <OPENAI_KEY_1>' }],
      count: 2,
    })
    expect(args.to).toBe('ana@example.com')
    const chat = await engine.checkChatMessage({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'I am ana@example.com' }] },
      ],
    })
    expect(chat.metadata.ruleId).toBe('defaults.ingress')
    expect(chat.redactedPayload).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'I am <EMAIL_1>' }] },
    ])
  })

  it('evaluate is the synchronous decision, equal to precheck without side effects', async () => {
    const input = { tool: 'model.chat', text: 'ana@example.com' }
    expect(engine.evaluate(input)).toEqual(await engine.precheck(input))
  })
})

describe('detector failures follow on_error', () => {
  const failing: DetectFunction = () => {
    throw new TypeError('model offline')
  }
  it('block (the default) denies', async () => {
    const engine = createPolicyEngine({ detect: failing })
    const result = await engine.precheck({ text: 'ana@example.com' })
    expect(result).toMatchObject({
      decision: 'deny',
      reasons: ['precheck.error', 'detector.error:TypeError'],
    })
    expect(result.metadata.ruleId).toBe('on_error')
  })
  it('pass allows, saying so', async () => {
    const engine = createPolicyEngine({ detect: failing, policy: { on_error: 'pass' } })
    expect(await engine.precheck({ text: 'x' })).toMatchObject({
      decision: 'allow',
      reasons: ['precheck.bypass', 'detector.error:TypeError'],
    })
  })
  it('best_effort falls back to the built-in detector', async () => {
    const engine = createPolicyEngine({ detect: failing, policy: { on_error: 'best_effort' } })
    const result = await engine.precheck({ text: 'mail ana@example.com' })
    expect(result).toMatchObject({ decision: 'redact', redacted: 'mail <EMAIL_1>' })
    expect(result.reasons).toContain('precheck.best_effort')
  })
})

describe('setPolicy', () => {
  it('refuses a bad policy and keeps the old one in force', async () => {
    const engine = createPolicyEngine({ policy: { name: 'old', deny_tools: ['a.b'] } })
    expect(() => engine.setPolicy({ name: 'new', deny_tools: 'a.b' } as never)).toThrow(
      /deny_tools: must be a list/,
    )
    expect(engine.policy.id).toBe('old')
    expect((await engine.precheck({ tool: 'a.b' })).decision).toBe('deny')
  })
})
