import { hashValue, toHashable } from '@mima/core'
import { readAttestations } from '@mima-internal/test-server'
import { waitFor } from '@mima-internal/test-utils'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REFUSAL_META_KEY, refusalOf } from '../src/index'
import {
  decideInDashboard,
  type GovernedSession,
  type MimaSide,
  type Mode,
  openGovernedSession,
  type ProxyClients,
  proxyClients,
  STDIO_FIXTURE,
  startHttpFixture,
  startMimaSide,
  TEST_POLICY,
  textOf,
} from './harness'

const ALLOWED = [
  'echo',
  'lookup_customer',
  'transfer_funds',
  'run_report',
  'notify',
  'weather',
  'sneaky',
  'stats',
]

describe.each<Mode>(['stdio', 'http'])('the governing proxy over %s', (mode) => {
  let mima: MimaSide
  let clients: ProxyClients
  let session: GovernedSession
  let httpFixture: { url: string; close(): Promise<void> } | undefined
  let direct: Client
  const agent = `agent-${mode}`

  beforeAll(async () => {
    mima = await startMimaSide()
    httpFixture = mode === 'http' ? await startHttpFixture() : undefined
    clients = await proxyClients(mima.server.baseUrl, mima.ingestKey, agent)
    session = await openGovernedSession(
      mode,
      {
        agent,
        mima: clients.mima,
        approvals: clients.approvals,
        killSwitch: clients.killSwitch,
        policy: TEST_POLICY,
        allowedTools: ALLOWED,
        hiddenTools: ['delete_repo'],
        tools: { transfer_funds: { risk: 'high', requiresApproval: true } },
      },
      httpFixture?.url,
    )
    // The same fixture without the proxy: what "unchanged" is compared with.
    direct = new Client({ name: 'direct', version: '1.0.0' })
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [STDIO_FIXTURE], stderr: 'ignore' }),
    )
  })

  afterAll(async () => {
    await direct?.close()
    await session?.close()
    await clients?.close()
    await httpFixture?.close()
    await mima?.server.close()
  })

  it('lists only the tools in the agent scope, without hidden or injected ones', async () => {
    const { tools } = await session.client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      ['echo', 'lookup_customer', 'notify', 'run_report', 'stats', 'transfer_funds', 'weather'].sort(),
    )
    const flagged = session.events.filter((event) => event.type === 'tool.flagged')
    expect(flagged).toContainEqual(
      expect.objectContaining({
        tool: 'sneaky',
        hidden: true,
        reason: expect.stringMatching(/^description\.injection:/),
      }),
    )
    const inventory = session.proxy.governance.inventory()
    expect(inventory.find((tool) => tool.name === 'transfer_funds')).toMatchObject({
      risk: 'high',
      requiresApproval: true,
      visible: true,
    })
    expect(inventory.find((tool) => tool.name === 'delete_repo')?.visible).toBe(false)
  })

  it('refuses a hidden tool, a flagged tool and a tool the policy denies, as MCP tool errors', async () => {
    const hidden = await session.client.callTool({ name: 'delete_repo', arguments: { name: 'prod' } })
    expect(hidden.isError).toBe(true)
    expect(refusalOf(hidden as never)?.code).toBe('scope_denied')
    expect(textOf(hidden)).toContain('may not call this tool')

    const flagged = await session.client.callTool({ name: 'sneaky', arguments: { a: 1, b: 2 } })
    expect(refusalOf(flagged as never)?.code).toBe('tool_flagged')

    const denied = await session.client.callTool({ name: 'weather', arguments: { city: 'Paris' } })
    expect(denied.isError).toBe(true)
    expect((denied._meta as Record<string, { code: string }>)[REFUSAL_META_KEY]?.code).toBe('policy_denied')
    expect(textOf(denied)).toMatch(/policy denies it/)
  })

  it('redacts an argument before it reaches the server, and a result before it reaches the client', async () => {
    const echoed = await session.client.callTool({
      name: 'echo',
      arguments: { text: 'write to ada@example.com' },
    })
    expect(echoed.isError).toBeFalsy()
    // echo answers with what it received.
    expect(textOf(echoed)).not.toContain('ada@example.com')
    expect(JSON.parse(textOf(echoed)).text).toMatch(/^write to <EMAIL(_\d+)?>$/)

    const customer = await session.client.callTool({ name: 'lookup_customer', arguments: { id: 'c-1' } })
    const text = textOf(customer)
    expect(text).toContain('Customer c-1')
    expect(text).not.toContain('ada@example.com')
    expect(text).not.toContain('sk-proj-abcdefghijklmnopqrstuvwxyz')
  })

  it('sends each decision that stopped or changed a call to the server: its API and the MCP page list them', async () => {
    // The refusals and redactions of the two tests above, sent through the client's outbox.
    await clients.mima.flush()
    const { baseUrl, workspaceId, adminKey } = mima.server
    const response = await fetch(`${baseUrl}/api/workspaces/${workspaceId}/mcp/decisions?server=fixture`, {
      headers: { authorization: `Bearer ${adminKey}` },
    })
    expect(response.status).toBe(200)
    const { decisions } = (await response.json()) as {
      decisions: { tool: string; decision: string; rule_id: string; direction: string; agent_name: string }[]
    }
    const of = (tool: string) => decisions.filter((decision) => decision.tool === tool)
    expect(of('delete_repo')).toEqual([
      expect.objectContaining({
        decision: 'deny',
        rule_id: 'scope',
        direction: 'ingress',
        agent_name: agent,
      }),
    ])
    expect(of('sneaky')).toEqual([expect.objectContaining({ decision: 'deny', rule_id: 'tool_flagged' })])
    expect(of('weather')).toEqual([expect.objectContaining({ decision: 'deny', direction: 'ingress' })])
    expect(of('echo')).toContainEqual(expect.objectContaining({ decision: 'redact', direction: 'ingress' }))
    expect(of('lookup_customer')).toContainEqual(
      expect.objectContaining({ decision: 'redact', direction: 'egress' }),
    )
    // Each decision is an attestation in the ledger, named policy.mcp.<server>.
    const attested = (await readAttestations(mima.server)).filter(
      (record) => record.tool_name === 'policy.mcp.fixture',
    )
    expect(attested).toHaveLength(decisions.length)

    const login = await fetch(`${baseUrl}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ api_key: adminKey }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
    })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const page = await (await fetch(`${baseUrl}/dashboard/mcp`, { headers: { cookie } })).text()
    const table = page.slice(page.indexOf('<table class="mcp-decisions"'))
    expect(table).toContain('data-decision="deny"')
    expect(table).toContain('<td>delete_repo</td>')
  })

  it('waits for a person to approve a risky call, bound to the exact arguments, then attests it', async () => {
    const args = { amount: 125, to: 'acct-42' }
    const progress: { progress: number; message?: string | undefined }[] = []
    const call = session.client.callTool({ name: 'transfer_funds', arguments: args }, undefined, {
      onprogress: (update) => progress.push(update),
    })
    const pending = await waitFor(
      async () =>
        (await mima.approver.list()).find((approval) => approval.actionType === 'mcp.fixture.transfer_funds'),
      { what: 'a pending approval of mcp.fixture.transfer_funds' },
    )
    expect(pending.context).toMatchObject({
      mcp_server: 'fixture',
      mcp_tool: 'transfer_funds',
      agent,
      arguments_sha256: hashValue(toHashable(args)),
    })
    // The client, which asked for progress, hears that the call waits for a person.
    await waitFor(
      () => (progress.some((update) => update.message?.includes(pending.id)) ? true : undefined),
      {
        what: 'a progress notification naming the approval',
      },
    )
    // A person approves it in the dashboard while the call waits.
    await decideInDashboard(mima, pending.id, 'approve')
    const result = await call
    expect(result.isError).toBeFalsy()
    expect(JSON.parse(textOf(result))).toEqual(args)

    const attested = await waitFor(
      async () =>
        (await readAttestations(mima.server)).find(
          (record) =>
            record.tool_name === 'mcp.fixture.transfer_funds' && record.approval_token !== undefined,
        ),
      { what: 'the attestation of the approved call' },
    )
    expect(attested.input_hash).toBe(hashValue(toHashable(args)))
    expect(attested.output_hash).toBe(hashValue(toHashable(result)))
    // The same server/tool metadata as every other governed call, plus the approval.
    expect(attested.metadata).toEqual({
      mcp_server: 'fixture',
      mcp_tool: 'transfer_funds',
      outcome: 'ok',
      reasons: [],
      approval_id: pending.id,
    })
  })

  it('refuses a call the approver rejects', async () => {
    const call = session.client.callTool({
      name: 'transfer_funds',
      arguments: { amount: 9_999, to: 'acct-666' },
    })
    const pending = await waitFor(
      async () =>
        (await mima.approver.list()).find(
          (approval) =>
            approval.actionType === 'mcp.fixture.transfer_funds' &&
            (approval.context as { arguments?: { amount?: number } }).arguments?.amount === 9_999,
        ),
      { what: 'the pending approval of the 9 999 transfer' },
    )
    await mima.approver.decide(pending.id, 'reject', { reason: 'too much' })
    const result = await call
    expect(result.isError).toBe(true)
    expect(refusalOf(result as never)?.code).toBe('approval_denied')
  })

  it('records every call in the ledger with the hashes of what was sent and returned', async () => {
    const args = { text: 'hello ledger' }
    const result = await session.client.callTool({ name: 'echo', arguments: args })
    const refused = await session.client.callTool({ name: 'delete_repo', arguments: { name: 'x' } })
    await clients.mima.flush()
    const records = await waitFor(
      async () => {
        const all = await readAttestations(mima.server)
        const echo = all.find(
          (record) =>
            record.tool_name === 'mcp.fixture.echo' && record.input_hash === hashValue(toHashable(args)),
        )
        const denied = all.find((record) => record.tool_name === 'mcp.fixture.delete_repo')
        return echo !== undefined && denied !== undefined ? { echo, denied } : undefined
      },
      { what: 'the attestations of the echo call and the refused call' },
    )
    expect(records.echo.output_hash).toBe(hashValue(toHashable(result)))
    expect(records.echo.metadata).toMatchObject({ mcp_server: 'fixture', mcp_tool: 'echo', outcome: 'ok' })
    expect(records.echo.agent_name).toBe(agent)
    expect(typeof records.echo.duration_ms).toBe('number')
    expect(records.denied.output_hash).toBe(hashValue(toHashable(refused)))
    expect(records.denied.metadata).toMatchObject({ outcome: 'refused' })
    expect(records.denied.outcome).toBe('error')
  })

  it('passes resources, prompts, notifications and progress through unchanged', async () => {
    expect(await session.client.listResources()).toEqual(await direct.listResources())
    expect(await session.client.readResource({ uri: 'mem://greeting' })).toEqual(
      await direct.readResource({ uri: 'mem://greeting' }),
    )
    expect(await session.client.listPrompts()).toEqual(await direct.listPrompts())
    expect(await session.client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } })).toEqual(
      await direct.getPrompt({ name: 'greet', arguments: { who: 'Ada' } }),
    )

    const messages: unknown[] = []
    session.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      messages.push(notification.params)
    })
    await session.client.callTool({ name: 'notify', arguments: { message: 'build finished' } })
    await waitFor(() => (messages.length > 0 ? true : undefined), { what: 'the logging notification' })
    expect(messages[0]).toEqual({ level: 'info', logger: 'fixture', data: 'build finished' })

    const progress: number[] = []
    const report = await session.client.callTool({ name: 'run_report', arguments: { steps: 3 } }, undefined, {
      onprogress: (update) => progress.push(update.progress),
    })
    expect(textOf(report)).toBe('report done in 3 steps')
    expect(progress).toEqual([1, 2, 3])
  })

  it('passes a cancellation through and keeps serving', async () => {
    const controller = new AbortController()
    const call = session.client.callTool(
      { name: 'run_report', arguments: { steps: 50, delayMs: 50 } },
      undefined,
      {
        signal: controller.signal,
        onprogress: () => controller.abort('stop'),
      },
    )
    await expect(call).rejects.toThrow()
    // The server saw the cancellation and stopped the call.
    await waitFor(
      async () => {
        const stats = await session.client.callTool({ name: 'stats', arguments: {} })
        return JSON.parse(textOf(stats)).cancelled >= 1 ? true : undefined
      },
      { what: 'the upstream server to see the cancellation' },
    )
    const after = await session.client.callTool({ name: 'echo', arguments: { text: 'still here' } })
    expect(JSON.parse(textOf(after))).toEqual({ text: 'still here' })
  })

  it('refuses the next call once the agent is killed', async () => {
    const killed = new Promise<void>((resolve) => {
      const stop = clients.killSwitch.onKill((name) => {
        if (name === agent) {
          stop()
          resolve()
        }
      })
    })
    const response = await fetch(
      `${mima.server.baseUrl}/api/workspaces/${mima.server.workspaceId}/agents/${agent}/kill`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${mima.server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'runaway agent' }),
      },
    )
    expect(response.status).toBeLessThan(300)
    await killed
    const result = await session.client.callTool({ name: 'echo', arguments: { text: 'after the kill' } })
    expect(result.isError).toBe(true)
    expect(refusalOf(result as never)?.code).toBe('agent_killed')
    expect(textOf(result)).toContain('runaway agent')
    await clients.mima.flush()
    const listed = await fetch(
      `${mima.server.baseUrl}/api/workspaces/${mima.server.workspaceId}/mcp/decisions?server=fixture&limit=5`,
      { headers: { authorization: `Bearer ${mima.server.adminKey}` } },
    )
    const { decisions } = (await listed.json()) as { decisions: Record<string, unknown>[] }
    expect(decisions[0]).toMatchObject({ tool: 'echo', decision: 'deny', rule_id: 'kill_switch' })
  })
})
