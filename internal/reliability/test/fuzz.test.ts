// Property-based fuzzing (fast-check) of every route the server's router serves, API and dashboard,
// with hostile bodies, path ids and query parameters, on PGlite and PostgreSQL. The routes are read
// from the router (support/routes.ts) and the query and field names from the server's source
// (support/source-names.ts), so a route added later is fuzzed without anyone listing it.
// Properties: no 5xx; every API 4xx is a JSON error; and the ledger grew only by records that a
// 2xx answer reported. Replay a failure with the seed and path fast-check prints (FUZZ_SEED /
// FUZZ_PATH), or run longer with FUZZ_RUNS.
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  hostileJson,
  hostileQueryValue,
  hostileSegment,
  hostileString,
  nestedJsonText,
} from './support/hostile'
import { BACKENDS, type ClientResponse } from './support/http'
import { BODY_TEMPLATES } from './support/route-bodies'
import { fillRoute, type ServedRoute, servedRoutes } from './support/routes'
import { FIELD_NAMES, QUERY_NAMES } from './support/source-names'

const RUNS = Number(process.env.FUZZ_RUNS ?? 60)
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
// Generous: a loaded CI machine answers a hostile request in tens of milliseconds.
const FUZZ_TIMEOUT_MS = 60_000 + RUNS * 1_000
const SWEEP_TIMEOUT_MS = 600_000

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
// Names every list route shares, in case a route reads one through a helper the source scan misses.
const QUERIES = [...new Set([...QUERY_NAMES, 'start', 'end', 'from', 'limit', 'cursor', 'name'])]

// The fixed sweep: each value goes to every route, in the place it is meant for.
const SWEEP_SEGMENTS = ['x%00', '%ED%A0%80', '%E0%A4%A', 'a'.repeat(3000), "'%20or%201=1", '9'.repeat(40)]
const SWEEP_QUERY_VALUES = [
  '0000-01-01',
  '99999-01-01',
  '2026-02-30',
  '-1',
  '1e400',
  'NaN',
  '9'.repeat(40),
  "'",
  '[]',
]
const SWEEP_FIELD_VALUES: unknown[] = [
  '0000-01-01',
  '99999-12-31T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  'a'.repeat(100_000),
  "'); drop table attestations; --",
  -1,
  1e308,
  2 ** 53 + 1,
  0.5,
  [],
  { a: { b: [] } },
  null,
  true,
]
const SWEEP_FORM_VALUES = [
  '\u0000',
  'x\u0000y',
  '0000-01-01',
  '99999-12-31',
  '-1',
  '9'.repeat(40),
  'a'.repeat(100_000),
  "'",
]

/** A body: the route's template with one field made hostile, a hostile JSON value, or raw text. */
const hostileBody = (template: (() => Record<string, unknown>) | undefined): fc.Arbitrary<string> => {
  const fields = template === undefined ? FIELD_NAMES : [...Object.keys(template()), ...FIELD_NAMES]
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom('_', ...fields), hostileString), hostileJson)
        .map(([field, value]) => JSON.stringify({ ...template?.(), [field]: value })),
    },
    { weight: 2, arbitrary: hostileJson.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 5000 }).map((depth) => nestedJsonText(depth)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  )
}

describe.each(BACKENDS)('fuzzing every route on %s', (backend) => {
  let server: TestServer
  let routes: ServedRoute[]
  let session: string
  const reported: string[] = []
  let webhookChanges = 0
  let leavesBefore = 0

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    // Streams never end on their own and sign-out would end the fuzzer's own session.
    routes = (await servedRoutes(server)).filter(
      (route) => !route.path.endsWith('/stream') && route.path !== '/dashboard/logout' && route.path !== '/',
    )
    session = await signIn()
    leavesBefore = await leafCount()
  })
  afterAll(async () => {
    await server?.close()
  })

  async function signIn(): Promise<string> {
    const response = await fetch(`${server.baseUrl}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: server.adminKey }).toString(),
    })
    const cookie = /mima_session=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1]
    if (response.status !== 303 || cookie === undefined) throw new Error('dashboard sign-in failed')
    return cookie
  }

  async function leafCount(): Promise<number> {
    const { rows } = await server.server.database.query<{ count: number }>(
      'select count(*)::int as count from ledger_leaves where workspace_id = $1',
      [server.workspaceId],
    )
    return Number(rows[0]?.count)
  }

  const isDashboard = (route: ServedRoute): boolean => route.path.startsWith('/dashboard')

  /** Sends to a route with `segment` for its ids: API routes with the admin key, dashboard ones signed in. */
  async function send(
    route: ServedRoute,
    options: { segment?: string; query?: string; body?: string; form?: boolean; type?: string } = {},
  ): Promise<ClientResponse> {
    const dashboard = isDashboard(route)
    const path = fillRoute(route.path, server.workspaceId, options.segment ?? 'fuzz')
    const url = `${server.baseUrl}${dashboard ? '' : '/api'}${path}${options.query ? `?${options.query}` : ''}`
    const body =
      options.body ?? (WRITE_METHODS.has(route.method) && route.method !== 'DELETE' ? '{}' : undefined)
    const response = await fetch(url, {
      method: route.method,
      redirect: 'manual',
      headers: {
        ...(dashboard
          ? { cookie: `mima_session=${session}`, origin: server.baseUrl }
          : { authorization: `Bearer ${server.adminKey}` }),
        ...(body === undefined
          ? {}
          : {
              'content-type':
                options.type ?? (options.form ? 'application/x-www-form-urlencoded' : 'application/json'),
            }),
      },
      ...(body === undefined ? {} : { body }),
    }).catch((error: Error) => {
      // Name the request: a reset says nothing about which of thousands of requests met it.
      const size = body === undefined ? 'no body' : `a ${body.length}-character body`
      throw new Error(`${route.method} ${path} with ${size}: ${error.message} (${String(error.cause)})`, {
        cause: error,
      })
    })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    // What a 2xx (or a dashboard form's redirect) acknowledged: the answer, where it redirects, and
    // the request itself (clients name some records, such as policy decisions, by their own ids).
    if (response.status >= 200 && response.status < 400) {
      reported.push(text, response.headers.get('location') ?? '', body ?? '')
      if (route.path.includes('webhooks') && route.method !== 'GET') webhookChanges += 1
    }
    const answer = { status: response.status, json, text, headers: response.headers }
    expectWellFormed(route, answer, `${route.method} ${url.slice(0, 300)} ${(body ?? '').slice(0, 200)}`)
    return answer
  }

  function expectWellFormed(route: ServedRoute, response: ClientResponse, label: string): void {
    const context = `${label} -> ${response.status} ${response.text.slice(0, 300)}`
    expect(response.status, context).toBeLessThan(500)
    // Dashboard pages answer bad input with an HTML page (a form shown again with its error).
    if (response.status >= 400 && !isDashboard(route)) {
      expect(typeof response.json?.error?.code, context).toBe('string')
      expect(typeof response.json?.error?.message, context).toBe('string')
      expect(response.json.error.message, `${context}: the route must exist`).not.toMatch(/^No route for/)
    }
  }

  const parameters = (runs: number): fc.Parameters<unknown> => ({
    numRuns: runs,
    ...(SEED === undefined ? {} : { seed: SEED }),
    ...(process.env.FUZZ_PATH === undefined ? {} : { path: process.env.FUZZ_PATH }),
  })

  it('reads the routes from the router, the newer features included', () => {
    const paths = routes.map((route) => `${route.method} ${route.path}`)
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /workspaces/:ws/scanner/ai-boms',
        'PUT /workspaces/:ws/budgets',
        'POST /workspaces/:ws/agents/heartbeat',
        'PUT /workspaces/:ws/mcp/servers/:name',
        'POST /workspaces/:ws/policies/:name/versions',
        'GET /workspaces/:ws/usage',
        'POST /dashboard/manage/users/invite',
        'POST /dashboard/invite/:token/password',
      ]),
    )
    // Every template names a route the router serves (a renamed route must not leave one stale).
    for (const key of Object.keys(BODY_TEMPLATES)) expect(paths, key).toContain(key)
  })

  it(
    'answers a fixed sweep of hostile ids, queries and bodies on every route with 2xx or a 4xx',
    async () => {
      for (const route of routes) {
        if (/\/:(?!ws\b)/.test(route.path)) {
          for (const segment of SWEEP_SEGMENTS) await send(route, { segment })
        }
        if (route.method === 'GET') {
          // Names in groups of eight, each with a rotating value; then every name at once with each value.
          for (let start = 0; start < QUERIES.length; start += 8) {
            const query = QUERIES.slice(start, start + 8)
              .map((name, index) => {
                const value = SWEEP_QUERY_VALUES[(start + index) % SWEEP_QUERY_VALUES.length] as string
                return `${name}=${encodeURIComponent(value)}`
              })
              .join('&')
            await send(route, { query })
          }
          for (const value of SWEEP_QUERY_VALUES) {
            await send(route, {
              query: QUERIES.map((name) => `${name}=${encodeURIComponent(value)}`).join('&'),
            })
          }
          continue
        }
        if (route.method === 'DELETE') continue
        if (isDashboard(route)) {
          await send(route, { body: 'name=x', form: true, type: 'multipart/form-data' })
          await send(route, { body: '--x\r\nbroken', form: true, type: 'multipart/form-data; boundary=x' })
          for (const value of SWEEP_FORM_VALUES) {
            const form = new URLSearchParams(FIELD_NAMES.map((name) => [name, value])).toString()
            await send(route, { body: form, form: true })
          }
          continue
        }
        const template = BODY_TEMPLATES[`${route.method} ${route.path}`]
        for (const body of ['[]', 'null', '"x"', '1', '{}', nestedJsonText(65)]) await send(route, { body })
        for (const value of SWEEP_FIELD_VALUES) {
          await send(route, {
            body: JSON.stringify(Object.fromEntries(FIELD_NAMES.map((name) => [name, value]))),
          })
          if (SWEEP_FIELD_VALUES.indexOf(value) % 2 === 1) continue
          for (const field of Object.keys(template?.() ?? {})) {
            await send(route, { body: JSON.stringify({ ...template?.(), [field]: value }) })
          }
        }
      }
    },
    SWEEP_TIMEOUT_MS,
  )

  it(
    'answers hostile bodies on every write route with 2xx or a 4xx',
    async () => {
      const writes = routes.filter((route) => route.method === 'POST' || route.method === 'PUT')
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...writes)
            .chain((route) =>
              fc.tuple(fc.constant(route), hostileBody(BODY_TEMPLATES[`${route.method} ${route.path}`])),
            ),
          async ([route, body]) => {
            if (!isDashboard(route)) {
              await send(route, { body })
              return
            }
            let form: string
            try {
              const parsed = JSON.parse(body) as unknown
              const entries: Array<[string, unknown]> =
                typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [['value', parsed]]
              form = new URLSearchParams(entries.map(([name, value]) => [name, String(value)])).toString()
            } catch {
              form = body
            }
            await send(route, { body: form, form: true })
          },
        ),
        parameters(RUNS * 3) as fc.Parameters<[[ServedRoute, string]]>,
      )
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'answers hostile path ids on every route with an id with a 4xx',
    async () => {
      const withIds = routes.filter((route) => /\/:(?!ws\b)/.test(route.path))
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...withIds), hostileSegment, async (route, segment) => {
          await send(route, { segment })
        }),
        parameters(RUNS) as fc.Parameters<[ServedRoute, string]>,
      )
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'answers hostile query parameters on every read route with 2xx or a 4xx',
    async () => {
      const reads = routes.filter((route) => route.method === 'GET')
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...reads),
          fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERIES), hostileSegment), hostileQueryValue), {
            minLength: 1,
            maxLength: 3,
          }),
          async (route, pairs) => {
            await send(route, { query: pairs.map(([name, value]) => `${name}=${value}`).join('&') })
          },
        ),
        parameters(RUNS * 2) as fc.Parameters<[ServedRoute, Array<[string, string]>]>,
      )
    },
    FUZZ_TIMEOUT_MS,
  )

  it('grew the ledger only by records that a 2xx answer reported', async () => {
    const { rows: all } = await server.server.database.query<{ record_id: string; kind: string }>(
      'select record_id, kind from ledger_leaves where workspace_id = $1 and leaf_index >= $2',
      [server.workspaceId, leavesBefore],
    )
    // A webhook change's leaf has an id of its own that no answer carries: count those instead.
    const webhookLeaves = all.filter((row) => row.kind === 'webhook_event')
    expect(webhookLeaves.length).toBeLessThanOrEqual(webhookChanges)
    const rows = all.filter((row) => row.kind !== 'webhook_event')
    // A framework validation's leaf is keyed `framework@validated_at` (grc-store); its answer carries
    // the two fields apart, so name the key the way the ledger does.
    const validationKeys = reported.flatMap((text) => {
      try {
        const body = JSON.parse(text) as { framework?: unknown; validated_at?: unknown }
        return typeof body.framework === 'string' && typeof body.validated_at === 'string'
          ? [`${body.framework}@${body.validated_at}`]
          : []
      } catch {
        return []
      }
    })
    const answers = [...reported, ...validationKeys].join('\n')
    expect(rows.filter((row) => !answers.includes(row.record_id))).toEqual([])
  })
})
