import { runAttested } from '@mima/core'
import { describe, expect, it, vi } from 'vitest'
import { createScopeRegistry } from '../scope/scope-registry'
import type { BudgetChecker } from './budget-checker'
import { ContractViolationError, createContracts } from './contracts'

function token(claims: Record<string, unknown>): string {
  const body = Buffer.from(
    JSON.stringify({ v: 1, aid: 'ap1', ws: 'ws', ctx: 'c', by: 'bob', iat: 1, kid: 'k', ...claims }),
  )
  return `mat1.${body.toString('base64url')}.c2ln`
}

describe('contracts', () => {
  it('fails closed on an unknown check name: the function never runs', async () => {
    const contracts = createContracts()
    contracts.register({ agent: 'a', tool: 't', pre: [{ check: 'typo_check' }] })
    const fn = vi.fn(() => 'ran')
    const failure = contracts.enforce({ agent: 'a', tool: 't' }, fn)
    await expect(failure).rejects.toBeInstanceOf(ContractViolationError)
    await expect(failure).rejects.toMatchObject({
      code: 'contract_violated',
      phase: 'pre',
      check: 'typo_check',
    })
    await expect(failure).rejects.toThrow(/unknown check 'typo_check' \(failing closed\)/)
    expect(fn).not.toHaveBeenCalled()
  })

  it('fails closed when the scope registry or budget checker is missing, or a check throws', async () => {
    const contracts = createContracts({
      checks: {
        flaky: () => {
          throw new Error('db down')
        },
      },
    })
    contracts.register({ agent: 'a', tool: 'scope', pre: [{ check: 'scope_allowed' }] })
    contracts.register({ agent: 'a', tool: 'budget', pre: [{ check: 'budget_available' }] })
    contracts.register({ agent: 'a', tool: 'flaky', pre: [{ check: 'flaky' }] })
    await expect(contracts.checkPre({ agent: 'a', tool: 'scope' })).rejects.toThrow(/no scope registry/)
    await expect(contracts.checkPre({ agent: 'a', tool: 'budget' })).rejects.toThrow(/no budget checker/)
    await expect(contracts.checkPre({ agent: 'a', tool: 'flaky' })).rejects.toThrow(
      /the check threw: db down/,
    )
  })

  it('runs the built-ins: scope, budget (through BudgetChecker), attested, approval obtained', async () => {
    const scopes = createScopeRegistry()
    scopes.registerAgent({ agent: 'billing', allowedTools: ['charge'] })
    const budget: BudgetChecker = {
      checkBudget: vi.fn(({ params }) => ({
        allowed: Number(params.estimated_usd) < 1,
        reason: 'daily cap',
      })),
    }
    const contracts = createContracts({ scopes, budget, now: () => 1000 })
    contracts.register({
      agent: 'billing',
      tool: 'charge',
      pre: [
        { check: 'scope_allowed' },
        { check: 'budget_available', params: { estimated_usd: 0.5 } },
        { check: 'approval_obtained', message: 'a person must approve charges' },
        { check: 'attested' },
      ],
      post: [{ check: 'has_receipt' }],
    })
    contracts.registerCheck('has_receipt', ({ result }) => ({
      ok: typeof result === 'string',
      reason: 'no receipt',
    }))
    const call = { agent: 'billing', tool: 'charge', sessionId: 's1' }
    await expect(contracts.checkPre(call)).rejects.toThrow(
      /a person must approve charges \(no approval token was given\)/,
    )
    const wrongTool = { ...call, approvalToken: token({ act: 'refund', exp: 2000 }) }
    await expect(contracts.checkPre(wrongTool)).rejects.toThrow(/the approval is for 'refund'/)
    const expired = { ...call, approvalToken: token({ act: 'charge', exp: 999 }) }
    await expect(contracts.checkPre(expired)).rejects.toThrow(/expired/)
    const approved = { ...call, approvalToken: token({ act: 'charge', exp: 2000 }) }
    await expect(contracts.checkPre(approved)).rejects.toThrow(/does not run inside mima.attest/)
    const context = { systemName: 's', toolName: 'charge' }
    const receipt = await runAttested(context, () => contracts.enforce(approved, () => 'receipt-1'))
    expect(receipt).toBe('receipt-1')
    expect(budget.checkBudget).toHaveBeenCalledWith({
      agent: 'billing',
      tool: 'charge',
      sessionId: 's1',
      params: { estimated_usd: 0.5 },
    })
    const post = runAttested(context, () => contracts.enforce(approved, () => 42))
    await expect(post).rejects.toMatchObject({ phase: 'post', check: 'has_receipt' })
  })

  it('refuses replacing a built-in check, and freezes registered contracts', () => {
    const contracts = createContracts()
    expect(() => contracts.registerCheck('approval_obtained', () => true)).toThrow(/built-in/)
    const pre = [{ check: 'attested' }]
    contracts.register({ agent: 'a', tool: 't', pre })
    pre.pop()
    return expect(contracts.checkPre({ agent: 'a', tool: 't' })).rejects.toThrow(/attested/)
  })
})
