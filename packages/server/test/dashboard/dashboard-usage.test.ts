import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../src/dashboard/dashboard-feature'
import { attestation, BACKENDS, type DashboardServer, startDashboardServer } from './dashboard-fixture'

describe.each(BACKENDS)('dashboard spend and agents pages (%s)', (backend) => {
  let server: DashboardServer
  let cookie = ''

  const get = (path: string): Promise<Response> =>
    fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie: `${SESSION_COOKIE}=${cookie}` } })
  const post = (path: string, form: Record<string, string>, origin = server.url): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams(form),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `${SESSION_COOKIE}=${cookie}`,
        origin,
      },
    })

  beforeAll(async () => {
    server = await startDashboardServer(backend)
    const login = await fetch(`${server.url}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ api_key: server.adminKey }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
    })
    cookie = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''
    const ws = `/workspaces/${server.workspaceId}`
    const records = [
      attestation({
        model_id: 'gpt-4o',
        input_tokens: 100,
        output_tokens: 10,
        cost_usd: 0.0035,
        agent_name: 'triage',
      }),
      attestation({
        model_id: 'gpt-4o',
        input_tokens: 100,
        output_tokens: 10,
        cost_usd: 0.0035,
        agent_name: 'triage',
      }),
      attestation({
        model_id: '<script>alert(1)</script>',
        input_tokens: 5,
        output_tokens: 5,
        agent_name: 'writer',
      }),
    ]
    expect(
      (await server.api(server.adminKey, 'POST', `${ws}/governance/attestations/batch`, { records })).status,
    ).toBe(200)
    await server.api(server.adminKey, 'POST', `${ws}/agents/heartbeat`, {
      agent_name: 'researcher',
      instance_id: 'i-1',
    })
  }, 180_000)

  afterAll(async () => {
    await server?.close()
  })

  it('charts spend per day and per model from the records, escaped', async () => {
    const response = await get('/dashboard/spend')
    expect(response.status).toBe(200)
    const page = await response.text()
    expect(page).toContain('id="spend-per-day"')
    expect(page).toContain('id="spend-per-model"')
    expect(page).toMatch(/id="spend-total">\$0\.0070</)
    expect(page).toContain('data-key="gpt-4o"')
    expect(page).not.toContain('<script>alert(1)</script>')
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(response.headers.get('content-security-policy')).toBeTruthy()
  })

  it('lists agents and kills and revives one from the page, refusing a cross-site form', async () => {
    const page = await (await get('/dashboard/agents')).text()
    expect(page).toContain('data-agent="researcher"')
    expect(
      (await post('/dashboard/agents/researcher/kill', { reason: 'x' }, 'https://evil.example')).status,
    ).toBe(403)
    const killed = await post('/dashboard/agents/researcher/kill', { reason: 'loops forever' })
    expect(killed.status).toBe(200)
    expect(await killed.text()).toContain('killed (loops forever)')
    const status = await server.api(server.adminKey, 'GET', `/workspaces/${server.workspaceId}/agents/killed`)
    expect(status.json.agents.map((agent: { agent_name: string }) => agent.agent_name)).toEqual([
      'researcher',
    ])
    const revived = await post('/dashboard/agents/researcher/revive', {})
    expect(await revived.text()).toContain('Agent researcher revived.')
    const signedOut = await fetch(`${server.url}/dashboard/spend`, { redirect: 'manual' })
    expect(signedOut.status).toBe(303)
  })
})
