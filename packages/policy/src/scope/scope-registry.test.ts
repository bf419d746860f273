import { describe, expect, it } from 'vitest'
import { scopeViolationRecord } from '../evidence/decision-record'
import { createPolicyEngine } from '../precheck/create-policy-engine'
import { createScopeRegistry, type ScopeDecision, ScopeViolationError } from './scope-registry'

function billing() {
  const violations: ScopeDecision[] = []
  const scopes = createScopeRegistry({ onViolation: (decision) => violations.push(decision) })
  scopes.registerAgent({
    agent: 'billing-agent',
    allowedTools: ['read_invoice', 'send_email', 'crm.*'],
    allowedApis: ['GET https://api.stripe.com/v1/*', 'https://*.example.com/hooks/*'],
    hiddenTools: ['crm.delete'],
  })
  return { scopes, violations }
}

describe('scope registry', () => {
  it('is default-deny: an unregistered agent and an unlisted tool are refused, and recorded', () => {
    const { scopes, violations } = billing()
    expect(scopes.check({ agent: 'billing-agent', tool: 'read_invoice' }).allowed).toBe(true)
    expect(scopes.decide({ agent: 'billing-agent', tool: 'crm.lookup' }).allowed).toBe(true)
    expect(() => scopes.check({ agent: 'billing-agent', tool: 'delete_user' })).toThrow(ScopeViolationError)
    expect(() => scopes.check({ agent: 'other-agent', tool: 'read_invoice' })).toThrow(
      /scope.unregistered_agent:other-agent/,
    )
    expect(violations.map((violation) => violation.reason)).toEqual([
      'scope.tool_not_allowed:delete_user',
      'scope.unregistered_agent:other-agent',
    ])
    try {
      scopes.check({ agent: 'billing-agent', tool: 'crm.delete' })
    } catch (error) {
      expect(error).toMatchObject({
        code: 'scope_denied',
        decision: { reason: 'scope.tool_hidden:crm.delete' },
      })
    }
  })

  it('matches APIs by method and URL pattern, and refuses look-alike hosts and user info', () => {
    const { scopes } = billing()
    const api = (value: string) => scopes.decide({ agent: 'billing-agent', api: value })
    expect(api('GET https://api.stripe.com/v1/charges?limit=3').allowed).toBe(true)
    expect(api('get https://API.stripe.com/v1/x/../charges').allowed).toBe(true)
    expect(api('POST https://api.stripe.com/v1/charges').reason).toBe(
      'scope.api_not_allowed:POST https://api.stripe.com/v1/charges',
    )
    expect(api('https://api.stripe.com/v1/charges').allowed).toBe(false)
    expect(api('GET https://api.stripe.com.evil.example/v1/charges').allowed).toBe(false)
    expect(api('GET https://api.stripe.com@evil.example/v1/charges').reason).toMatch(/^scope.bad_api/)
    expect(api('POST https://hooks.example.com/hooks/1').allowed).toBe(true)
    expect(api('POST https://evil.test/?x=.example.com/hooks/1').allowed).toBe(false)
    expect(api('not a url').allowed).toBe(false)
  })

  it('filterTools removes hidden and disallowed tools in every SDK shape; nothing for an unknown agent', () => {
    const { scopes } = billing()
    const openai = [
      { type: 'function', function: { name: 'read_invoice' } },
      { type: 'function', function: { name: 'crm.delete' } },
      { type: 'function', function: { name: 'drop_tables' } },
    ]
    expect(scopes.filterTools('billing-agent', openai)).toEqual([openai[0]])
    expect(scopes.filterTools('billing-agent', [{ name: 'crm.note' }, { name: 'shell' }])).toEqual([
      { name: 'crm.note' },
    ])
    expect(scopes.filterTools('billing-agent', ['send_email', 'rm'])).toEqual(['send_email'])
    expect(scopes.filterTools('stranger', ['send_email'])).toEqual([])
  })

  it('turns a violation into a decision record for the server', () => {
    const { scopes, violations } = billing()
    expect(() => scopes.check({ agent: 'billing-agent', tool: 'drop_tables' })).toThrow()
    const record = scopeViolationRecord(violations[0] as ScopeDecision)
    expect(record).toMatchObject({
      decision: 'deny',
      rule_id: 'scope',
      agent: 'billing-agent',
      tool: 'drop_tables',
      reasons: ['scope.tool_not_allowed:drop_tables'],
    })
  })

  it('refuses malformed registrations', () => {
    const scopes = createScopeRegistry()
    expect(() => scopes.registerAgent({ agent: '', allowedTools: [] })).toThrow(/agent must be/)
    expect(() =>
      scopes.registerAgent({ agent: 'a', allowedTools: ['x'], allowedApis: ['api.stripe.com/*'] }),
    ).toThrow(/scheme/)
  })

  it('keeps a tool registry with risk levels and requires_approval', () => {
    const scopes = createScopeRegistry()
    scopes.registerTools([
      { name: 'payments.refund', riskLevel: 'high', requiresApproval: true },
      { name: 'weather.current', riskLevel: 'low' },
    ])
    expect(scopes.listTools({ requiresApproval: true }).map((tool) => tool.name)).toEqual(['payments.refund'])
    expect(scopes.listTools({ riskLevel: 'low' }).map((tool) => tool.name)).toEqual(['weather.current'])
    expect(scopes.tool('payments.refund')?.riskLevel).toBe('high')
  })

  it('plugs into precheck: out-of-scope calls are denied, tools needing approval are confirmed', async () => {
    const { scopes } = billing()
    scopes.registerTools([{ name: 'send_email', requiresApproval: true }])
    const engine = createPolicyEngine({ scopes })
    const denied = await engine.checkToolCall({ agent: 'billing-agent', tool: 'delete_user', args: {} })
    expect(denied).toMatchObject({ decision: 'deny', reasons: ['scope.tool_not_allowed:delete_user'] })
    expect(denied.metadata.ruleId).toBe('scope')
    const confirm = await engine.checkToolCall({
      agent: 'billing-agent',
      tool: 'send_email',
      args: { to: 'a@b.co' },
    })
    expect(confirm.decision).toBe('confirm')
    expect(confirm.reasons).toEqual(['pii.redacted:email', 'tool.requires_approval:send_email'])
    expect((await engine.checkToolCall({ agent: 'billing-agent', tool: 'read_invoice' })).decision).toBe(
      'allow',
    )
  })
})
