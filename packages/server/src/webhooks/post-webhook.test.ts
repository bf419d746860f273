import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postWebhook } from './post-webhook'

describe('postWebhook', () => {
  let server: Server
  let port: number
  const seen: string[] = []

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.url ?? '')
      if (request.url === '/redirect') response.writeHead(302, { location: '/ok' }).end()
      else if (request.url === '/hang')
        return // never answers
      else response.writeHead(204).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const post = (path: string, allowPrivate: boolean, host = '127.0.0.1', timeoutMs = 5_000) =>
    postWebhook({ url: `http://${host}:${port}${path}`, headers: {}, body: '{}', timeoutMs, allowPrivate })

  it('posts when private targets are allowed, and does not follow redirects', async () => {
    expect(await post('/ok', true)).toEqual({ status: 204 })
    expect(await post('/redirect', true)).toEqual({ status: 302 })
    expect(seen).toEqual(['/ok', '/redirect'])
  })

  it('refuses private addresses at connection time, for literals and for names that resolve to them', async () => {
    seen.length = 0
    const literal = await post('/ok', false)
    expect(literal.error).toMatch(/private address/)
    const named = await post('/ok', false, 'localhost')
    expect(named.status).toBeUndefined()
    expect(named.error).toMatch(/private address/)
    expect(seen).toEqual([])
  })

  it('gives up after its time budget', async () => {
    const outcome = await post('/hang', true, '127.0.0.1', 200)
    expect(outcome.error).toMatch(/timed out after 200 ms/)
  })

  it('reports connection failures without throwing', async () => {
    const outcome = await postWebhook({
      url: 'http://127.0.0.1:1/x',
      headers: {},
      body: '',
      timeoutMs: 2_000,
      allowPrivate: true,
    })
    expect(outcome.error).toMatch(/ECONNREFUSED/)
  })
})
