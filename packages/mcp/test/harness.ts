// Shared setup of the proxy tests: a real Mima server, a real MCP fixture server (stdio or
// Streamable HTTP), the governing proxy (stdio or HTTP downstream) and a real SDK client.
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { type Approvals, createApprovals } from '@mima/approvals'
import { createMima, type Mima } from '@mima/core'
import { createKillSwitch, createRuntimeConnection, type KillSwitch, type PolicyDocument } from '@mima/policy'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import {
  createMcpProxy,
  type McpGovernanceEvent,
  type McpGovernanceOptions,
  type McpProxy,
} from '../src/index'
import { createFixtureServer } from './fixtures/fixture-server.mjs'

export const STDIO_FIXTURE: string = fileURLToPath(new URL('./fixtures/stdio-server.mjs', import.meta.url))

/** A client transport speaking stdio framing over in-process streams (the proxy's stdin/stdout). */
export class StreamClientTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  private readonly buffer = new ReadBuffer()
  constructor(
    private readonly toServer: PassThrough,
    private readonly fromServer: PassThrough,
  ) {}
  async start(): Promise<void> {
    this.fromServer.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk)
      for (let message = this.buffer.readMessage(); message !== null; message = this.buffer.readMessage()) {
        this.onmessage?.(message)
      }
    })
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.toServer.write(serializeMessage(message))
  }
  async close(): Promise<void> {
    this.toServer.end()
    this.onclose?.()
  }
}

/** The fixture MCP server over Streamable HTTP on a loopback port (a session per client). */
export async function startHttpFixture(): Promise<{ url: string; close(): Promise<void> }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>()
  const server: HttpServer = createServer(async (request, response) => {
    const sessionId = request.headers['mcp-session-id']
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined
    if (transport === undefined) {
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, created)
        },
      })
      await createFixtureServer().connect(created)
      transport = created
    }
    await transport.handleRequest(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    async close() {
      await Promise.allSettled([...sessions.values()].map((session) => session.close()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type Mode = 'stdio' | 'http'

/** A real Mima server with the keys and clients the proxy and the test need. */
export interface MimaSide {
  server: TestServer
  ingestKey: string
  /** An approver (a different key than the requester's). */
  approver: Approvals
  approverKey: string
}

/** Decides an approval the way a person does in the dashboard: signed in, through its decide form. */
export async function decideInDashboard(
  side: MimaSide,
  approvalId: string,
  decision: 'approve' | 'reject',
): Promise<void> {
  const origin = side.server.baseUrl
  const login = await fetch(`${origin}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ api_key: side.approverKey }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
  })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const decided = await fetch(`${origin}/dashboard/approvals/${encodeURIComponent(approvalId)}/decide`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ decision }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
  })
  if (decided.status !== 303)
    throw new Error(`the dashboard decide form answered ${decided.status}: ${await decided.text()}`)
}

export async function startMimaSide(): Promise<MimaSide> {
  const server = await startTestServer()
  const ingestKey = await server.createKey('ingest', 'mcp proxy')
  const approverKey = await server.createKey('approver', 'alice')
  return {
    server,
    ingestKey,
    approver: createApprovals({ baseUrl: server.baseUrl, apiKey: approverKey }),
    approverKey,
  }
}

/** The clients one proxy uses: attestation, approvals, kill switch. */
export interface ProxyClients {
  mima: Mima
  approvals: Approvals
  killSwitch: KillSwitch
  close(): Promise<void>
}

export async function proxyClients(
  baseUrl: string,
  apiKey: string,
  agent: string,
  options: { failOpen?: boolean; waitReady?: boolean } = {},
): Promise<ProxyClients> {
  const mima = createMima({
    apiKey,
    baseUrl,
    systemName: 'mcp-tests',
    agentName: agent,
    configFile: false,
    flushOnExit: false,
    onError: 'silent',
    retry: { limit: 0 },
    // Its own spill directory: records left unsent (the Mima-down tests) must not be replayed by a
    // client of another test file, which shares the system name.
    outbox: { directory: mkdtempSync(join(tmpdir(), 'mima-mcp-outbox-')) },
  })
  const killSwitch = createKillSwitch({
    connection: createRuntimeConnection({ baseUrl, apiKey, env: {} }),
    agentName: agent,
    failOpen: options.failOpen,
  })
  if (options.waitReady !== false) await killSwitch.ready(60_000)
  return {
    mima,
    approvals: createApprovals(mima),
    killSwitch,
    async close() {
      killSwitch.close()
      await mima.close()
    },
  }
}

export const TEST_POLICY: PolicyDocument = {
  name: 'mcp-tests',
  defaults: { ingress: { action: 'redact' }, egress: { action: 'redact' } },
  // echo's result is what the upstream received: let it back unchanged to see the redacted argument.
  tool_access: { echo: { direction: 'egress', action: 'allow' } },
  deny_tools: ['mcp.fixture.weather'],
}

/** A governed proxy in front of the fixture, with a connected SDK client. */
export interface GovernedSession {
  proxy: McpProxy
  client: Client
  events: McpGovernanceEvent[]
  close(): Promise<void>
}

export async function openGovernedSession(
  mode: Mode,
  governance: Omit<McpGovernanceOptions, 'server' | 'onEvent'> & { server?: string },
  httpFixtureUrl?: string,
): Promise<GovernedSession> {
  const events: McpGovernanceEvent[] = []
  const governanceOptions: McpGovernanceOptions = {
    server: 'fixture',
    ...governance,
    onEvent: (event) => events.push(event),
  }
  const client = new Client({ name: 'mcp-tests', version: '1.0.0' })
  if (mode === 'stdio') {
    const toProxy = new PassThrough()
    const fromProxy = new PassThrough()
    const proxy = await createMcpProxy({
      governance: governanceOptions,
      upstream: { command: process.execPath, args: [STDIO_FIXTURE], stderr: 'ignore' },
      downstream: { stdin: toProxy, stdout: fromProxy },
      onError: () => {},
    })
    await client.connect(new StreamClientTransport(toProxy, fromProxy))
    return {
      proxy,
      client,
      events,
      async close() {
        await client.close()
        await proxy.close()
      },
    }
  }
  if (httpFixtureUrl === undefined) throw new Error('http mode needs the fixture URL')
  const proxy = await createMcpProxy({
    governance: governanceOptions,
    upstream: { url: httpFixtureUrl },
    downstream: { http: {} },
    onError: () => {},
  })
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.url as string)))
  return {
    proxy,
    client,
    events,
    async close() {
      await client.close()
      await proxy.close()
    },
  }
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? []
  return content.map((block) => block.text ?? '').join('\n')
}
