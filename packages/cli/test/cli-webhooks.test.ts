import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHome, runMima } from './run-mima'

// @mima/server has no webhooks yet, so `mima webhooks` is left out of `mima --help`. Its client side
// follows the reference's endpoints (Python CLI, reference §1.3); this local HTTP server answers them.
const KEY = 'mima_webhook_test_key'
const WS = 'ws-hooks'
let server: Server
let env: Record<string, string>
const hooks = new Map<string, { id: string; url: string; events: string[]; has_secret: boolean }>()
const received: Array<{ method: string; path: string; body: unknown }> = []

async function body(request: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of request) text += chunk
  return text === '' ? undefined : JSON.parse(text)
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const json = (status: number, value?: unknown): void => {
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(value === undefined ? '' : JSON.stringify(value))
    }
    if (request.headers.authorization !== `Bearer ${KEY}`)
      return json(401, { error: { code: 'unauthorized', message: 'bad key' } })
    const payload = await body(request)
    received.push({ method: request.method ?? '', path, body: payload })
    const base = `/api/workspaces/${WS}/governance/webhooks`
    if (path === base && request.method === 'GET') return json(200, { webhooks: [...hooks.values()] })
    if (path === base && request.method === 'POST') {
      const input = payload as { url: string; events?: string[]; secret?: string }
      const hook = {
        id: `wh_${hooks.size + 1}`,
        url: input.url,
        events: input.events ?? ['evidence.created'],
        has_secret: input.secret !== undefined,
      }
      hooks.set(hook.id, hook)
      return json(201, hook)
    }
    const match = /^\/api\/workspaces\/ws-hooks\/governance\/webhooks\/([^/]+)(\/test)?$/.exec(path)
    if (match && !hooks.has(match[1]!))
      return json(404, { error: { code: 'not_found', message: 'no such webhook' } })
    if (match && request.method === 'DELETE') {
      hooks.delete(match[1]!)
      return json(204)
    }
    if (match?.[2] && request.method === 'POST')
      return json(200, { delivered: false, status: 500, error: 'receiver answered 500' })
    return json(404, { error: { code: 'not_found', message: path } })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  env = {
    MIMA_API_KEY: KEY,
    MIMA_WORKSPACE_ID: WS,
    MIMA_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
  }
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('mima webhooks (client side)', () => {
  it('registers, lists, tests and deletes webhooks with the reference endpoints', async () => {
    const home = await createHome()
    const register = await runMima(
      [
        'webhooks',
        'register',
        'https://hooks.example.com/mima',
        '--events',
        'approval.requested,gate.failed',
        '--secret',
        's3cret',
      ],
      { home, env },
    )
    expect(register.code, register.stderr).toBe(0)
    expect(register.stdout).toContain('Webhook registered')
    expect(register.stdout).toContain('Events  approval.requested, gate.failed')
    expect(register.stdout).toContain('verify the X-Mima-Signature header')
    expect(received.at(-1)).toEqual({
      method: 'POST',
      path: `/api/workspaces/${WS}/governance/webhooks`,
      body: {
        url: 'https://hooks.example.com/mima',
        events: ['approval.requested', 'gate.failed'],
        secret: 's3cret',
      },
    })

    const list = await runMima(['webhooks', '--json'], { home, env })
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout).webhooks).toEqual([
      expect.objectContaining({ id: 'wh_1', url: 'https://hooks.example.com/mima', has_secret: true }),
    ])

    const test = await runMima(['webhooks', 'test', 'wh_1'], { home, env })
    expect(test.code).toBe(1)
    expect(test.stdout).toContain('not delivered: receiver answered 500')

    const remove = await runMima(['webhooks', 'delete', 'wh_1'], { home, env })
    expect(remove.code).toBe(0)
    const again = await runMima(['webhooks', 'rm', 'wh_1'], { home, env })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('no webhook wh_1')
  })

  it('refuses unknown events and non-http URLs before sending anything (exit 2)', async () => {
    const home = await createHome()
    const before = received.length
    const event = await runMima(
      ['webhooks', 'register', 'https://x.example', '--events', 'approval.requestd'],
      { home, env },
    )
    expect(event.code).toBe(2)
    expect(event.stderr).toContain(
      "unknown webhook event 'approval.requestd' (did you mean approval.requested?)",
    )
    const url = await runMima(['webhooks', 'register', 'ftp://x.example'], { home, env })
    expect(url.code).toBe(2)
    expect(received.length).toBe(before)
  })
})
