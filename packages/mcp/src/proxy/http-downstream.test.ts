import { request } from 'node:http'
import { createMima } from '@mima/core'
import { waitFor } from '@mima-internal/test-utils'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpFixture } from '../../test/harness'
import { createMcpProxy, type McpProxy } from './create-mcp-proxy'

const mima = createMima({
  apiKey: 'mima_unit_test',
  baseUrl: 'http://127.0.0.1:9',
  systemName: 'unit',
  configFile: false,
  flushOnExit: false,
  onError: 'silent',
  outbox: { directory: false },
})

/** A raw request, so the Host header can be set. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const target = new URL(url)
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: options.method ?? 'POST',
          headers: options.headers,
        },
        (response) => {
          let body = ''
          response.setEncoding('utf8').on('data', (chunk: string) => {
            body += chunk
          })
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
          )
        },
      )
      outgoing.on('error', reject)
      outgoing.end(options.body)
    },
  )
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
})
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }

describe('the proxy serving Streamable HTTP', () => {
  let fixture: { url: string; close(): Promise<void> }
  let proxy: McpProxy

  beforeAll(async () => {
    fixture = await startHttpFixture()
    proxy = await createMcpProxy({
      governance: { server: 'fixture', agent: 'a', mima, allowedTools: ['echo'] },
      upstream: { url: fixture.url },
      downstream: { http: { token: 'proxy-secret', maxBodyBytes: 64 * 1024 } },
      onError: () => {},
    })
  })
  afterAll(async () => {
    await proxy?.close()
    await fixture?.close()
    await mima.close()
  })

  it('serves a client that sends the bearer token', async () => {
    const client = new Client({ name: 'with-token', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(proxy.url as string), {
        requestInit: { headers: { authorization: 'Bearer proxy-secret' } },
      }),
    )
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['echo'])
    await client.close()
  })

  it('answers a tool call with application/json when nothing else belongs to it', async () => {
    const url = proxy.url as string
    const auth = { ...JSON_HEADERS, authorization: 'Bearer proxy-secret' }
    const initialized = await raw(url, { headers: auth, body: INITIALIZE })
    expect(initialized.headers['content-type']).toBe('application/json')
    const session = { ...auth, 'mcp-session-id': String(initialized.headers['mcp-session-id']) }
    const notified = await raw(url, {
      headers: session,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    })
    expect(notified.status).toBe(202)
    const called = await raw(url, {
      headers: session,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'plain' } },
      }),
    })
    expect(called.headers['content-type']).toBe('application/json')
    expect(JSON.parse(called.body)).toEqual({
      jsonrpc: '2.0',
      id: 2,
      result: { content: [{ type: 'text', text: '{"text":"plain"}' }] },
    })
  })

  it('answers bad requests with a clear 4xx and never starts an upstream session for them', async () => {
    const url = proxy.url as string
    const auth = { ...JSON_HEADERS, authorization: 'Bearer proxy-secret' }
    expect((await raw(url, { headers: JSON_HEADERS, body: INITIALIZE })).status).toBe(401)
    expect(
      (await raw(url, { headers: { ...JSON_HEADERS, authorization: 'Bearer nope' }, body: INITIALIZE }))
        .status,
    ).toBe(401)
    const rebinding = await raw(url, { headers: { ...auth, host: 'evil.example.com' }, body: INITIALIZE })
    expect(rebinding.status).toBe(403)
    expect((await raw(url.replace('/mcp', '/other'), { headers: auth, body: INITIALIZE })).status).toBe(404)
    const notJson = await raw(url, { headers: auth, body: '{not json' })
    expect(notJson.status).toBe(400)
    expect(notJson.body).toContain('Parse error')
    expect(
      (
        await raw(url, {
          headers: auth,
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
        })
      ).status,
    ).toBe(400)
    expect((await raw(url, { method: 'GET', headers: auth })).status).toBe(400)
    expect(
      (await raw(url, { headers: { ...auth, 'mcp-session-id': 'made-up' }, body: INITIALIZE })).status,
    ).toBe(404)
    expect((await raw(url, { headers: auth, body: `"${'x'.repeat(70 * 1024)}"` })).status).toBe(413)
  })

  it('closes a session nobody used for sessionIdleMs, with its upstream connection', async () => {
    const idle = await createMcpProxy({
      governance: { server: 'fixture', agent: 'a', mima, allowedTools: ['echo'] },
      upstream: { url: fixture.url },
      downstream: { http: { sessionIdleMs: 2_000 } },
      onError: () => {},
    })
    try {
      const client = new Client({ name: 'idle', version: '1.0.0' })
      const transport = new StreamableHTTPClientTransport(new URL(idle.url as string))
      await client.connect(transport)
      expect(idle.sessions).toBe(1)
      await waitFor(() => (idle.sessions === 0 ? true : undefined), { what: 'the idle session to be closed' })
      const refused = await raw(idle.url as string, {
        headers: { ...JSON_HEADERS, 'mcp-session-id': transport.sessionId as string },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      })
      expect(refused.status).toBe(404)
      await client.close().catch(() => {})
    } finally {
      await idle.close()
    }
  })
})
