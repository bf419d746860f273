import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BACKENDS,
  type Receiver,
  startReceiver,
  startTestServer,
  type TestServer,
} from '../webhooks/webhook-fixture'

describe.each(BACKENDS)('budgets (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  let ingest: string
  let ws: string
  const scope = { system_name: 'support-bot', agent_name: 'triage' }

  beforeAll(async () => {
    server = await startTestServer(backend)
    receiver = await startReceiver()
    ingest = await server.createKey('ingest')
    ws = `/workspaces/${server.workspaceId}`
  })

  afterAll(async () => {
    await receiver?.close()
    await server?.close()
  })

  const lease = (body: Record<string, unknown>) => server.api(ingest, 'POST', `${ws}/budgets/leases`, body)
  const putBudget = (definition: Record<string, unknown>) =>
    server.api(server.adminKey, 'PUT', `${ws}/budgets`, definition)

  it('validates definitions and lets only admins set them', async () => {
    expect((await server.api(ingest, 'PUT', `${ws}/budgets`, { period: 'day', limit_usd: 1 })).status).toBe(
      403,
    )
    for (const bad of [
      { period: 'week', limit_usd: 1 },
      { period: 'day' },
      { period: 'day', limit_usd: -1 },
      { period: 'day', scope: 'agent', limit_usd: 1 },
      { period: 'day', limit_usd: 1, max_session_seconds: 10 },
      { period: 'day', limit_usd: 1, alert_thresholds: [0, 'x'] },
    ]) {
      const response = await putBudget(bad)
      expect(response.status, JSON.stringify(bad)).toBe(422)
    }
    expect((await lease({ scope: {}, unit_usd: 1 })).status).toBe(422)
    expect((await lease({ scope, unit_usd: -1 })).status).toBe(422)
  })

  it('grants without limit when no budget applies', async () => {
    const response = await lease({ scope: { system_name: 'unbudgeted' }, unit_usd: 0.5, units: 10 })
    expect(response.status).toBe(201)
    expect(response.json).toMatchObject({ unlimited: true, granted: 10, lease_id: null })
  })

  it('never reserves past the cap under concurrent leases, settles per model and alerts at thresholds', async () => {
    // Registered without an event list: threshold alerts are among the defaults.
    const hook = await server.api(server.adminKey, 'POST', `${ws}/governance/webhooks`, {
      url: receiver.url,
      secret: 'whsec_budget',
    })
    expect(hook.status).toBe(201)
    expect(hook.json.events).toContain('budget.threshold')
    const put = await putBudget({
      scope: 'system',
      scope_value: 'support-bot',
      period: 'day',
      limit_usd: 1,
      alert_thresholds: [0.5, 1],
    })
    expect(put.status).toBe(200)
    const budgetId = put.json.budget_id as string

    // 60 concurrent one-call leases of $0.03 against a $1 cap: at most 33 can be granted.
    const results = await Promise.all(
      Array.from({ length: 60 }, () => lease({ scope, unit_usd: 0.03, units: 1 })),
    )
    const granted = results.filter((result) => result.status === 201)
    const refused = results.filter((result) => result.status === 402)
    expect(granted.length + refused.length).toBe(60)
    expect(granted).toHaveLength(33)
    expect(refused[0]?.json.error.code).toBe('budget_exceeded')
    expect(refused[0]?.json.error.details.denied_by).toMatchObject({
      budget_id: budgetId,
      reason: 'limit_usd',
    })

    // Settle each granted call at $0.02 (less than projected): the rest returns to the budget.
    const settlements = granted.map((result, index) => ({
      lease_id: result.json.lease_id,
      scope,
      model: index % 3 === 0 ? 'gpt-4o' : 'claude-haiku-4-5',
      cost_usd: 0.02,
      tokens: 100,
    }))
    const settled = await server.api(ingest, 'POST', `${ws}/budgets/settle`, {
      settlements,
      release_lease_ids: granted.map((result) => result.json.lease_id),
    })
    expect(settled.status).toBe(200)
    expect(settled.json.thresholds.map((crossing: { threshold: number }) => crossing.threshold)).toEqual([
      0.5,
    ])

    const snapshot = await server.api(
      server.adminKey,
      'GET',
      `${ws}/budgets/snapshot?system_name=support-bot&agent_name=triage`,
    )
    expect(snapshot.status).toBe(200)
    const [state] = snapshot.json.budgets
    expect(state).toMatchObject({ budget_id: budgetId, calls: 33, reserved_usd: 0, spent_tokens: 3300 })
    expect(state.spent_usd).toBeCloseTo(0.66, 9)
    expect(state.remaining_usd).toBeCloseTo(0.34, 9)
    expect(state.models.map((model: { model: string; calls: number }) => [model.model, model.calls])).toEqual(
      [
        ['claude-haiku-4-5', 22],
        ['gpt-4o', 11],
      ],
    )

    // A lease for more than is left is cut down to what fits (at most a quarter of it).
    const partial = await lease({ scope, unit_usd: 0.01, units: 1000 })
    expect(partial.status).toBe(201)
    expect(partial.json.granted).toBe(9) // ceil(34 / 4)
    // A small lease far from the cap is granted in full (a quarter of what is left, not of the request).
    const small = await lease({ scope, unit_usd: 0.0001, units: 5 })
    expect(small.json.granted).toBe(5)
    await server.api(ingest, 'POST', `${ws}/budgets/settle`, { release_lease_ids: [small.json.lease_id] })
    // Usage tracked without a lease still counts, and crossing 100% raises the alert.
    const tracked = await server.api(ingest, 'POST', `${ws}/budgets/settle`, {
      settlements: [{ scope, model: 'gpt-4o', cost_usd: 0.5, tokens: 10 }],
    })
    expect(tracked.json.thresholds.map((crossing: { threshold: number }) => crossing.threshold)).toEqual([1])
    expect((await lease({ scope, unit_usd: 0.01 })).status).toBe(402)

    const deliveries = await receiver.waitFor(2)
    const events = deliveries.map((delivery) => JSON.parse(delivery.body))
    expect(events.map((event) => event.data?.threshold ?? event.threshold)).toEqual([0.5, 1])
    expect(deliveries[0]?.headers['x-mima-event']).toBe('budget.threshold')
  })

  it('caps tokens and session time, and frees a released lease', async () => {
    await putBudget({
      scope: 'agent',
      scope_value: 'tokens-agent',
      period: 'month',
      limit_tokens: 1000,
    })
    const tokenScope = { system_name: 'other', agent_name: 'tokens-agent' }
    const first = await lease({ scope: tokenScope, unit_tokens: 400, units: 1 })
    expect(first.json.granted).toBe(1)
    const second = await lease({ scope: tokenScope, unit_tokens: 400, units: 1 })
    expect(second.json.granted).toBe(1)
    const third = await lease({ scope: tokenScope, unit_tokens: 400, units: 1 })
    expect(third.status).toBe(402)
    expect(third.json.error.details.denied_by.reason).toBe('limit_tokens')
    await server.api(ingest, 'POST', `${ws}/budgets/settle`, { release_lease_ids: [second.json.lease_id] })
    expect((await lease({ scope: tokenScope, unit_tokens: 400, units: 1 })).status).toBe(201)

    await putBudget({
      scope: 'system',
      scope_value: 'timed',
      period: 'session',
      max_session_seconds: 0,
    })
    const timed = await lease({ scope: { system_name: 'timed', session_id: 'sess-1' }, unit_usd: 0.01 })
    expect(timed.status).toBe(402)
    expect(timed.json.error.details.denied_by.reason).toBe('session_time')
    // Without a session, session budgets do not apply.
    expect((await lease({ scope: { system_name: 'timed' }, unit_usd: 0.01 })).json.unlimited).toBe(true)
  })

  it('returns part of a lease, settles and releases with the next lease, and frees expired leases', async () => {
    await putBudget({
      scope: 'agent',
      scope_value: 'returns-agent',
      period: 'day',
      limit_usd: 1,
    })
    const agentScope = { system_name: 'other', agent_name: 'returns-agent' }
    const state = async () =>
      (
        await server.api(
          server.adminKey,
          'GET',
          `${ws}/budgets/snapshot?system_name=other&agent_name=returns-agent`,
        )
      ).json.budgets[0]
    const first = await lease({ scope: agentScope, unit_usd: 0.1, units: 2 })
    expect(first.json.granted).toBe(2)
    // Part of the lease goes back; the rest stays reserved.
    const returned = await server.api(ingest, 'POST', `${ws}/budgets/settle`, {
      return_leases: [{ lease_id: first.json.lease_id, usd: 0.05, tokens: 0 }],
    })
    expect(returned.status).toBe(200)
    expect((await state()).reserved_usd).toBeCloseTo(0.15, 9)
    // A lease that expires at once holds its reservation until the next sweep.
    const expiring = await lease({ scope: agentScope, unit_usd: 0.1, units: 1, ttl_seconds: 0 })
    expect(expiring.json.granted).toBe(1)
    expect((await state()).reserved_usd).toBeCloseTo(0.25, 9)
    // Sweeps run at most once a second: the next lease after that returns the expired one, and
    // carries the first lease's settlement and release.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const next = await lease({
      scope: agentScope,
      unit_usd: 0.1,
      units: 1,
      settlements: [{ lease_id: first.json.lease_id, scope: agentScope, model: 'gpt-4o', cost_usd: 0.15 }],
      release_lease_id: first.json.lease_id,
    })
    expect(next.status).toBe(201)
    const after = await state()
    expect(after).toMatchObject({ calls: 1 })
    expect(after.spent_usd).toBeCloseTo(0.15, 9)
    expect(after.reserved_usd).toBeCloseTo(0.1, 9)
    expect(after.models).toEqual([{ model: 'gpt-4o', cost_usd: 0.15, tokens: 0, calls: 1 }])
  })

  it('leaves nothing reserved once a lease is spent, whatever the floating-point sum of its parts', async () => {
    await putBudget({
      scope: 'agent',
      scope_value: 'dust-agent',
      period: 'month',
      limit_usd: 100,
    })
    const dustScope = { system_name: 'other', agent_name: 'dust-agent' }
    // 0.1 * 3 is 0.30000000000000004 in JavaScript; three settlements of 0.1 sum to 0.3.
    const held = await lease({ scope: dustScope, unit_usd: 0.1, units: 3 })
    expect(held.status).toBe(201)
    expect(held.json.granted).toBe(3)
    const settled = await server.api(ingest, 'POST', `${ws}/budgets/settle`, {
      settlements: [1, 2, 3].map(() => ({
        lease_id: held.json.lease_id,
        scope: dustScope,
        model: 'gpt-4o',
        cost_usd: 0.1,
      })),
    })
    expect(settled.status).toBe(200)
    const snapshot = await server.api(
      ingest,
      'GET',
      `${ws}/budgets/snapshot?system_name=other&agent_name=dust-agent`,
    )
    const [state] = snapshot.json.budgets as { spent_usd: number; reserved_usd: number }[]
    expect(state?.reserved_usd).toBe(0)
    expect(state?.spent_usd).toBe(0.3)
  })

  it('lists and deletes budgets', async () => {
    const list = await server.api(ingest, 'GET', `${ws}/budgets`)
    expect(list.json.budgets.length).toBeGreaterThanOrEqual(3)
    const id = list.json.budgets[0].budget_id
    expect((await server.api(server.adminKey, 'DELETE', `${ws}/budgets/${id}`)).status).toBe(204)
    expect((await server.api(server.adminKey, 'DELETE', `${ws}/budgets/${id}`)).status).toBe(404)
  })
})
