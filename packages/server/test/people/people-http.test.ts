import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../src/dashboard/dashboard-feature'
import { MAX_FAILURES } from '../../src/people/passwords'
import { BACKENDS, type DashboardServer, startDashboardServer } from '../dashboard/dashboard-fixture'

/** A browser-like client over fetch: keeps its session cookie and sends the Origin a browser would. */
function client(server: DashboardServer) {
  let cookie: string | undefined
  const request = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      redirect: 'manual',
      ...init,
      headers: {
        ...(cookie === undefined ? {} : { cookie: `${SESSION_COOKIE}=${cookie}` }),
        ...init.headers,
      },
    })
    const match = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(response.headers.get('set-cookie') ?? '')
    if (match !== null) cookie = match[1] === '' ? undefined : match[1]
    return response
  }
  return {
    get signedIn(): boolean {
      return cookie !== undefined
    },
    get: (path: string, headers: Record<string, string> = {}) => request(path, { headers }),
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      request(path, {
        method: 'POST',
        body: new URLSearchParams(form),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...headers },
      }),
  }
}

describe.each(BACKENDS)('people over HTTP (%s)', (backend) => {
  let server: DashboardServer
  let admin: ReturnType<typeof client>

  /** Creates an invite as the admin key's session and returns its one-time token. */
  async function inviteToken(email: string, role: string): Promise<string> {
    const response = await admin.post('/dashboard/manage/users/invite', { email, role })
    expect(response.status).toBe(201)
    const token = /\/dashboard\/invite\/([A-Za-z0-9_-]{43})/.exec(await response.text())?.[1]
    expect(token).toBeDefined()
    return token as string
  }

  /** A person who accepted an invite with a password (signed in afterwards). */
  async function personWithPassword(email: string, role: string, password = 'correct horse battery') {
    const token = await inviteToken(email, role)
    const person = client(server)
    const joined = await person.post(`/dashboard/invite/${token}/password`, { password, display_name: email })
    expect(joined.status).toBe(303)
    expect(joined.headers.get('location')).toBe('/dashboard')
    expect(person.signedIn).toBe(true)
    return { person, token }
  }

  beforeAll(async () => {
    server = await startDashboardServer(backend)
    admin = client(server)
    expect((await admin.post('/dashboard/login', { api_key: server.adminKey })).status).toBe(303)
  })
  afterAll(async () => {
    await server?.close()
  })

  it('accepts an invite once with a password, then signs in by email and password', async () => {
    const token = await inviteToken('Grace@Example.com', 'compliance')
    const person = client(server)
    const short = await person.post(`/dashboard/invite/${token}/password`, { password: 'short' })
    expect(short.status).toBe(422)
    expect(await short.text()).toContain('12 to 256 characters')
    const joined = await person.post(`/dashboard/invite/${token}/password`, {
      password: 'a long enough secret',
    })
    expect(joined.status).toBe(303)
    const overview = await person.get('/dashboard')
    expect(overview.status).toBe(200)
    expect(await overview.text()).toContain('(compliance)')
    // Used once: the same link now reads as invalid.
    const again = await client(server).post(`/dashboard/invite/${token}/password`, {
      password: 'another long secret',
    })
    expect(again.status).toBe(404)

    const fresh = client(server)
    const signedIn = await fresh.post('/dashboard/login/password', {
      email: 'grace@example.com',
      password: 'a long enough secret',
    })
    expect(signedIn.status).toBe(303)
    expect((await fresh.get('/dashboard')).status).toBe(200)
    // The password is stored as an scrypt hash, never as given.
    const { rows } = await server.server.database.query<{ password_hash: string }>(
      "select password_hash from people_users where email = 'grace@example.com'",
    )
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/)
  })

  it('throttles password guesses per account: a 429 after repeated failures, even for the right password', async () => {
    await personWithPassword('target@example.com', 'viewer', 'the right password!')
    const attacker = client(server)
    for (let attempt = 0; attempt < MAX_FAILURES; attempt++) {
      const wrong = await attacker.post('/dashboard/login/password', {
        email: 'target@example.com',
        password: `guess number ${attempt}`,
      })
      expect(wrong.status).toBe(401)
      expect(await wrong.text()).toContain('do not match an account')
    }
    const blocked = await attacker.post('/dashboard/login/password', {
      email: 'target@example.com',
      password: 'the right password!',
    })
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(attacker.signedIn).toBe(false)
    // An unknown email reads exactly like a wrong password.
    const unknown = await client(server).post('/dashboard/login/password', {
      email: 'nobody@example.com',
      password: 'whatever it is',
    })
    expect(unknown.status).toBe(401)
    expect(await unknown.text()).toContain('do not match an account')
  })

  it('checks roles on every route: a viewer reads but cannot decide or manage (403)', async () => {
    const { person: viewer } = await personWithPassword('viewer@example.com', 'viewer')
    const ingest = await server.createKey('ingest', 'agent')
    const created = await server.api(
      ingest.key,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals`,
      {
        action_type: 'wire_money',
      },
    )
    expect(created.status).toBe(201)
    const id = created.json.id as string

    const queue = await viewer.get('/dashboard/approvals')
    expect(queue.status).toBe(200)
    expect(await queue.text()).toContain('can see requests but not decide them')
    const decided = await viewer.post(
      `/dashboard/approvals/${id}/decide`,
      { decision: 'approve' },
      { accept: 'application/json' },
    )
    expect(decided.status).toBe(403)
    expect((await decided.json()).error.code).toBe('forbidden')
    for (const path of [
      '/dashboard/manage/users',
      '/dashboard/manage/keys',
      '/dashboard/manage/webhooks',
      '/dashboard/manage/gates',
    ]) {
      expect((await viewer.get(path)).status).toBe(403)
    }
    expect(
      (await viewer.post('/dashboard/manage/users/invite', { email: 'x@example.com', role: 'admin' })).status,
    ).toBe(403)
    const { rows } = await server.server.database.query(
      "select 1 from people_invites where email = 'x@example.com'",
    )
    expect(rows).toHaveLength(0)

    // An approver without a passkey decides unsigned, as themselves.
    const { person: approver } = await personWithPassword('approver@example.com', 'approver')
    const ok = await approver.post(
      `/dashboard/approvals/${id}/decide`,
      { decision: 'approve' },
      { accept: 'application/json' },
    )
    expect(ok.status).toBe(200)
    const row = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/approvals/${id}`,
    )
    expect(row.json).toMatchObject({ status: 'approved', decided_by: 'approver@example.com' })
    // No passkey, so no signature to show an auditor.
    const signature = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/approvals/${id}/signature`,
    )
    expect(signature.status).toBe(404)
  })

  it('refuses cross-site invite forms, and ends a removed member’s sessions', async () => {
    const evil = await admin.post(
      '/dashboard/manage/users/invite',
      { email: 'evil@example.com', role: 'admin' },
      { origin: 'https://evil.example' },
    )
    expect(evil.status).toBe(403)
    const { person } = await personWithPassword('leaver@example.com', 'approver')
    expect((await person.get('/dashboard')).status).toBe(200)
    const { rows } = await server.server.database.query<{ user_id: string }>(
      "select user_id from people_users where email = 'leaver@example.com'",
    )
    const removed = await admin.post(`/dashboard/manage/users/${rows[0]?.user_id}/remove`, {})
    expect(removed.status).toBe(200)
    expect(await removed.text()).toContain('The member was removed')
    const after = await person.get('/dashboard')
    expect(after.status).toBe(303)
    expect(after.headers.get('location')).toBe('/dashboard/login')
  })

  it('lets an existing person join a second workspace by invite (signed in as themselves) and switch between them', async () => {
    const { person } = await personWithPassword('roamer@example.com', 'viewer')
    const created = await server.api(server.adminKey, 'POST', '/workspaces', { name: 'second team' })
    expect(created.status).toBe(201)
    const otherAdmin = client(server)
    expect((await otherAdmin.post('/dashboard/login', { api_key: created.json.admin_key.key })).status).toBe(
      303,
    )
    const invited = await otherAdmin.post('/dashboard/manage/users/invite', {
      email: 'roamer@example.com',
      role: 'approver',
    })
    const token = /\/dashboard\/invite\/([A-Za-z0-9_-]{43})/.exec(await invited.text())?.[1] as string

    // Someone else cannot use it to get in as roamer: the email has an account, so a new one is refused.
    const stranger = await client(server).post(`/dashboard/invite/${token}/password`, {
      password: 'a long enough secret',
    })
    expect(stranger.status).toBe(409)
    // Roamer, signed in, sees "Join" and joins.
    const page = await person.get(`/dashboard/invite/${token}`)
    expect(await page.text()).toContain('id="join-workspace"')
    const joined = await person.post(`/dashboard/invite/${token}/join`, {})
    expect(joined.status).toBe(303)
    const overview = await (await person.get('/dashboard')).text()
    expect(overview).toContain('second team')
    expect(overview).toContain('(approver)')

    // The account page lists both workspaces; switching moves the session back.
    const account = await (await person.get('/dashboard/account')).text()
    expect(account).toContain('id="workspaces"')
    const back = await person.post('/dashboard/account/workspace', { workspace_id: server.workspaceId })
    expect(back.status).toBe(303)
    expect(await (await person.get('/dashboard')).text()).toContain('(viewer)')
    // Not a member: refused, and the session stays where it was.
    const nowhere = await person.post('/dashboard/account/workspace', { workspace_id: 'not-mine' })
    expect(nowhere.status).toBe(404)
    expect((await person.get('/dashboard')).status).toBe(200)
  })

  it('answers hostile input on every people and management route with a 4xx, never a 5xx', async () => {
    const token = await inviteToken('hostile@example.com', 'viewer')
    const jsonRoutes = [
      '/dashboard/login/passkey/options',
      '/dashboard/login/passkey',
      `/dashboard/invite/${token}/passkey/options`,
      `/dashboard/invite/${token}/passkey`,
      '/dashboard/invite/not-a-token/passkey',
    ]
    const bodies = [
      '',
      'null',
      '[]',
      '{',
      '{"challenge_id":"\\u0000","response":"{"}',
      '{"challenge_id":"00000000-0000-0000-0000-000000000000","response":{"id":5}}',
      '{"response":{"id":"a","rawId":"a","type":"public-key","response":{}}}',
      `{"display_name":"${'x'.repeat(5000)}"}`,
      '{"display_name":"\\ud800"}',
      `${'['.repeat(200)}${']'.repeat(200)}`,
    ]
    for (const path of jsonRoutes) {
      for (const body of bodies) {
        const response = await fetch(`${server.url}${path}`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', origin: server.url },
        })
        // Options routes read nothing but the invite (or nothing): they may answer 200.
        if (!path.endsWith('/options')) {
          expect(response.status, `${path} ${body.slice(0, 40)}`).toBeGreaterThanOrEqual(400)
        }
        expect(response.status, `${path} ${body.slice(0, 40)}`).toBeLessThan(500)
      }
    }
    const forms: Array<[string, Record<string, string>]> = [
      ['/dashboard/login/password', { email: 'a\u0000@example.com', password: 'x' }],
      ['/dashboard/login/password', { email: 'a@example.com', password: 'p'.repeat(10_000) }],
      [
        `/dashboard/invite/${token}/password`,
        { password: 'a long enough secret', display_name: 'nul\u0000name' },
      ],
      ['/dashboard/manage/users/invite', { email: 'nul\u0000@example.com', role: 'viewer' }],
      ['/dashboard/manage/users/invite', { email: 'ok@example.com', role: 'root' }],
      ['/dashboard/manage/users/no-such-user/role', { role: 'admin' }],
      ['/dashboard/manage/users/\u0000/remove', {}],
      ['/dashboard/manage/users/invites/nope/revoke', {}],
      ['/dashboard/manage/keys', { name: 'bad\u0000name', role: 'ingest' }],
      ['/dashboard/manage/keys', { name: 'ok', role: 'superuser' }],
      ['/dashboard/manage/keys/no-such-key/revoke', {}],
      ['/dashboard/manage/webhooks', { url: 'javascript:alert(1)' }],
      ['/dashboard/manage/webhooks/nope/test', {}],
      ['/dashboard/manage/gates', { framework: 'eu_ai_act', threshold_pct: 'abc' }],
      ['/dashboard/manage/gates', { framework: '\u0000', threshold_pct: '50' }],
      ['/dashboard/manage/gates/nope/delete', {}],
    ]
    for (const [path, form] of forms) {
      const response = await admin.post(path, form)
      expect(response.status, path).toBeGreaterThanOrEqual(400)
      expect(response.status, path).toBeLessThan(500)
    }
    // The auditor's route: unknown, malformed and unsigned ids.
    for (const id of ['nope', '%00', '..%2f..', 'x'.repeat(300)]) {
      const response = await server.api(
        server.adminKey,
        'GET',
        `/workspaces/${server.workspaceId}/governance/approvals/${id}/signature`,
      )
      expect(response.status, id).toBeGreaterThanOrEqual(400)
      expect(response.status, id).toBeLessThan(500)
    }
  })
})
