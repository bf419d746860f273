// Defect class 2 of issue #13: event streams outlived revocation. Revoking a key or a session must
// end its open streams, on every replica, within the key cache's lifetime; no event reaches them
// afterwards. (The default stream heartbeat is 15 s and the test timeout 20 s: only the
// revocation check can end these streams in time.)
import { randomBytes } from 'node:crypto'
import { type RunningServer, silentLogger, startServer } from '@mima/server'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './support/http'
import { fillRoute, servedRoutes } from './support/routes'
import { openSse } from './support/sse'

async function createKey(
  baseUrl: string,
  adminKey: string,
  ws: string,
  role: string,
): Promise<{ key: string; id: string }> {
  const response = await client(baseUrl, adminKey).post(`/api/workspaces/${ws}/keys`, {
    name: `${role}-${randomBytes(3).toString('hex')}`,
    role,
  })
  expect(response.status).toBe(201)
  return { key: response.json.key, id: response.json.id }
}

async function signIn(baseUrl: string, key: string): Promise<string> {
  const response = await fetch(`${baseUrl}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key }).toString(),
  })
  expect(response.status).toBe(303)
  const cookie = /mima_session=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1]
  expect(cookie).toBeTruthy()
  return cookie as string
}

describe.each(BACKENDS)('revocation ends open streams on %s', (backend) => {
  let server: TestServer
  let ws: string
  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    ws = server.workspaceId
  })
  afterAll(async () => {
    await server?.close()
  })

  const requestApproval = async (agentKey: string, actionType: string) => {
    const response = await client(server.baseUrl, agentKey).post(
      `/api/workspaces/${ws}/governance/approvals`,
      {
        action_type: actionType,
        context: {},
      },
    )
    expect(response.status).toBe(201)
  }

  it('an API-key stream ends when the key is revoked and delivers nothing after', async () => {
    const agent = await createKey(server.baseUrl, server.adminKey, ws, 'ingest')
    const watcher = await createKey(server.baseUrl, server.adminKey, ws, 'approver')
    const stream = await openSse(`${server.baseUrl}/api/workspaces/${ws}/governance/approvals/stream`, {
      authorization: `Bearer ${watcher.key}`,
    })
    expect((await stream.next())?.event).toBe('ready')
    await requestApproval(agent.key, 'before_revocation')
    expect((await stream.next())?.event).toBe('approval.requested')

    const revoked = await client(server.baseUrl, server.adminKey).delete(
      `/api/workspaces/${ws}/keys/${watcher.id}`,
    )
    expect(revoked.status).toBe(200)
    await requestApproval(agent.key, 'after_revocation')
    const rest = await stream.untilEnd()
    expect(rest.map((event) => event.event)).toEqual(['revoked'])
  })

  it('every API-key stream the router serves ends when its key is revoked', async () => {
    const streams = (await servedRoutes(server)).filter(
      (route) =>
        route.method === 'GET' && route.path.endsWith('/stream') && !route.path.startsWith('/dashboard'),
    )
    // The approvals stream and the workspace event stream at least; any stream added later joins here.
    expect(streams.map((route) => route.path)).toEqual(
      expect.arrayContaining([
        '/workspaces/:ws/governance/approvals/stream',
        '/workspaces/:ws/events/stream',
      ]),
    )
    for (const route of streams) {
      const watcher = await createKey(server.baseUrl, server.adminKey, ws, 'admin')
      const stream = await openSse(`${server.baseUrl}/api${fillRoute(route.path, ws, 'x')}`, {
        authorization: `Bearer ${watcher.key}`,
      })
      expect((await stream.next())?.event, route.path).toBe('ready')
      const revoked = await client(server.baseUrl, server.adminKey).delete(
        `/api/workspaces/${ws}/keys/${watcher.id}`,
      )
      expect(revoked.status).toBe(200)
      // Events each stream would carry, raised after the revocation: none may reach it.
      await requestApproval(server.adminKey, 'after_stream_revocation')
      const kill = await client(server.baseUrl, server.adminKey).post(
        `/api/workspaces/${ws}/agents/revocation-probe/kill`,
        { reason: 'revocation test' },
      )
      expect(kill.status, kill.text).toBeLessThan(300)
      // Both streams' heartbeats are 15 s apart; only the revocation check ends a stream sooner.
      let timer: ReturnType<typeof setTimeout> | undefined
      const ended = await Promise.race([
        stream.untilEnd(),
        new Promise<'still open'>((resolve) => {
          timer = setTimeout(() => resolve('still open'), 8_000)
        }),
      ])
      clearTimeout(timer)
      await stream.close()
      expect(ended, `${route.path} after its key was revoked`).not.toBe('still open')
      expect(
        (ended as Array<{ event: string }>).map((event) => event.event),
        route.path,
      ).toEqual(['revoked'])
    }
  })

  it('a dashboard stream ends when its session signs out or its key is revoked', async () => {
    const agent = await createKey(server.baseUrl, server.adminKey, ws, 'ingest')
    for (const how of ['sign-out', 'revoke'] as const) {
      const person = await createKey(server.baseUrl, server.adminKey, ws, 'approver')
      const cookie = await signIn(server.baseUrl, person.key)
      const stream = await openSse(`${server.baseUrl}/dashboard/approvals/stream`, {
        cookie: `mima_session=${cookie}`,
      })
      expect((await stream.next())?.event).toBe('snapshot')
      if (how === 'sign-out') {
        const out = await fetch(`${server.baseUrl}/dashboard/logout`, {
          method: 'POST',
          redirect: 'manual',
          headers: { origin: server.baseUrl, cookie: `mima_session=${cookie}` },
        })
        expect(out.status).toBe(303)
      } else {
        const revoked = await client(server.baseUrl, server.adminKey).delete(
          `/api/workspaces/${ws}/keys/${person.id}`,
        )
        expect(revoked.status).toBe(200)
      }
      await requestApproval(agent.key, `after_${how}`)
      const rest = await stream.untilEnd()
      expect(
        rest.map((event) => event.event),
        how,
      ).toEqual(['signed-out'])
    }
  })
})

const databaseUrl = testDatabaseUrl()

describe.runIf(databaseUrl)('revocation across two replicas on one PostgreSQL', () => {
  let server: TestServer
  let replicaB: RunningServer
  beforeAll(async () => {
    server = await startTestServer({ database: 'postgres' })
    replicaB = await startServer({
      databaseUrl: databaseUrl as string,
      databaseSchema: server.server.database.schema as string,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      onBootstrap: () => {},
    })
  })
  afterAll(async () => {
    await replicaB?.close()
    await server?.close()
  })

  it('a key revoked on replica A ends its streams on replica B, API key and session alike', async () => {
    const ws = server.workspaceId
    const agent = await createKey(server.baseUrl, server.adminKey, ws, 'ingest')
    const watcher = await createKey(server.baseUrl, server.adminKey, ws, 'approver')
    const apiStream = await openSse(`${replicaB.url}/api/workspaces/${ws}/governance/approvals/stream`, {
      authorization: `Bearer ${watcher.key}`,
    })
    expect((await apiStream.next())?.event).toBe('ready')
    const eventStream = await openSse(`${replicaB.url}/api/workspaces/${ws}/events/stream`, {
      authorization: `Bearer ${watcher.key}`,
    })
    expect((await eventStream.next())?.event).toBe('ready')
    const cookie = await signIn(replicaB.url, watcher.key)
    const dashboardStream = await openSse(`${replicaB.url}/dashboard/approvals/stream`, {
      cookie: `mima_session=${cookie}`,
    })
    expect((await dashboardStream.next())?.event).toBe('snapshot')
    // The key is used on B (cached there) before A revokes it.
    expect((await client(replicaB.url, watcher.key).get('/api/me')).status).toBe(200)

    const revoked = await client(server.baseUrl, server.adminKey).delete(
      `/api/workspaces/${ws}/keys/${watcher.id}`,
    )
    expect(revoked.status).toBe(200)
    const [apiRest, eventRest, dashboardRest] = await Promise.all([
      apiStream.untilEnd(),
      eventStream.untilEnd(),
      dashboardStream.untilEnd(),
    ])
    expect(apiRest.at(-1)?.event).toBe('revoked')
    expect(eventRest.at(-1)?.event).toBe('revoked')
    expect(dashboardRest.at(-1)?.event).toBe('signed-out')
    // Once ended, a later approval reaches neither, and the key no longer works on B.
    const after = await client(server.baseUrl, agent.key).post(`/api/workspaces/${ws}/governance/approvals`, {
      action_type: 'after_cross_replica_revocation',
      context: {},
    })
    expect(after.status).toBe(201)
    expect((await client(replicaB.url, watcher.key).get('/api/me')).status).toBe(401)
  })
})
