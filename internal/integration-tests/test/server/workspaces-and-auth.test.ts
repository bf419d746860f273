import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './helpers'

describe.each(BACKENDS)('server basics on %s', (backend) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ database: backend })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('answers health without a key, with and without /api', async () => {
    const anonymous = client(server.baseUrl)
    for (const path of ['/api/health', '/health']) {
      const response = await anonymous.get(path)
      expect(response.status).toBe(200)
      expect(response.json.status).toBe('ok')
      expect(response.headers.get('x-request-id')).toMatch(/^req_/)
    }
  })

  it('authenticates with Bearer and X-API-Key on /api/me and /me', async () => {
    for (const header of ['bearer', 'x-api-key'] as const) {
      for (const path of ['/api/me', '/me']) {
        const response = await client(server.baseUrl, server.adminKey, header).get(path)
        expect(response.status).toBe(200)
        expect(response.json).toMatchObject({ workspace_id: server.workspaceId, role: 'admin' })
      }
    }
  })

  it('answers 401 with the JSON error shape for a missing or wrong key', async () => {
    for (const key of [undefined, 'mima_wrong']) {
      const response = await client(server.baseUrl, key).get('/api/me')
      expect(response.status).toBe(401)
      expect(response.json.error.code).toBe('unauthorized')
      expect(response.json.error.request_id).toBe(response.headers.get('x-request-id'))
      expect(response.json.detail).toBe(response.json.error.message)
    }
  })

  it('echoes a well-formed incoming request id', async () => {
    const response = await client(server.baseUrl).get('/api/health', { 'x-request-id': 'trace-123' })
    expect(response.headers.get('x-request-id')).toBe('trace-123')
  })

  it('creates, lists and revokes keys; roles are enforced; keys are stored hashed', async () => {
    const admin = client(server.baseUrl, server.adminKey)
    const created = await admin.post(`/api/workspaces/${server.workspaceId}/keys`, {
      name: 'agent',
      role: 'ingest',
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ name: 'agent', role: 'ingest' })
    const ingestKey: string = created.json.key
    expect(ingestKey).toMatch(/^mima_/)

    const listed = await admin.get(`/workspaces/${server.workspaceId}/keys`)
    expect(listed.status).toBe(200)
    const entry = listed.json.keys.find((key: { id: string }) => key.id === created.json.id)
    expect(entry).toMatchObject({ name: 'agent', role: 'ingest', revoked_at: null })
    expect(JSON.stringify(listed.json)).not.toContain(ingestKey)
    const stored = await server.server.database.query<{ key_hash: string }>('select key_hash from api_keys')
    expect(stored.rows.map((row) => row.key_hash)).not.toContain(ingestKey)

    const ingest = client(server.baseUrl, ingestKey)
    expect((await ingest.get('/api/me')).json.role).toBe('ingest')
    const forbidden = await ingest.post(`/api/workspaces/${server.workspaceId}/keys`, {
      name: 'x',
      role: 'admin',
    })
    expect(forbidden.status).toBe(403)
    expect(forbidden.json.error.code).toBe('forbidden')

    const revoked = await admin.delete(`/api/workspaces/${server.workspaceId}/keys/${created.json.id}`)
    expect(revoked.status).toBe(200)
    expect((await ingest.get('/api/me')).status).toBe(401)
    expect((await admin.delete(`/api/workspaces/${server.workspaceId}/keys/${created.json.id}`)).status).toBe(
      404,
    )
  })

  it('refuses to let a key revoke itself', async () => {
    const admin = client(server.baseUrl, server.adminKey)
    const me = (await admin.get('/api/me')).json
    const response = await admin.delete(`/api/workspaces/${server.workspaceId}/keys/${me.key_id}`)
    expect(response.status).toBe(409)
    expect(response.json.error.code).toBe('conflict')
    expect((await admin.get('/api/me')).status).toBe(200)
  })

  it('rejects bad key requests with 4xx and changes nothing', async () => {
    const admin = client(server.baseUrl, server.adminKey)
    const before = (await admin.get(`/api/workspaces/${server.workspaceId}/keys`)).json.keys.length
    const cases = [
      { body: '{not json', status: 400, code: 'bad_request' },
      { body: [], status: 400, code: 'bad_request' },
      { body: { name: 'x', role: 'root' }, status: 422, code: 'validation_failed' },
      { body: { name: '', role: 'admin' }, status: 422, code: 'validation_failed' },
      { body: { name: 5, role: 'admin' }, status: 422, code: 'validation_failed' },
    ]
    for (const { body, status, code } of cases) {
      const response = await admin.post(`/api/workspaces/${server.workspaceId}/keys`, body)
      expect(response.status).toBe(status)
      expect(response.json.error.code).toBe(code)
    }
    expect((await admin.get(`/api/workspaces/${server.workspaceId}/keys`)).json.keys.length).toBe(before)
  })

  it('isolates workspaces: a key of workspace B gets 404 for workspace A', async () => {
    const admin = client(server.baseUrl, server.adminKey)
    const created = await admin.post('/api/workspaces', { name: 'tenant b' })
    expect(created.status).toBe(201)
    const otherAdmin = client(server.baseUrl, created.json.admin_key.key)
    expect((await otherAdmin.get('/api/me')).json.workspace_id).toBe(created.json.id)
    const response = await otherAdmin.get(`/api/workspaces/${server.workspaceId}/keys`)
    expect(response.status).toBe(404)
    expect(response.json.error.code).toBe('not_found')
    expect((await otherAdmin.get(`/api/workspaces/${server.workspaceId}/ledger/tree-head`)).status).toBe(404)
    // only the bootstrap workspace's admins create workspaces
    expect((await otherAdmin.post('/api/workspaces', { name: 'c' })).status).toBe(403)
  })

  it('answers unknown routes with a JSON 404', async () => {
    const response = await client(server.baseUrl, server.adminKey).get('/api/nope')
    expect(response.status).toBe(404)
    expect(response.json.error.code).toBe('not_found')
  })
})
