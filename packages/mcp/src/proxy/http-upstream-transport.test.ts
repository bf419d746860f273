import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { waitFor } from '@mima-internal/test-utils'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpUpstreamTransport } from './http-upstream-transport'

describe('HttpUpstreamTransport', () => {
  let server: Server
  let url: URL
  const seen: { method: string; headers: IncomingHttpHeaders; body: string }[] = []
  let stream: ServerResponse | undefined

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = ''
      request.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk
      })
      request.on('end', () => {
        seen.push({ method: request.method ?? '', headers: request.headers, body })
        if (request.method === 'GET') {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.flushHeaders()
          stream = response
          return
        }
        const message = JSON.parse(body) as { id?: number; method: string }
        if (message.id === undefined) {
          response.writeHead(202).end()
        } else if (message.method === 'initialize') {
          response.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'up-1' })
          response.end(
            JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-06-18' } }),
          )
        } else if (message.method === 'fail') {
          response.writeHead(500, { 'content-type': 'text/plain' }).end('broken')
        } else {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }
          response.write(`event: message\r\ndata: ${JSON.stringify(progress)}\r\n\r\n: a comment\n\n`)
          response.end(
            `id: 7\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { ok: 1 } })}\n\n`,
          )
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`)
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('speaks a session: JSON and event-stream answers, 202, the GET stream, headers, errors and close', async () => {
    const transport = new HttpUpstreamTransport(url, { authorization: 'Bearer upstream' })
    const received: JSONRPCMessage[] = []
    transport.onmessage = (message) => received.push(message)
    await transport.start()

    await transport.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} } as JSONRPCMessage)
    await waitFor(() => (received.length === 1 ? true : undefined), { what: 'the initialize answer' })
    expect(transport.sessionId).toBe('up-1')
    transport.setProtocolVersion('2025-06-18')

    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' } as JSONRPCMessage)
    await waitFor(() => stream, { what: 'the GET stream' })
    await transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: {} } as JSONRPCMessage)
    await waitFor(() => (received.length === 3 ? true : undefined), { what: 'the streamed answer' })
    expect(received.slice(1)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } },
      { jsonrpc: '2.0', id: 2, result: { ok: 1 } },
    ])
    stream?.write(
      `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`,
    )
    await waitFor(() => (received.length === 4 ? true : undefined), { what: 'the GET stream message' })
    expect(received[3]).toEqual({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })

    const call = seen.find((request) => request.body.includes('tools/call'))
    expect(call?.headers).toMatchObject({
      authorization: 'Bearer upstream',
      'mcp-session-id': 'up-1',
      'mcp-protocol-version': '2025-06-18',
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
    })
    expect(seen.find((request) => request.method === 'GET')?.headers.accept).toBe('text/event-stream')

    await expect(transport.send({ jsonrpc: '2.0', id: 3, method: 'fail' } as JSONRPCMessage)).rejects.toThrow(
      'Error POSTing to endpoint (HTTP 500): broken',
    )

    let closed = false
    transport.onclose = () => {
      closed = true
    }
    await transport.close()
    expect(closed).toBe(true)
    await waitFor(
      () => (stream?.destroyed || stream?.writableEnded || stream?.socket === null ? true : undefined),
      {
        what: 'the GET stream to be closed by the client',
      },
    )
    await expect(transport.send({ jsonrpc: '2.0', id: 4, method: 'ping' } as JSONRPCMessage)).rejects.toThrow(
      'closed',
    )
  })
})
