import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net'
import { startTestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { refusalOf } from '../src/index'
import {
  type GovernedSession,
  type Mode,
  openGovernedSession,
  type ProxyClients,
  proxyClients,
  startHttpFixture,
  textOf,
} from './harness'

/**
 * A Mima server that is down: a loopback port whose connections are reset at once, until `up(port)`
 * forwards them to a real server. It keeps listening so that no other test's server can take the
 * port while clients still hold records addressed to it.
 */
async function downServer(): Promise<{ port: number; up(target: number): void; close(): Promise<void> }> {
  let target: number | undefined
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    if (target === undefined) {
      socket.destroy()
      return
    }
    const upstream = createConnection(target, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    up(port) {
      target = port
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe.each<Mode>(['stdio', 'http'])('with the Mima server down, over %s', (mode) => {
  let baseUrl: string
  let down: Awaited<ReturnType<typeof downServer>>
  let httpFixture: { url: string; close(): Promise<void> } | undefined
  const opened: Array<GovernedSession | ProxyClients> = []

  beforeAll(async () => {
    down = await downServer()
    baseUrl = `http://127.0.0.1:${down.port}`
    httpFixture = mode === 'http' ? await startHttpFixture() : undefined
  })
  afterAll(async () => {
    for (const item of opened.reverse()) await item.close()
    await httpFixture?.close()
    await down?.close()
  })

  async function open(
    failMode: 'open' | 'closed',
  ): Promise<{ session: GovernedSession; clients: ProxyClients }> {
    const clients = await proxyClients(baseUrl, 'mima_test_unreachable', 'offline-agent', {
      failOpen: failMode === 'open',
      waitReady: false,
    })
    opened.push(clients)
    const session = await openGovernedSession(
      mode,
      {
        agent: 'offline-agent',
        mima: clients.mima,
        approvals: clients.approvals,
        killSwitch: clients.killSwitch,
        failMode,
        allowedTools: ['echo', 'transfer_funds'],
        tools: { transfer_funds: { requiresApproval: true } },
      },
      httpFixture?.url,
    )
    opened.push(session)
    return { session, clients }
  }

  it('fails closed by default: calls are refused with a reason, and the client keeps working', async () => {
    const { session } = await open('closed')
    const result = await session.client.callTool({ name: 'echo', arguments: { text: 'hi' } })
    expect(result.isError).toBe(true)
    expect(refusalOf(result as never)?.code).toBe('mima_unreachable')
    expect(textOf(result)).toContain('fails closed')
    // Everything else still passes through.
    const { tools } = await session.client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual(['echo', 'transfer_funds'])
  })

  it('keeps the decision of a refused call in the outbox while the server is down, and delivers it once it is back', async () => {
    const real = await startTestServer()
    const key = await real.createKey('ingest', 'mcp proxy')
    const returning = await downServer()
    const clients = await proxyClients(`http://127.0.0.1:${returning.port}`, key, 'returning-agent', {
      waitReady: false,
    })
    const session = await openGovernedSession(
      mode,
      {
        agent: 'returning-agent',
        mima: clients.mima,
        killSwitch: clients.killSwitch,
        allowedTools: ['echo'],
      },
      httpFixture?.url,
    )
    try {
      const refused = await session.client.callTool({ name: 'echo', arguments: { text: 'hi' } })
      expect(refusalOf(refused as never)?.code).toBe('mima_unreachable')
      expect((await clients.mima.flush()).sent).toBe(0)
      // The refused call's attestation and its decision.
      expect(clients.mima.pending).toBe(2)

      // The server comes back on the address the proxy knows.
      returning.up(Number(new URL(real.baseUrl).port))
      expect((await clients.mima.flush()).sent).toBe(2)
      const response = await fetch(`${real.baseUrl}/api/workspaces/${real.workspaceId}/mcp/decisions`, {
        headers: { authorization: `Bearer ${real.adminKey}` },
      })
      const { decisions } = (await response.json()) as { decisions: Record<string, unknown>[] }
      expect(decisions).toEqual([
        expect.objectContaining({
          server_name: 'fixture',
          tool: 'echo',
          agent_name: 'returning-agent',
          decision: 'deny',
          rule_id: 'fail_closed',
          reasons: ['mima.unreachable'],
        }),
      ])
    } finally {
      await session.close()
      await clients.close()
      await returning.close()
      await real.close()
    }
  })

  it('fails open when configured: the call goes through and its attestation waits in the outbox', async () => {
    const { session, clients } = await open('open')
    const result = await session.client.callTool({ name: 'echo', arguments: { text: 'hi' } })
    expect(result.isError).toBeFalsy()
    expect(JSON.parse(textOf(result))).toEqual({ text: 'hi' })
    const summary = await clients.mima.flush()
    expect(summary.sent).toBe(0)
    expect(clients.mima.pending).toBeGreaterThanOrEqual(1)

    // An approval cannot be granted without the server, whatever the mode.
    const risky = await session.client.callTool({ name: 'transfer_funds', arguments: { amount: 1 } })
    expect(risky.isError).toBe(true)
    expect(refusalOf(risky as never)?.code).toBe('approval_failed')
  })
})
