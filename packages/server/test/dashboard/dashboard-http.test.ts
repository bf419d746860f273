import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEATURES } from '../../src/app'
import { createDashboardFeature, DASHBOARD_CSP, SESSION_COOKIE } from '../../src/dashboard/dashboard-feature'
import { hashSessionToken } from '../../src/dashboard/session-store'
import { attestation, BACKENDS, type DashboardServer, startDashboardServer } from './dashboard-fixture'

/** A browser-like client over plain fetch: keeps the session cookie, sends the Origin a browser would. */
function browserClient(server: DashboardServer) {
  let cookie: string | undefined
  const origin = server.url
  return {
    get cookie() {
      return cookie
    },
    async get(path: string): Promise<Response> {
      return fetch(`${server.url}${path}`, {
        redirect: 'manual',
        headers: cookie === undefined ? {} : { cookie: `${SESSION_COOKIE}=${cookie}` },
      })
    },
    async post(
      path: string,
      form: Record<string, string>,
      headers: Record<string, string> = { origin },
    ): Promise<Response> {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams(form),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(cookie === undefined ? {} : { cookie: `${SESSION_COOKIE}=${cookie}` }),
          ...headers,
        },
      })
      const set = response.headers.get('set-cookie')
      const match = set === null ? null : new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(set)
      if (match !== null) cookie = match[1] === '' ? undefined : match[1]
      return response
    },
    async signIn(key: string): Promise<Response> {
      return this.post('/dashboard/login', { api_key: key })
    },
  }
}

describe.each(BACKENDS)('dashboard over HTTP (%s)', (backend) => {
  let server: DashboardServer

  beforeAll(async () => {
    // A 200 ms stream heartbeat, so a revoked key's live stream ends within the test.
    const features = [
      ...FEATURES.filter((feature) => feature.name !== 'dashboard'),
      createDashboardFeature({ streamHeartbeatMs: 200 }),
    ]
    server = await startDashboardServer(backend, { features })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('redirects / to the dashboard and an unsigned visitor to the sign-in page; nothing under /api', async () => {
    const client = browserClient(server)
    const root = await client.get('/')
    expect(root.status).toBe(302)
    expect(root.headers.get('location')).toBe('/dashboard')
    const dashboard = await client.get('/dashboard')
    expect(dashboard.status).toBe(303)
    expect(dashboard.headers.get('location')).toBe('/dashboard/login')
    const login = await client.get('/dashboard/login')
    expect(login.status).toBe(200)
    expect(login.headers.get('content-security-policy')).toBe(DASHBOARD_CSP)
    expect(login.headers.get('x-frame-options')).toBe('DENY')
    expect(await login.text()).toContain('name="api_key"')
    expect((await client.get('/api/dashboard/login')).status).toBe(404)
    const script = await client.get('/dashboard/assets/dashboard.js')
    expect(script.headers.get('content-type')).toContain('text/javascript')
    expect(await script.text()).toContain('EventSource')
  })

  it('signs in an admin with an HttpOnly SameSite=Strict cookie and stores only its hash', async () => {
    const client = browserClient(server)
    const response = await client.signIn(server.adminKey)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/dashboard')
    const set = response.headers.get('set-cookie') ?? ''
    expect(set).toMatch(/HttpOnly/i)
    expect(set).toMatch(/SameSite=Strict/i)
    expect(set).toMatch(/Path=\//)
    const token = client.cookie as string
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const { rows } = await server.server.database.query<{ token_hash: string; workspace_id: string }>(
      'select token_hash, workspace_id from dashboard_sessions where token_hash = $1 or token_hash = $2',
      [token, hashSessionToken(token)],
    )
    expect(rows).toEqual([{ token_hash: hashSessionToken(token), workspace_id: server.workspaceId }])
    expect(set).not.toMatch(/Secure/i)
    const behindTls = await browserClient(server).post(
      '/dashboard/login',
      { api_key: server.adminKey },
      { origin: server.url, 'x-forwarded-proto': 'https' },
    )
    expect(behindTls.headers.get('set-cookie')).toMatch(/; Secure/i)
    const overview = await client.get('/dashboard')
    expect(overview.status).toBe(200)
    const page = await overview.text()
    expect(page).toContain('Readiness')
    expect(page).toContain('admin')
  })

  it('refuses ingest keys and unknown keys with a clear message and no session', async () => {
    const ingest = await server.createKey('ingest', 'agent')
    const client = browserClient(server)
    const refused = await client.signIn(ingest.key)
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('Ingest keys are for agents and cannot sign in')
    expect(client.cookie).toBeUndefined()
    const unknown = await client.signIn('mima_not_a_key')
    expect(unknown.status).toBe(401)
    expect(await unknown.text()).toContain('not valid')
    expect(client.cookie).toBeUndefined()
  })

  it('refuses cross-site form posts (Origin, Referer, Sec-Fetch-Site) and changes nothing', async () => {
    const client = browserClient(server)
    for (const headers of [
      { origin: 'https://evil.example' },
      {},
      { referer: 'http://evil.example/page' },
      { origin: server.url, 'sec-fetch-site': 'cross-site' },
    ]) {
      const response = await client.post('/dashboard/login', { api_key: server.adminKey }, headers)
      expect(response.status).toBe(403)
      expect(client.cookie).toBeUndefined()
    }
    expect((await client.signIn(server.adminKey)).status).toBe(303)
    const logout = await client.post('/dashboard/logout', {}, { origin: 'https://evil.example' })
    expect(logout.status).toBe(403)
    expect((await client.get('/dashboard')).status).toBe(200)
  })

  it('ends the session on sign-out and when the key is revoked', async () => {
    const approver = await server.createKey('approver', 'reviewer')
    const first = browserClient(server)
    await first.signIn(approver.key)
    expect((await first.get('/dashboard')).status).toBe(200)
    const token = first.cookie as string
    const out = await first.post('/dashboard/logout', {})
    expect(out.status).toBe(303)
    const stale = await fetch(`${server.url}/dashboard`, {
      redirect: 'manual',
      headers: { cookie: `${SESSION_COOKIE}=${token}` },
    })
    expect(stale.status).toBe(303)

    const second = browserClient(server)
    await second.signIn(approver.key)
    expect((await second.get('/dashboard/approvals')).status).toBe(200)
    const revoke = await server.api(
      server.adminKey,
      'DELETE',
      `/workspaces/${server.workspaceId}/keys/${approver.id}`,
    )
    expect(revoke.status).toBeLessThan(300)
    const after = await second.get('/dashboard/approvals')
    expect(after.status).toBe(303)
    expect(after.headers.get('location')).toBe('/dashboard/login')
  })

  it('ends a live approvals stream when its key is revoked', async () => {
    const approver = await server.createKey('approver', 'streamer')
    const client = browserClient(server)
    await client.signIn(approver.key)
    const response = await fetch(`${server.url}/dashboard/approvals/stream`, {
      headers: { cookie: `${SESSION_COOKIE}=${client.cookie}` },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let received = ''
    const readUntil = async (text: string): Promise<void> => {
      while (!received.includes(text)) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`the stream ended before "${text}": ${received}`)
        received += decoder.decode(value, { stream: true })
      }
    }
    await readUntil('event: snapshot')
    await server.api(server.adminKey, 'DELETE', `/workspaces/${server.workspaceId}/keys/${approver.id}`)
    await readUntil('event: signed-out')
    expect((await reader.read()).done).toBe(true)
  })

  it('never lets the requesting key decide, through the same approvals service', async () => {
    const created = await server.api(
      server.adminKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals`,
      {
        action_type: 'refund',
        context: { amount: 10 },
        timeout_seconds: 60,
      },
    )
    expect(created.status).toBe(201)
    const client = browserClient(server)
    await client.signIn(server.adminKey)
    const page = await (await client.get('/dashboard/approvals')).text()
    expect(page).toContain('This key requested the approval')
    const decide = await fetch(`${server.url}/dashboard/approvals/${created.json.id}/decide`, {
      method: 'POST',
      body: new URLSearchParams({ decision: 'approve' }),
      headers: {
        origin: server.url,
        accept: 'application/json',
        cookie: `${SESSION_COOKIE}=${client.cookie}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
    })
    expect(decide.status).toBe(403)
    expect(((await decide.json()) as { error: { message: string } }).error.message).toContain(
      'can never decide',
    )
    const still = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/approvals/${created.json.id}`,
    )
    expect(still.json.status).toBe('pending')
  })

  it('decides through a plain form post (no JavaScript) and streams only to a session', async () => {
    const ingest = await server.createKey('ingest', 'form-agent')
    const created = await server.api(
      ingest.key,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals`,
      {
        action_type: 'rotate_secret',
        timeout_seconds: 60,
      },
    )
    const client = browserClient(server)
    expect((await client.get('/dashboard/approvals/stream')).status).toBe(401)
    await client.signIn(server.adminKey)
    const decided = await client.post(`/dashboard/approvals/${created.json.id}/decide`, {
      decision: 'reject',
      reason: 'use the runbook',
    })
    expect(decided.status).toBe(303)
    expect(decided.headers.get('location')).toBe('/dashboard/approvals?decided=rejected')
    const page = await (await client.get('/dashboard/approvals?decided=rejected')).text()
    expect(page).toContain('The request was rejected.')
    expect(page).toContain('use the runbook')
    const again = await client.post(`/dashboard/approvals/${created.json.id}/decide`, { decision: 'approve' })
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('already rejected')
    const stored = await server.api(
      ingest.key,
      'GET',
      `/workspaces/${server.workspaceId}/governance/approvals/${created.json.id}`,
    )
    expect(stored.json).toMatchObject({ status: 'rejected', reason: 'use the runbook' })
  })

  it('lets an admin cancel a request whose requester is gone; an approver sees no cancel button', async () => {
    const ingest = await server.createKey('ingest', 'gone-agent')
    const created = await server.api(
      ingest.key,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals`,
      {
        action_type: 'orphaned_action',
        timeout_seconds: 3600,
        requested_for: 'alice@example.com',
      },
    )
    const approver = await server.createKey('approver', 'cancel-approver')
    const approverClient = browserClient(server)
    await approverClient.signIn(approver.key)
    const approverPage = await (await approverClient.get('/dashboard/approvals')).text()
    expect(approverPage).toContain('orphaned_action')
    // "Requested by" names the person the agent acts for (its authorisedBy), then the key.
    expect(approverPage).toMatch(
      /alice@example\.com <span class="muted">\(through the key gone-agent\)<\/span>/,
    )
    expect(approverPage).not.toContain(`/dashboard/approvals/${created.json.id}/cancel`)
    const refused = await approverClient.post(`/dashboard/approvals/${created.json.id}/cancel`, {})
    expect(refused.status).toBe(403)

    const admin = browserClient(server)
    await admin.signIn(server.adminKey)
    expect(await (await admin.get('/dashboard/approvals')).text()).toContain(
      `/dashboard/approvals/${created.json.id}/cancel`,
    )
    const cancelled = await admin.post(`/dashboard/approvals/${created.json.id}/cancel`, {})
    expect(cancelled.status).toBe(303)
    expect(cancelled.headers.get('location')).toBe('/dashboard/approvals?decided=cancelled')
    expect(await (await admin.get('/dashboard/approvals?decided=cancelled')).text()).toContain(
      'The request was cancelled.',
    )
    const stored = await server.api(
      ingest.key,
      'GET',
      `/workspaces/${server.workspaceId}/governance/approvals/${created.json.id}`,
    )
    expect(stored.json).toMatchObject({ status: 'cancelled' })
  })

  it('keeps workspaces apart: a session sees and decides only its own workspace', async () => {
    const workspace = await server.api(server.adminKey, 'POST', '/workspaces', { name: 'other team' })
    expect(workspace.status).toBe(201)
    const otherKey = workspace.json.admin_key.key as string
    const otherId = workspace.json.id as string
    const mine = await server.api(
      server.adminKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/attestations/external`,
      attestation({ tool_name: 'tool_of_workspace_a' }),
    )
    expect(mine.status).toBe(201)
    const theirs = await server.api(
      otherKey,
      'POST',
      `/workspaces/${otherId}/governance/attestations/external`,
      attestation({ tool_name: 'tool_of_workspace_b' }),
    )
    expect(theirs.status).toBe(201)
    const request = await server.api(
      server.adminKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals`,
      { action_type: 'a_only', timeout_seconds: 60 },
    )

    const other = browserClient(server)
    await other.signIn(otherKey)
    const page = await (await other.get('/dashboard/attestations')).text()
    expect(page).toContain('tool_of_workspace_b')
    expect(page).not.toContain('tool_of_workspace_a')
    expect(await (await other.get('/dashboard/approvals')).text()).not.toContain('a_only')
    const decide = await other.post(
      `/dashboard/approvals/${request.json.id}/decide`,
      { decision: 'approve' },
      {
        origin: server.url,
        accept: 'application/json',
      },
    )
    expect(decide.status).toBe(404)

    const own = browserClient(server)
    await own.signIn(server.adminKey)
    const ownPage = await (await own.get('/dashboard/attestations')).text()
    expect(ownPage).toContain('tool_of_workspace_a')
    expect(ownPage).not.toContain('tool_of_workspace_b')
  })

  it('verifies the ledger on demand and detects a tampered leaf', async () => {
    const client = browserClient(server)
    await client.signIn(server.adminKey)
    const ok = await (await client.post('/dashboard/ledger/verify', {})).text()
    expect(ok).toContain('Ledger verified.')
    await server.server.database.query(
      `update ledger_leaves set leaf_data = replace(leaf_data, 'attestation', 'attestatioN')
        where workspace_id = $1 and leaf_index = (select max(leaf_index) from ledger_leaves where workspace_id = $1 and kind = 'attestation')`,
      [server.workspaceId],
    )
    const failed = await (await client.post('/dashboard/ledger/verify', {})).text()
    expect(failed).toContain('Ledger verification FAILED.')
    expect(failed).toContain('do not match their data')
  })
})
