import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../src/dashboard/dashboard-feature'
import {
  attestation,
  BACKENDS,
  type DashboardServer,
  startDashboardServer,
} from '../dashboard/dashboard-fixture'

const sha = (digit: string): string => digit.repeat(64)
const tool = (name: string, fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  definition_sha256: sha('1'),
  risk: null,
  requires_approval: false,
  visible: true,
  flags: [],
  ...fields,
})

describe.each(BACKENDS)('MCP servers: API and dashboard page (%s)', (backend) => {
  let server: DashboardServer
  let ingest: string
  let ws: string
  let cookie = ''

  beforeAll(async () => {
    server = await startDashboardServer(backend)
    ingest = (await server.createKey('ingest', 'mcp proxy')).key
    ws = `/workspaces/${server.workspaceId}`
    const login = await fetch(`${server.url}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ api_key: server.adminKey }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
    })
    cookie = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''
  }, 180_000)
  afterAll(async () => {
    await server?.close()
  })

  it('stores a proxy report, keeps the first definition hash and marks a changed one', async () => {
    const first = await server.api(ingest, 'PUT', `${ws}/mcp/servers/github`, {
      agent_name: 'coder',
      tools: [
        tool('create_issue', { risk: 'high', requires_approval: true }),
        tool('delete_repo', { visible: false }),
      ],
    })
    expect(first.status).toBe(200)
    expect(first.json.tools[0]).toMatchObject({
      name: 'create_issue',
      first_sha256: sha('1'),
      changed: false,
    })

    const second = await server.api(ingest, 'PUT', `${ws}/mcp/servers/github`, {
      agent_name: 'coder',
      tools: [tool('create_issue', { definition_sha256: sha('2'), risk: 'high', requires_approval: true })],
    })
    expect(second.json.tools[0]).toMatchObject({
      definition_sha256: sha('2'),
      first_sha256: sha('1'),
      changed: true,
    })

    const list = await server.api(server.adminKey, 'GET', `${ws}/mcp/servers`)
    expect(list.json.servers).toEqual([
      expect.objectContaining({ server_name: 'github', agent_name: 'coder' }),
    ])
  })

  it('refuses bad reports with a 4xx naming the field, and changes nothing', async () => {
    const bad = [
      { agent_name: 'coder', tools: [tool('x', { definition_sha256: 'nope' })] },
      { agent_name: 'coder', tools: [tool('x', { risk: 'extreme' })] },
      { agent_name: 'coder', tools: [tool('x'), tool('x')] },
      { agent_name: 'bad name!', tools: [] },
      { agent_name: 'coder', tools: 'all' },
      { agent_name: 'coder', tools: [tool('x', { flags: ['\u0000'.repeat(300)] })] },
      { agent_name: 'coder', tools: [tool('nul\u0000name')] },
      { agent_name: 'coder', tools: [tool('lone \ud800 surrogate')] },
      { agent_name: 'coder', tools: [tool('x', { flags: ['nul\u0000'] })] },
    ]
    for (const body of bad) {
      const response = await server.api(ingest, 'PUT', `${ws}/mcp/servers/github`, body)
      expect(response.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
    }
    expect(
      (await server.api(ingest, 'PUT', `${ws}/mcp/servers/bad%20name`, { agent_name: 'a', tools: [] }))
        .status,
    ).toBe(422)
    const approver = (await server.createKey('approver', 'alice')).key
    expect(
      (await server.api(approver, 'PUT', `${ws}/mcp/servers/github`, { agent_name: 'a', tools: [] })).status,
    ).toBe(403)
    const kept = await server.api(server.adminKey, 'GET', `${ws}/mcp/servers/github`)
    expect(kept.json.tools.map((item: { name: string }) => item.name)).toEqual(['create_issue'])
  })

  it('lists recent calls from the mcp.<server>.<tool> attestations', async () => {
    const records = [
      attestation({
        tool_name: 'mcp.github.create_issue',
        agent_name: 'coder',
        duration_ms: 12.5,
        metadata: { mcp_server: 'github', mcp_tool: 'create_issue', outcome: 'ok', reasons: [] },
      }),
      attestation({
        tool_name: 'mcp.github.delete_repo',
        agent_name: 'coder',
        outcome: 'error',
        error_type: 'refused',
        metadata: {
          mcp_server: 'github',
          mcp_tool: 'delete_repo',
          outcome: 'refused',
          reasons: ['scope.tool_hidden:delete_repo'],
        },
      }),
      attestation({
        tool_name: 'mcp.githubber.other',
        metadata: { mcp_server: 'githubber', mcp_tool: 'other' },
      }),
      attestation({ tool_name: 'search_docs' }),
    ]
    expect(
      (await server.api(ingest, 'POST', `${ws}/governance/attestations/batch`, { records })).status,
    ).toBe(200)
    const calls = await server.api(server.adminKey, 'GET', `${ws}/mcp/calls?server=github`)
    expect(
      calls.json.calls
        .map((call: { tool: string; outcome: string }) => `${call.tool}:${call.outcome}`)
        .sort(),
    ).toEqual(['create_issue:ok', 'delete_repo:refused'])
    const all = await server.api(server.adminKey, 'GET', `${ws}/mcp/calls`)
    expect(all.json.calls).toHaveLength(3)
    const one = await server.api(server.adminKey, 'GET', `${ws}/mcp/servers/github`)
    expect(one.json.calls).toHaveLength(2)
    expect((await server.api(server.adminKey, 'GET', `${ws}/mcp/servers/nothing-here`)).status).toBe(404)
  })

  it("lists the proxies' policy decisions from the policy.mcp.<server> attestations, and refuses bad queries", async () => {
    const decision = (fields: Record<string, unknown>): Record<string, unknown> => ({
      decision_id: '01900000-0000-7000-8000-000000000001',
      decided_at: '2026-06-20T12:00:00.000Z',
      policy_id: 'scopes',
      policy_version: '0',
      rule_id: 'scope',
      decision: 'deny',
      direction: 'ingress',
      reasons: ['scope.tool_hidden:delete_repo'],
      detector_kinds: [],
      findings: 0,
      agent: 'coder',
      tool: 'mcp.github.delete_repo',
      ...fields,
    })
    const records = [
      attestation({ tool_name: 'policy.mcp.github', operation: 'policy.decision', metadata: decision({}) }),
      attestation({
        tool_name: 'policy.mcp.github',
        operation: 'policy.decision',
        metadata: decision({
          policy_id: 'support',
          rule_id: 'default',
          decision: 'redact',
          direction: 'egress',
          reasons: ['pii.email'],
          detector_kinds: ['email'],
          tool: 'mcp.github.get_issue',
        }),
      }),
      attestation({
        tool_name: 'policy.mcp.githubber',
        operation: 'policy.decision',
        metadata: decision({ tool: 'mcp.githubber.other' }),
      }),
      attestation({ tool_name: 'policy.ingress', metadata: decision({ tool: 'search' }) }),
    ]
    expect(
      (await server.api(ingest, 'POST', `${ws}/governance/attestations/batch`, { records })).status,
    ).toBe(200)
    const github = await server.api(server.adminKey, 'GET', `${ws}/mcp/decisions?server=github`)
    expect(github.status).toBe(200)
    expect(
      github.json.decisions
        .map((item: { tool: string; decision: string; direction: string }) =>
          [item.tool, item.decision, item.direction].join(':'),
        )
        .sort(),
    ).toEqual(['delete_repo:deny:ingress', 'get_issue:redact:egress'])
    expect(github.json.decisions[0]).toMatchObject({ server_name: 'github', agent_name: 'coder' })
    const all = await server.api(server.adminKey, 'GET', `${ws}/mcp/decisions`)
    expect(all.json.decisions).toHaveLength(3)
    const one = await server.api(server.adminKey, 'GET', `${ws}/mcp/servers/github`)
    expect(one.json.decisions).toHaveLength(2)
    for (const query of ['server=bad%20name', 'limit=ten', 'limit=501']) {
      const refused = await server.api(server.adminKey, 'GET', `${ws}/mcp/decisions?${query}`)
      expect(refused.status).toBe(422)
      expect(refused.json.error.code).toBe('validation_failed')
    }
  })

  it('shows servers, tools, risk, approval rules and recent calls on /dashboard/mcp, escaped', async () => {
    await server.api(ingest, 'PUT', `${ws}/mcp/servers/web`, {
      agent_name: 'coder',
      tools: [
        tool('<img src=x onerror=alert(1)>', { flags: ['description.injection:hidden_tag'], visible: false }),
      ],
    })
    const response = await fetch(`${server.url}/dashboard/mcp`, {
      headers: { cookie: `${SESSION_COOKIE}=${cookie}` },
    })
    expect(response.status).toBe(200)
    const page = await response.text()
    expect(page).toContain('id="mcp-server-github"')
    expect(page).toMatch(/data-tool="create_issue">[\s\S]*?high[\s\S]*?a person approves each call/)
    expect(page).toContain('description.changed')
    expect(page).toContain('description.injection:hidden_tag')
    expect(page).toContain('delete_repo')
    expect(page).not.toContain('<img src=x onerror=alert(1)>')
    expect(page).toContain('href="/dashboard/mcp"')
    const signedOut = await fetch(`${server.url}/dashboard/mcp`, { redirect: 'manual' })
    expect(signedOut.status).toBe(303)
  })
})
