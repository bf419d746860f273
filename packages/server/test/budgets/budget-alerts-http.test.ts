import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BACKENDS,
  type Receiver,
  startReceiver,
  startTestServer,
  type TestServer,
} from '../webhooks/webhook-fixture'

// `budget.threshold` is raised after the lease statement commits (decision 0063): these check that
// each crossing still reaches the webhooks exactly once, and that a crossing recorded but never
// raised (the process died between the two) is raised by the sweep.
describe.each(BACKENDS)('budget threshold events after the commit (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  let ingest: string
  let ws: string
  const SWEEP_MS = 100

  beforeAll(async () => {
    server = await startTestServer(backend, { budgets: { alertSweepMs: SWEEP_MS } })
    receiver = await startReceiver()
    ingest = await server.createKey('ingest')
    ws = `/workspaces/${server.workspaceId}`
    const hook = await server.api(server.adminKey, 'POST', `${ws}/governance/webhooks`, {
      url: receiver.url,
      secret: 'whsec_alerts',
      events: ['budget.threshold'],
    })
    expect(hook.status).toBe(201)
  })

  afterAll(async () => {
    await receiver?.close()
    await server?.close()
  })

  const putBudget = async (agent: string, thresholds: number[]): Promise<string> => {
    const put = await server.api(server.adminKey, 'PUT', `${ws}/budgets`, {
      scope: 'agent',
      scope_value: agent,
      period: 'day',
      limit_usd: 1,
      alert_thresholds: thresholds,
    })
    expect(put.status).toBe(200)
    return put.json.budget_id as string
  }
  const thresholdsOf = (budgetId: string): number[] =>
    receiver.requests
      .map((request) => JSON.parse(request.body))
      .filter((event) => event.data.budget_id === budgetId)
      .map((event) => event.data.threshold)
  const quiet = () => new Promise((resolve) => setTimeout(resolve, SWEEP_MS * 5))
  const deliveryCount = async (budgetId: string): Promise<number> => {
    const { rows } = await server.database.query<{ count: number }>(
      `select count(*)::int as count from webhook_deliveries
        where workspace_id = $1 and event_type = 'budget.threshold' and body like '%' || $2 || '%'`,
      [server.workspaceId, budgetId],
    )
    return rows[0]?.count ?? -1
  }

  it('raises each crossing once when one-call leases carry the previous call’s settlement', async () => {
    const budgetId = await putBudget('chain', [0.25, 0.5, 1])
    const scope = { system_name: 'alerts', agent_name: 'chain' }
    let previous: string | undefined
    const statuses: number[] = []
    // $0.10 a call against $1: the settlements cross 25% (3rd), 50% (5th) and 100% (10th).
    for (let call = 0; call < 12; call++) {
      const response = await server.api(ingest, 'POST', `${ws}/budgets/leases`, {
        scope,
        unit_usd: 0.1,
        units: 1,
        ...(previous === undefined
          ? {}
          : {
              settlements: [{ lease_id: previous, scope, model: 'gpt-4o-mini', cost_usd: 0.1, tokens: 10 }],
            }),
      })
      statuses.push(response.status)
      previous = response.status === 201 ? (response.json.lease_id as string) : undefined
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(10)
    await receiver.waitFor(3)
    await quiet()
    expect(thresholdsOf(budgetId)).toEqual([0.25, 0.5, 1])
    expect(await deliveryCount(budgetId)).toBe(3)
  })

  it('raises a crossing once when concurrent requests reach it together', async () => {
    const budgetId = await putBudget('crowd', [0.5])
    const scope = { system_name: 'alerts', agent_name: 'crowd' }
    const before = receiver.requests.length
    // 30 concurrent lease requests, each carrying $0.05 of usage tracked without a lease.
    await Promise.all(
      Array.from({ length: 30 }, () =>
        server.api(ingest, 'POST', `${ws}/budgets/leases`, {
          scope,
          unit_usd: 0.001,
          units: 1,
          settlements: [{ scope, model: 'gpt-4o-mini', cost_usd: 0.05, tokens: 10 }],
        }),
      ),
    )
    await receiver.waitFor(before + 1)
    await quiet()
    expect(thresholdsOf(budgetId)).toEqual([0.5])
    expect(await deliveryCount(budgetId)).toBe(1)
  })

  it('raises a crossing recorded but never raised (a crash before the event) from the sweep', async () => {
    const budgetId = await putBudget('crashed', [0.5, 1])
    const scope = { system_name: 'alerts', agent_name: 'crashed' }
    const lease = await server.api(ingest, 'POST', `${ws}/budgets/leases`, { scope, unit_usd: 0.01 })
    expect(lease.status).toBe(201)
    // What the lease statement leaves when the process dies before raising the event: the spend and
    // the crossing recorded on the counter, not yet claimed.
    const before = receiver.requests.length
    await server.database.query(
      `update budget_counters set spent_usd = 0.6, alert_level = 0.5
        where workspace_id = $1 and budget_id = $2`,
      [server.workspaceId, budgetId],
    )
    await receiver.waitFor(before + 1)
    await quiet()
    expect(thresholdsOf(budgetId)).toEqual([0.5])
    const { rows } = await server.database.query<{ alert_notified: string | number }>(
      'select alert_notified from budget_counters where workspace_id = $1 and budget_id = $2',
      [server.workspaceId, budgetId],
    )
    expect(Number(rows[0]?.alert_notified)).toBe(0.5)
    // The next crossing is raised as usual, once.
    const next = await server.api(ingest, 'POST', `${ws}/budgets/settle`, {
      settlements: [{ scope, model: 'gpt-4o-mini', cost_usd: 0.4, tokens: 10 }],
      release_lease_ids: [lease.json.lease_id],
    })
    expect(next.json.thresholds.map((crossing: { threshold: number }) => crossing.threshold)).toEqual([1])
    await receiver.waitFor(before + 2)
    await quiet()
    expect(thresholdsOf(budgetId)).toEqual([0.5, 1])
  })
})
