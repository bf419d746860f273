import { createPostgresDatabase, silentLogger, startServer } from '@mima/server'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './helpers'

type Client = ReturnType<typeof client>

async function requestApproval(agent: Client, ws: string, actionType: string): Promise<string> {
  const response = await agent.post(`/api/workspaces/${ws}/governance/approvals`, {
    action_type: actionType,
    context: { amount: 10 },
    timeout_seconds: 600,
  })
  expect(response.status).toBe(201)
  return response.json.id as string
}

/** How many backends hold `LISTEN <channel>` right now (PostgreSQL only). */
async function listeners(channel: string): Promise<number> {
  const admin = await createPostgresDatabase({
    connectionString: testDatabaseUrl() as string,
    maxConnections: 1,
  })
  try {
    const { rows } = await admin.query<{ count: number }>(
      'select count(*)::int as count from pg_stat_activity where query = $1 and pid <> pg_backend_pid()',
      [`listen ${channel}`],
    )
    return Number(rows[0]?.count)
  } finally {
    await admin.close()
  }
}

describe.each(BACKENDS)('approvals on %s: ids by unique prefix', (backend) => {
  let server: TestServer
  let agent: Client
  let approver: Client
  let ws: string

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    ws = server.workspaceId
    agent = client(server.baseUrl, await server.createKey('ingest', 'agent'))
    approver = client(server.baseUrl, await server.createKey('approver', 'bob@example.com'))
  })
  afterAll(async () => {
    await server?.close()
  })

  it('reads, decides and cancels by the 8-character prefix the Python CLI shows', async () => {
    const id = await requestApproval(agent, ws, 'prefix_read')
    const base = `/api/workspaces/${ws}/governance/approvals`
    const read = await approver.get(`${base}/${id.slice(0, 8)}`)
    expect(read.status).toBe(200)
    expect(read.json.id).toBe(id)
    expect((await approver.get(`${base}/${id.slice(0, 12)}`)).json.id).toBe(id)

    const decided = await approver.post(`${base}/${id.slice(0, 8)}/decide`, { decision: 'approve' })
    expect(decided.status).toBe(200)
    expect(decided.json).toMatchObject({ id, status: 'approved' })

    const other = await requestApproval(agent, ws, 'prefix_cancel')
    const cancelled = await agent.post(`${base}/${other.slice(0, 8)}/cancel`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.json).toMatchObject({ id: other, status: 'cancelled' })
  })

  it('answers 404 for no match or a prefix under 8 characters, 409 conflict when ambiguous', async () => {
    const base = `/api/workspaces/${ws}/governance/approvals`
    const none = await approver.get(`${base}/ffffffff`)
    expect(none.status).toBe(404)
    const id = await requestApproval(agent, ws, 'prefix_short')
    expect((await approver.get(`${base}/${id.slice(0, 7)}`)).status).toBe(404)
    expect((await approver.post(`${base}/${id.slice(0, 7)}/decide`, { decision: 'approve' })).status).toBe(
      404,
    )

    // Two approvals sharing a prefix: make one whose id shares the first 8 characters by writing the
    // row directly (random ids rarely collide), then the prefix is ambiguous.
    const twin = `${id.slice(0, 8)}-0000-4000-8000-000000000000`
    await server.server.database.query(
      `insert into approvals (workspace_id, approval_id, action_type, context, context_hash, status,
         requested_by_key_id, requested_by, requested_at, expires_at)
       select workspace_id, $2, action_type, context, context_hash, status, requested_by_key_id,
         requested_by, requested_at, expires_at from approvals where workspace_id = $1 and approval_id = $3`,
      [ws, twin, id],
    )
    const ambiguous = await approver.post(`${base}/${id.slice(0, 8)}/decide`, { decision: 'approve' })
    expect(ambiguous.status).toBe(409)
    expect(ambiguous.json.error.code).toBe('conflict')
    expect(ambiguous.json.error.details.matches).toEqual(expect.arrayContaining([id, twin]))
    expect((await approver.get(`${base}/${id.slice(0, 8)}`)).status).toBe(409)
    expect((await agent.post(`${base}/${id.slice(0, 8)}/cancel`)).status).toBe(409)
    // Still pending: nothing was decided by the ambiguous calls.
    expect((await approver.get(`${base}/${id}`)).json.status).toBe('pending')
    // A longer prefix is unique again.
    expect((await approver.get(`${base}/${id.slice(0, 13)}`)).json.id).toBe(id)
  })
})

describe.each(BACKENDS)('server shutdown with approvals streams open on %s', (backend) => {
  it('close() ends an open SSE stream and answers a held long-poll instead of waiting them out', async () => {
    const server = await startTestServer({ database: backend })
    let closed = false
    try {
      const ws = server.workspaceId
      const agent = client(server.baseUrl, await server.createKey('ingest', 'agent'))
      const approverKey = await server.createKey('approver', 'bob@example.com')
      const id = await requestApproval(agent, ws, 'shutdown_test')
      const base = `${server.baseUrl}/api/workspaces/${ws}/governance/approvals`
      const headers = { authorization: `Bearer ${approverKey}` }

      const stream = await fetch(`${base}/stream`, { headers })
      expect(stream.status).toBe(200)
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      let received = ''
      while (!received.includes('event: ready')) {
        const chunk = await reader.read()
        expect(chunk.done).toBe(false)
        received += decoder.decode(chunk.value)
      }
      const streamEnded = (async () => {
        for (;;) {
          const chunk = await reader.read()
          if (chunk.done) return 'ended cleanly'
        }
      })()
      // A long-poll held for up to the server's maximum wait.
      const held = fetch(`${base}/${id}?wait=60`, { headers }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { id: string; status: string },
      }))
      held.catch(() => undefined) // asserted below; no unhandled rejection meanwhile
      // The long-poll is being held once the request is in; the service's waiters prove nothing
      // here, so wait for a request that started after it to complete first.
      await fetch(`${base}/${id}`, { headers }).then((response) => response.arrayBuffer())

      let channel: string | undefined
      if (backend === 'postgres') {
        channel = `mima_events_${server.server.database.schema}`.slice(0, 63)
        expect(await listeners(channel)).toBe(1)
      }
      // The 10 s timeout would cut both connections (a read error, no JSON): a clean end and a
      // JSON answer mean the approvals feature released them through server.onClose.
      await server.close()
      closed = true
      await expect(streamEnded).resolves.toBe('ended cleanly')
      await expect(held).resolves.toEqual({
        status: 200,
        body: expect.objectContaining({ id, status: 'pending' }),
      })
      if (channel !== undefined) expect(await listeners(channel)).toBe(0)
    } finally {
      if (!closed) await server.close()
    }
  })
})

describe('approval token lifetime through startServer', () => {
  it('takes the approval token lifetime from startServer (loadConfig’s value), not the feature', async () => {
    // Embedded: the option reaches the approvals service.
    const server = await startServer({
      port: 0,
      dataDir: 'memory://',
      approvalTokenTtlSeconds: 42,
      onBootstrap: () => {},
      logger: silentLogger,
    })
    try {
      const ws = server.bootstrap?.workspaceId as string
      const admin = client(server.url, server.bootstrap?.adminKey)
      const keys = await Promise.all(
        ['ingest', 'approver'].map(async (role) => {
          const created = await admin.post(`/api/workspaces/${ws}/keys`, { name: `${role} key`, role })
          return created.json.key as string
        }),
      )
      const agent = client(server.url, keys[0])
      const approver = client(server.url, keys[1])
      const id = await requestApproval(agent, ws, 'ttl_option')
      const decided = await approver.post(`/api/workspaces/${ws}/governance/approvals/${id}/decide`, {
        decision: 'approve',
      })
      expect(decided.status).toBe(200)
      expect(Date.parse(decided.json.token_expires_at) - Date.parse(decided.json.decided_at)).toBe(42_000)
    } finally {
      await server.close()
    }
  })
})
