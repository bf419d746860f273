import { MimaError } from '@mima/core'
import {
  AgentKilledError,
  BudgetExceededError,
  createBudgetChecker,
  createBudgetClient,
  createContracts,
  createPolicyEngine,
  createRuntimeConnection,
  createRuntimeControls,
  createScopeRegistry,
  type DecisionRecord,
  type RuntimeControls,
} from '@mima/policy'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BACKENDS: readonly ('pglite' | 'postgres')[] =
  testDatabaseUrl() === undefined ? ['pglite'] : ['pglite', 'postgres']

/** Resolves when `check` passes (checked on every event-loop turn, up to `limitMs`). */
async function eventually(check: () => void, limitMs = 10_000): Promise<void> {
  const started = Date.now()
  for (;;) {
    try {
      check()
      return
    } catch (error) {
      if (Date.now() - started > limitMs) throw error
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

describe.each(BACKENDS)('runtime controls against a real server (%s)', (backend) => {
  let server: TestServer
  let ingest: string
  let ws: string
  const opened: RuntimeControls[] = []

  const api = async (method: string, path: string, body?: unknown, key = server.adminKey) => {
    const response = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) }
  }

  const controls = (options: Partial<Parameters<typeof createRuntimeControls>[0]> = {}): RuntimeControls => {
    const created = createRuntimeControls({
      baseUrl: server.baseUrl,
      apiKey: ingest,
      workspaceId: server.workspaceId,
      systemName: 'support-bot',
      agentName: 'triage',
      presence: { intervalMs: 0 },
      onError: () => {},
      ...options,
    })
    opened.push(created)
    return created
  }

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    ingest = await server.createKey('ingest')
    ws = server.workspaceId
  }, 180_000)

  afterAll(async () => {
    await Promise.all(opened.map((item) => item.close().catch(() => undefined)))
    await server?.close()
  })

  it('checks and tracks spend against a shared cap, with a snapshot per model', async () => {
    expect(ws).toBeTruthy()
    const put = await api('PUT', 'budgets', {
      scope: 'agent',
      scope_value: 'triage',
      period: 'day',
      limit_usd: 0.1,
    })
    expect(put.status).toBe(200)
    const agent = controls()
    await agent.ready()
    let allowed = 0
    let refused: unknown
    for (let index = 0; index < 20; index++) {
      try {
        const ticket = await agent.checkOrRaise({ model: 'gpt-4o', projectedUsd: 0.01, projectedTokens: 100 })
        allowed += 1
        agent.trackUsage(ticket, {
          model: index % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
          costUsd: 0.01,
          tokens: 80,
        })
      } catch (error) {
        refused = error
        break
      }
    }
    expect(allowed).toBe(10)
    expect(refused).toBeInstanceOf(BudgetExceededError)
    expect(MimaError.isInstance(refused) && refused.code).toBe('budget_exceeded')
    await agent.budgets.flush()
    const [state] = await agent.snapshot()
    expect(state).toMatchObject({ calls: 10, spent_tokens: 800 })
    expect(state?.spent_usd).toBeCloseTo(0.1, 9)
    expect(state?.models?.map((model) => [model.model, model.calls])).toEqual([
      ['gpt-4o', 5],
      ['gpt-4o-mini', 5],
    ])
  })

  it('gives back what a call did not use, and settles batches in the background', async () => {
    await api('PUT', 'budgets', { scope: 'agent', scope_value: 'frugal', period: 'day', limit_usd: 0.05 })
    const agent = controls({ agentName: 'frugal' })
    await agent.ready()
    // Each call projects $0.01 but costs $0.001: what it does not use goes back, so 41 calls fit
    // in $0.05 (the 42nd would need $0.01 with $0.009 left), where holding projections would allow 5.
    let allowed = 0
    for (let index = 0; index < 60; index++) {
      const ticket = await agent
        .checkOrRaise({ model: 'gpt-4o-mini', projectedUsd: 0.01 })
        .catch(() => undefined)
      if (ticket === undefined) break
      allowed += 1
      agent.trackUsage(ticket, { model: 'gpt-4o-mini', costUsd: 0.001 })
    }
    expect(allowed).toBe(41)
    await agent.close()
    const snapshot = await api('GET', 'budgets/snapshot?system_name=support-bot&agent_name=frugal')
    expect(snapshot.json.budgets[0]).toMatchObject({ calls: 41, reserved_usd: 0 })
    expect(snapshot.json.budgets[0].spent_usd).toBeCloseTo(0.041, 9)
  })

  it('answers an exhausted budget locally until the budget changes, and asks while budget is held elsewhere', async () => {
    await api('PUT', 'budgets', { scope: 'agent', scope_value: 'spent', period: 'day', limit_usd: 0.025 })
    const leaseRequests: string[] = []
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/budgets/leases')) leaseRequests.push(String(input))
      return fetch(input, init)
    }
    // Another process holds the rest of the budget: a refusal then is not kept (that can come back).
    const other = controls({ agentName: 'spent', presence: false })
    await other.ready()
    const held = await other.checkOrRaise({ projectedUsd: 0.02 })
    const agent = controls({
      agentName: 'spent',
      presence: false,
      fetch: counting,
      budgets: { deniedCacheMs: 600_000 },
    })
    await agent.ready()
    await expect(agent.checkOrRaise({ projectedUsd: 0.01 })).rejects.toThrow(BudgetExceededError)
    await expect(agent.checkOrRaise({ projectedUsd: 0.01 })).rejects.toThrow(BudgetExceededError)
    expect(leaseRequests).toHaveLength(2)
    other.budgets.release(held)
    await other.close()
    const ticket = await agent.checkOrRaise({ projectedUsd: 0.01 })
    agent.trackUsage(ticket, { model: 'gpt-4o-mini', costUsd: 0.01 })
    const second = await agent.checkOrRaise({ projectedUsd: 0.01 })
    agent.trackUsage(second, { model: 'gpt-4o-mini', costUsd: 0.01 })
    await agent.budgets.flush()
    // Spent to $0.02 of $0.025 with nothing reserved: the refusal holds until the budget changes.
    leaseRequests.length = 0
    const refused = await agent.checkOrRaise({ projectedUsd: 0.01 }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(BudgetExceededError)
    expect(leaseRequests).toHaveLength(1)
    for (let index = 0; index < 20; index++)
      await expect(agent.checkOrRaise({ projectedUsd: 0.01 })).rejects.toThrow((refused as Error).message)
    expect(leaseRequests).toHaveLength(1)
    // A call that fits in what is left still asks the server.
    const small = await agent.checkOrRaise({ projectedUsd: 0.004 })
    agent.trackUsage(small, { model: 'gpt-4o-mini', costUsd: 0.004 })
    expect(leaseRequests).toHaveLength(2)
    // Raising the cap is pushed to the agent (budget.updated): a check is granted again.
    await api('PUT', 'budgets', { scope: 'agent', scope_value: 'spent', period: 'day', limit_usd: 1 })
    let granted: unknown
    for (let attempt = 0; attempt < 500 && granted === undefined; attempt++) {
      granted = await agent.checkOrRaise({ projectedUsd: 0.01 }).catch(() => undefined)
      if (granted === undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(granted).toMatchObject({ projectedUsd: 0.01 })
    const [state] = await agent.snapshot()
    expect(state?.spent_usd).toBeCloseTo(0.024, 9)
  })

  it('refuses a killed agent at once and again after a restart, until it is revived', async () => {
    const agent = controls({ agentName: 'researcher', budgets: { leaseCalls: 5 } })
    await agent.ready()
    expect(() => agent.assertAlive()).not.toThrow()
    expect((await api('POST', 'agents/researcher/kill', { reason: 'runaway' })).status).toBe(200)
    await eventually(() => expect(() => agent.assertAlive()).toThrow(AgentKilledError))
    await expect(agent.checkOrRaise({ projectedUsd: 0 })).rejects.toThrow(/kill switch: runaway/)
    // Another agent of the workspace is not affected.
    expect(() => agent.assertAlive('triage')).not.toThrow()

    const restarted = controls({ agentName: 'researcher' })
    await restarted.ready()
    expect(() => restarted.assertAlive()).toThrow(AgentKilledError)
    expect((await api('POST', 'agents/researcher/revive')).status).toBe(200)
    await eventually(() => expect(() => restarted.assertAlive()).not.toThrow())
  })

  it('every policy check refuses a killed agent, and records the refusal', async () => {
    const agent = controls({ agentName: 'policed' })
    await agent.ready()
    const records: DecisionRecord[] = []
    const engine = createPolicyEngine({
      killSwitch: agent,
      evidence: { commitmentKey: 'k'.repeat(32), sink: (record) => void records.push(record) },
    })
    const scopes = createScopeRegistry({ killSwitch: agent })
    scopes.registerAgent({ agent: 'policed', allowedTools: ['search'] })
    const contracts = createContracts({ budget: createBudgetChecker(agent) })
    contracts.register({ agent: 'policed', tool: 'search', pre: [] })
    const text = 'mail me at ada@example.com'
    expect((await engine.precheck({ agent: 'policed', text })).decision).toBe('redact')
    expect(scopes.check({ agent: 'policed', tool: 'search' }).allowed).toBe(true)
    await expect(contracts.enforce({ agent: 'policed', tool: 'search' }, () => 'ran')).resolves.toBe('ran')

    expect((await api('POST', 'agents/policed/kill', { reason: 'leaking' })).status).toBe(200)
    await eventually(() =>
      expect(() => engine.evaluate({ agent: 'policed', text })).toThrow(AgentKilledError),
    )
    await expect(engine.precheck({ agent: 'policed', text })).rejects.toThrow(AgentKilledError)
    await expect(engine.postcheck({ text })).rejects.toThrow(/kill switch: leaking/)
    await expect(engine.checkChatMessage({ messages: [{ role: 'user', content: text }] })).rejects.toThrow(
      AgentKilledError,
    )
    await expect(engine.checkToolCall({ agent: 'policed', tool: 'search', args: {} })).rejects.toThrow(
      AgentKilledError,
    )
    const chunks = (async function* () {
      yield 'chunk'
    })()
    expect(() => engine.checkStream(chunks)).toThrow(AgentKilledError)
    expect(() => scopes.check({ agent: 'policed', tool: 'search' })).toThrow(AgentKilledError)
    let ran = false
    await expect(
      contracts.enforce({ agent: 'policed', tool: 'search' }, () => {
        ran = true
      }),
    ).rejects.toThrow(AgentKilledError)
    expect(ran).toBe(false)
    // Another agent's checks still pass.
    expect((await engine.precheck({ agent: 'triage', text: 'hello' })).decision).toBe('allow')
    const refusals = records.filter((record) => record.rule_id === 'kill_switch')
    expect(refusals.length).toBeGreaterThanOrEqual(6)
    expect(refusals[0]).toMatchObject({ decision: 'deny', reasons: ['agent.killed'] })
    expect(JSON.stringify(refusals)).not.toContain('ada@example.com')
    await api('POST', 'agents/policed/revive')
    await eventually(() => expect(engine.evaluate({ agent: 'policed', text }).decision).toBe('redact'))
  })

  it('fails closed when the server cannot be reached, and open when asked to', async () => {
    const offline = { baseUrl: 'http://127.0.0.1:9', staleAfterMs: 0 }
    const closed = controls({ ...offline, agentName: 'offline' })
    expect(() => closed.assertAlive()).toThrow(/unknown/)
    const open = controls({ ...offline, agentName: 'offline', failOpen: true })
    expect(() => open.assertAlive()).not.toThrow()
    await expect(open.checkOrRaise({ projectedUsd: 1 })).resolves.toMatchObject({ leaseId: null })
    const budgets = createBudgetClient({
      connection: createRuntimeConnection({ ...offline, apiKey: ingest, workspaceId: ws }),
      scope: { systemName: 'support-bot' },
      onError: () => {},
    })
    const refused = await budgets.checkOrRaise({ projectedUsd: 1 }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(BudgetExceededError)
    expect((refused as BudgetExceededError).retryable).toBe(true)
    expect((refused as Error).message).toMatch(/could not be checked/)
  })

  it('detects a loop, raises it, and records the event on the server', async () => {
    const agent = controls({
      agentName: 'looper',
      sessionId: 'loop-session',
      loops: { maxCalls: 3, windowMs: 60_000 },
    })
    for (let index = 0; index < 3; index++) agent.recordCall('search')
    expect(() => agent.recordCall('search')).toThrow(/Loop detected: 4 calls/)
    await eventually(async () => undefined)
    let events: { type: string; data: Record<string, unknown> }[] = []
    for (let attempt = 0; attempt < 100 && events.length === 0; attempt++) {
      events = (await api('GET', 'events?type=loop.detected&agent_name=looper')).json.events
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(events[0]?.data).toMatchObject({
      agent_name: 'looper',
      tool_name: 'search',
      session_id: 'loop-session',
      calls: 4,
    })
  })

  it('shows heartbeats as presence: live, idle, closed', async () => {
    const agent = controls({ agentName: 'present', presence: { intervalMs: 0, metadata: { host: 'box' } } })
    await agent.presence?.heartbeat()
    let listed = await api('GET', 'agents/present')
    expect(listed.json.presence).toBe('live')
    await agent.markIdle()
    listed = await api('GET', 'agents/present')
    expect(listed.json.presence).toBe('idle')
    expect(listed.json.instances[0].metadata).toEqual({ host: 'box' })
    await agent.close()
    listed = await api('GET', 'agents/present')
    expect(listed.json.presence).toBe('closed')
  })
})
