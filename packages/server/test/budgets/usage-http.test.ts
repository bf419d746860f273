import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, startTestServer, type TestServer } from '../webhooks/webhook-fixture'

const hash = 'a'.repeat(64)

function record(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    system_name: 'support-bot',
    agent_name: 'triage',
    tool_name: 'chat',
    input_hash: hash,
    output_hash: hash,
    schema_version: 2,
    ...overrides,
  }
}

describe.each(BACKENDS)('usage on attestations and spend analytics (%s)', (backend) => {
  let server: TestServer
  let ingest: string
  let ws: string

  beforeAll(async () => {
    server = await startTestServer(backend)
    ingest = await server.createKey('ingest')
    ws = `/workspaces/${server.workspaceId}`
    const records = [
      record({
        model_id: 'gpt-4o',
        provider: 'openai',
        input_tokens: 100,
        output_tokens: 20,
        cached_tokens: 10,
        cost_usd: 0.000425,
        session_id: 's1',
        authorised_by: { identity: 'ana@example.com' },
      }),
      record({
        model_id: 'gpt-4o',
        provider: 'openai',
        input_tokens: 50,
        output_tokens: 5,
        cost_usd: 0.000175,
        session_id: 's1',
        outcome: 'error',
        error_type: 'APIError',
      }),
      record({
        model_id: 'claude-haiku-4-5',
        provider: 'anthropic',
        agent_name: 'writer',
        input_tokens: 10,
        output_tokens: 10,
        cost_usd: 0.00006,
        authorised_by: { identity: 'bo@example.com', session_id: 's2' },
      }),
      record({ model_id: 'fake-model', provider: 'openai', input_tokens: 3, output_tokens: 2 }),
      record({ tool_name: 'lookup' }), // no usage: not a model call
    ]
    const response = await server.api(ingest, 'POST', `${ws}/governance/attestations/batch`, { records })
    expect(response.status).toBe(200)
    expect(response.json.accepted).toBe(5)
  })

  afterAll(async () => {
    await server?.close()
  })

  it('serves the records with their usage and filters by session, outcome, agent and model', async () => {
    const bySession = await server.api(server.adminKey, 'GET', `${ws}/governance/attestations?session_id=s1`)
    expect(bySession.status).toBe(200)
    expect(bySession.json.attestations).toHaveLength(2)
    expect(bySession.json.attestations[0]).toMatchObject({ session_id: 's1', provider: 'openai' })
    // authorised_by.session_id counts as the session too.
    const legacySession = await server.api(
      server.adminKey,
      'GET',
      `${ws}/governance/attestations?session_id=s2`,
    )
    expect(legacySession.json.attestations.map((item: { agent_name: string }) => item.agent_name)).toEqual([
      'writer',
    ])
    const errors = await server.api(server.adminKey, 'GET', `${ws}/governance/attestations?outcome=error`)
    expect(errors.json.attestations).toHaveLength(1)
    expect(errors.json.attestations[0]).toMatchObject({ input_tokens: 50, error_type: 'APIError' })
    const page = await server.api(
      server.adminKey,
      'GET',
      `${ws}/governance/attestations?model_id=gpt-4o&limit=1`,
    )
    expect(page.json.attestations).toHaveLength(1)
    const next = await server.api(
      server.adminKey,
      'GET',
      `${ws}/governance/attestations?model_id=gpt-4o&limit=1&cursor=${page.json.next_cursor}`,
    )
    expect(next.json.attestations).toHaveLength(1)
    expect(next.json.attestations[0].attestation_id).not.toBe(page.json.attestations[0].attestation_id)
    const bad = await server.api(server.adminKey, 'GET', `${ws}/governance/attestations?outcome=maybe`)
    expect(bad.status).toBe(422)
  })

  it('refuses malformed usage fields with a 422 and stores nothing', async () => {
    for (const bad of [
      { input_tokens: -1 },
      { output_tokens: 1.5 },
      { cached_tokens: '3' },
      { cost_usd: -0.01 },
      { cost_usd: 'free' },
      { metadata: [1, 2] },
      { provider: 7 },
    ]) {
      const response = await server.api(ingest, 'POST', `${ws}/governance/attestations/external`, record(bad))
      expect(response.status, JSON.stringify(bad)).toBe(422)
      expect(response.json.error.code).toBe('validation_failed')
    }
    const all = await server.api(server.adminKey, 'GET', `${ws}/governance/attestations?limit=100`)
    expect(all.json.attestations).toHaveLength(5)
  })

  it('sums spend per model, agent, user and day to the records, and counts unpriced calls', async () => {
    const byModel = await server.api(server.adminKey, 'GET', `${ws}/usage?group_by=model`)
    expect(byModel.status).toBe(200)
    const rows = Object.fromEntries(byModel.json.rows.map((row: { key: string }) => [row.key, row]))
    expect(rows['gpt-4o']).toMatchObject({
      calls: 2,
      input_tokens: 150,
      output_tokens: 25,
      cached_tokens: 10,
      error_calls: 1,
    })
    expect(rows['gpt-4o'].cost_usd).toBeCloseTo(0.0006, 12)
    expect(rows['fake-model']).toMatchObject({ calls: 1, cost_usd: 0, unpriced_calls: 1 })
    expect(byModel.json.totals).toMatchObject({
      calls: 4,
      input_tokens: 163,
      output_tokens: 37,
      unpriced_calls: 1,
    })
    expect(byModel.json.totals.cost_usd).toBeCloseTo(0.00066, 12)

    const byAgent = await server.api(server.adminKey, 'GET', `${ws}/usage?group_by=agent`)
    expect(byAgent.json.rows.map((row: { key: string }) => row.key)).toEqual(['triage', 'writer'])
    const byUser = await server.api(server.adminKey, 'GET', `${ws}/usage?group_by=user`)
    expect(byUser.json.rows.find((row: { key: string }) => row.key === 'ana@example.com').calls).toBe(1)
    const byDay = await server.api(server.adminKey, 'GET', `${ws}/usage?group_by=day`)
    expect(byDay.json.rows).toHaveLength(1)
    expect(byDay.json.rows[0].key).toBe(new Date().toISOString().slice(0, 10))
    const filtered = await server.api(server.adminKey, 'GET', `${ws}/usage?group_by=model&agent_name=writer`)
    expect(filtered.json.totals.calls).toBe(1)
    expect((await server.api(server.adminKey, 'GET', `${ws}/usage?group_by=planet`)).status).toBe(422)
    expect((await server.api(server.adminKey, 'GET', `${ws}/usage?since=yesterday`)).status).toBe(422)
  })

  it('exports the report as CSV', async () => {
    const response = await fetch(`${server.url}/api${ws}/usage?group_by=model&format=csv`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/csv')
    const lines = (await response.text()).trim().split('\r\n')
    expect(lines[0]).toBe(
      'model,calls,input_tokens,output_tokens,cached_tokens,cost_usd,unpriced_calls,error_calls',
    )
    expect(lines.find((line) => line.startsWith('gpt-4o,'))).toBe('gpt-4o,2,150,25,10,0.0006,0,1')
  })
})
