import { getEventListeners } from 'node:events'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUpstreamFetch } from './upstream-fetch'

describe('createUpstreamFetch', () => {
  let server: Server
  let url: string
  /** Open event streams, ended by the test. */
  const streams: ServerResponse[] = []

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/accepted') {
        response.writeHead(202, { 'mcp-session-id': 'session-1' })
        response.end()
        return
      }
      if (request.url === '/echo') {
        let text = ''
        request.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk
        })
        request.on('end', () => {
          response.writeHead(200, { 'content-type': 'application/json' })
          response.end(JSON.stringify({ method: request.method, headers: request.headers, body: text }))
        })
        return
      }
      if (request.url === '/events') {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write('data: {"first":true}\n\n')
        streams.push(response)
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{"ok":true}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('sends the method, headers and body, and answers status, headers and body as fetch would', async () => {
    const upstreamFetch = createUpstreamFetch()
    const headers = new Headers({ authorization: 'Bearer upstream', accept: 'application/json' })
    const echoed = await upstreamFetch(`${url}/echo`, { method: 'POST', headers, body: '{"a":"é"}' })
    expect(echoed.status).toBe(200)
    expect(echoed.headers.get('content-type')).toBe('application/json')
    const seen = (await echoed.json()) as { method: string; headers: Record<string, string>; body: string }
    expect(seen.method).toBe('POST')
    expect(seen.headers.authorization).toBe('Bearer upstream')
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')))
    expect(seen.body).toBe('{"a":"é"}')
    const accepted = await upstreamFetch(new URL(`${url}/accepted`), { method: 'POST', body: '{}' })
    expect(accepted.status).toBe(202)
    expect(accepted.headers.get('mcp-session-id')).toBe('session-1')
    expect(await accepted.text()).toBe('')
    await expect(upstreamFetch('http://127.0.0.1:9/mcp', { method: 'POST', body: '{}' })).rejects.toThrow()
  })

  it('leaves no listener on the session signal once JSON answers are read', async () => {
    const session = new AbortController()
    const sessionFetch = createUpstreamFetch()
    for (let index = 0; index < 200; index++) {
      const response = await sessionFetch(`${url}/json`, { method: 'POST', signal: session.signal })
      expect(await response.json()).toEqual({ ok: true })
    }
    // Node's fetch alone leaves one listener per request on the signal until garbage collection.
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0)
  })

  it('keeps an event stream tied to the session until it ends, and closing the session stops it', async () => {
    const session = new AbortController()
    const sessionFetch = createUpstreamFetch()
    const ended = await sessionFetch(`${url}/events`, { signal: session.signal })
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(1)
    ;(streams.shift() as ServerResponse).end('data: {"last":true}\n\n')
    expect(await ended.text()).toBe('data: {"first":true}\n\ndata: {"last":true}\n\n')
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0)

    const open = await sessionFetch(`${url}/events`, { signal: session.signal })
    const reader = (open.body as ReadableStream<Uint8Array>).getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('first')
    session.abort(new Error('session closed'))
    await expect(reader.read()).rejects.toThrow()
    await expect(sessionFetch(`${url}/json`, { signal: session.signal })).rejects.toThrow('session closed')
  })
})
