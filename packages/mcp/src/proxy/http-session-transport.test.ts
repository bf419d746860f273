import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HttpSessionTransport } from './http-session-transport'

const ACCEPT = 'application/json, text/event-stream'
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
}

describe('HttpSessionTransport', () => {
  let server: Server
  let url: string
  let transport: HttpSessionTransport
  /** What the session received, and how the test answers it. */
  let received: JSONRPCMessage[]
  let answer: (message: JSONRPCMessage) => void

  beforeEach(async () => {
    received = []
    answer = () => {}
    transport = new HttpSessionTransport()
    transport.onmessage = (message) => {
      received.push(message)
      answer(message)
    }
    server = createServer((request, response) => {
      let text = ''
      request.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk
      })
      request.on('end', () => {
        void transport.handleRequest(request, response, text === '' ? undefined : JSON.parse(text))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`
  })
  afterEach(async () => {
    await transport.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: {
        accept: ACCEPT,
        'content-type': 'application/json',
        ...(transport.sessionId === undefined ? {} : { 'mcp-session-id': transport.sessionId }),
        ...headers,
      },
      body: JSON.stringify(body),
    })

  async function initialize(): Promise<void> {
    answer = (message) => {
      const { id } = message as { id: number }
      void transport.send({ jsonrpc: '2.0', id, result: { protocolVersion: '2025-06-18' } } as JSONRPCMessage)
    }
    const response = await post(INITIALIZE)
    expect(response.headers.get('mcp-session-id')).toBe(transport.sessionId)
    await response.json()
  }

  it('answers a request with application/json when its answer is the only message for it', async () => {
    await initialize()
    answer = (message) => {
      const { id } = message as { id: number }
      void transport.send({ jsonrpc: '2.0', id, result: { content: [] } } as JSONRPCMessage)
    }
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [] } })
  })

  it('switches to an event stream when a message for the request comes before its answer', async () => {
    await initialize()
    answer = (message) => {
      const { id } = message as { id: number }
      const progress = {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 't', progress: 1 },
      }
      void transport
        .send(progress as JSONRPCMessage, { relatedRequestId: id })
        .then(() => transport.send({ jsonrpc: '2.0', id, result: { done: true } } as JSONRPCMessage))
    }
    const response = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow' } })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const events = (await response.text())
      .split('\n\n')
      .filter((chunk) => chunk.startsWith('event: message'))
      .map((chunk) => JSON.parse(chunk.slice(chunk.indexOf('data: ') + 6)))
    expect(events.map((item) => item.method ?? `answer ${item.id}`)).toEqual([
      'notifications/progress',
      'answer 2',
    ])
  })

  it('takes notifications with 202, sends unrelated server messages on the GET stream, and ends on DELETE', async () => {
    await initialize()
    const accepted = await post({ jsonrpc: '2.0', method: 'notifications/initialized' })
    expect(accepted.status).toBe(202)
    expect(received.at(-1)).toMatchObject({ method: 'notifications/initialized' })

    const stream = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': transport.sessionId as string },
    })
    expect(stream.headers.get('content-type')).toBe('text/event-stream')
    const second = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': transport.sessionId as string },
    })
    expect(second.status).toBe(409)
    await transport.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' } as JSONRPCMessage)
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(
      'notifications/tools/list_changed',
    )

    let closed = false
    transport.onclose = () => {
      closed = true
    }
    const deleted = await fetch(url, {
      method: 'DELETE',
      headers: { 'mcp-session-id': transport.sessionId as string },
    })
    expect(deleted.status).toBe(200)
    expect(closed).toBe(true)
  })

  it('refuses what the protocol does not allow with a clear 4xx', async () => {
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).status).toBe(400)
    expect((await post(INITIALIZE, { accept: 'application/json' })).status).toBe(406)
    expect((await post(INITIALIZE, { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await post({ not: 'json-rpc' })).status).toBe(400)
    expect((await post([INITIALIZE, INITIALIZE])).status).toBe(400)
    await initialize()
    expect((await post(INITIALIZE)).status).toBe(400)
    expect(
      (await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-protocol-version': '1999-01-01' }))
        .status,
    ).toBe(400)
    expect((await fetch(url, { method: 'PUT', headers: { accept: ACCEPT } })).status).toBe(405)
  })
})
