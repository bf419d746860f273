import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHome, runMimaInProcess } from './run-mima'

// The receiver listens on 127.0.0.1, which the server refuses unless the operator allows it.
process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE = 'true'

let server: TestServer
let receiver: Server
let receiverUrl: string
let answer = 200
const deliveries: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = []
let admin: Record<string, string>

beforeAll(async () => {
  receiver = createServer(async (request, response) => {
    let body = ''
    for await (const chunk of request) body += chunk
    deliveries.push({ headers: request.headers, body })
    response.writeHead(answer).end()
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/mima`
  server = await startTestServer()
  admin = {
    MIMA_BASE_URL: server.baseUrl,
    MIMA_API_KEY: server.adminKey,
    MIMA_WORKSPACE_ID: server.workspaceId,
  }
})

afterAll(async () => {
  await server?.close()
  await new Promise<void>((resolve) => receiver.close(() => resolve()))
})

describe('mima webhooks', () => {
  it('registers a signed webhook, sends a test event the receiver can verify, lists and deletes it', async () => {
    const home = await createHome()
    const register = await runMimaInProcess(
      [
        'webhooks',
        'register',
        receiverUrl,
        '--events',
        'approval.requested,gate.failed',
        '--secret',
        's3cret',
        '--json',
      ],
      { home, env: admin },
    )
    expect(register.code, register.stderr).toBe(0)
    const created = JSON.parse(register.stdout)
    expect(created).toMatchObject({
      url: receiverUrl,
      events: ['approval.requested', 'gate.failed'],
      has_secret: true,
    })

    const list = await runMimaInProcess(['webhooks'], { home, env: admin })
    expect(list.code).toBe(0)
    expect(list.stdout).toContain(created.id)
    expect(list.stdout).toContain('approval.requested,gate.failed')

    const test = await runMimaInProcess(['webhooks', 'test', created.id], { home, env: admin })
    expect(test.code, test.stderr).toBe(0)
    expect(test.stdout).toContain('Test event delivered (HTTP 200)')
    const delivery = deliveries.at(-1)!
    const expected = createHmac('sha256', 's3cret')
      .update(`${delivery.headers['x-mima-timestamp']}.${delivery.body}`)
      .digest('hex')
    expect(delivery.headers['x-mima-signature']).toContain(`sha256=${expected}`)

    answer = 500
    const failing = await runMimaInProcess(['webhooks', 'test', created.id], { home, env: admin })
    expect(failing.code).toBe(1)
    expect(failing.stdout).toContain('Test event not delivered')
    answer = 200

    const remove = await runMimaInProcess(['webhooks', 'delete', created.id], { home, env: admin })
    expect(remove.code, remove.stderr).toBe(0)
    const again = await runMimaInProcess(['webhooks', 'rm', created.id], { home, env: admin })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`no webhook ${created.id}`)
  })

  it('shows a secret the server generated once; refuses bad events (2) and non-admin keys (3)', async () => {
    const home = await createHome()
    const generated = await runMimaInProcess(['webhooks', 'add', receiverUrl], { home, env: admin })
    expect(generated.code, generated.stderr).toBe(0)
    expect(generated.stdout).toMatch(/Secret {2}whsec_/)
    expect(generated.stderr).toContain('shows it once')

    const event = await runMimaInProcess(
      ['webhooks', 'register', receiverUrl, '--events', 'approval.requestd'],
      {
        home,
        env: admin,
      },
    )
    expect(event.code).toBe(2)
    expect(event.stderr).toContain(
      "unknown webhook event 'approval.requestd' (did you mean approval.requested?)",
    )

    const ingest = await server.createKey('ingest')
    const forbidden = await runMimaInProcess(['webhooks', 'list'], {
      home,
      env: { ...admin, MIMA_API_KEY: ingest },
    })
    expect(forbidden.code).toBe(3)
    expect(forbidden.stderr).toContain('403')
  })
})
