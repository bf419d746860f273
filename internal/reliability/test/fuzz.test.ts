// Property-based fuzzing (fast-check) of every API route with hostile bodies, path ids and query
// parameters, on PGlite and PostgreSQL. Properties: no 5xx; every 4xx is a JSON error; and the
// ledger grew only by records that a 2xx answer reported. Replay a failure with the seed and path
// fast-check prints (FUZZ_SEED / FUZZ_PATH), or run longer with FUZZ_RUNS.
import { randomUUID } from 'node:crypto'
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

const RUNS = Number(process.env.FUZZ_RUNS ?? 60)
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const HASH = 'c'.repeat(64)
// Generous: a loaded CI machine answers a hostile request in tens of milliseconds.
const FUZZ_TIMEOUT_MS = 60_000 + RUNS * 1_000

interface BodyRoute {
  method: 'POST' | 'PUT'
  path: string
  template: () => Record<string, unknown>
}

const BODY_ROUTES: BodyRoute[] = [
  {
    method: 'POST',
    path: '/governance/attestations/external',
    template: () => ({
      system_name: 'fuzz',
      tool_name: 'tool',
      input_hash: HASH,
      output_hash: HASH,
      executed_at: '2026-01-01T00:00:00Z',
      idempotency_key: randomUUID(),
    }),
  },
  {
    method: 'POST',
    path: '/governance/attestations/batch',
    template: () => ({
      records: [{ system_name: 'fuzz', tool_name: 'tool', input_hash: HASH, output_hash: HASH }],
    }),
  },
  {
    method: 'POST',
    path: '/governance/grc/evidence',
    template: () => ({
      record_type: 'incident',
      system_name: 'fuzz',
      payload: { summary: 'x', severity: 'low' },
    }),
  },
  { method: 'POST', path: '/guard/events', template: () => ({ events: [{ call: 'openai.chat', ts: 1 }] }) },
  {
    method: 'POST',
    path: '/governance/approvals',
    template: () => ({ action_type: 'fuzz', context: { n: 1 }, description: 'd', timeout_seconds: 60 }),
  },
  {
    method: 'POST',
    path: '/governance/approvals/redeem',
    template: () => ({ token: 'mat1.a.b', tool_name: 't' }),
  },
  { method: 'POST', path: '/keys', template: () => ({ name: 'fuzz', role: 'ingest' }) },
  {
    method: 'POST',
    path: '/governance/webhooks',
    template: () => ({ url: 'https://example.com/h', events: [] }),
  },
  {
    method: 'PUT',
    path: '/governance/grc/gates',
    template: () => ({ name: 'g', framework: 'eu_ai_act', min_score: 50 }),
  },
  {
    method: 'POST',
    path: '/governance/grc/derive-controls',
    template: () => ({ action_description: 'send email' }),
  },
  { method: 'POST', path: '/governance/grc/frameworks/eu_ai_act/validate', template: () => ({}) },
  { method: 'PUT', path: '/governance/grc/signing-key', template: () => ({ public_key: 'ab'.repeat(32) }) },
  {
    method: 'PUT',
    path: '/mcp/servers/fuzz',
    template: () => ({
      agent_name: 'fuzz-agent',
      tools: [
        {
          name: 'tool',
          definition_sha256: HASH,
          risk: 'high',
          requires_approval: true,
          visible: true,
          flags: [],
        },
      ],
    }),
  },
]

const ID_ROUTES: Array<[string, string]> = [
  ['GET', '/governance/approvals/{id}'],
  ['POST', '/governance/approvals/{id}/decide'],
  ['POST', '/governance/approvals/{id}/cancel'],
  ['GET', '/governance/attestations/{id}'],
  ['GET', '/governance/grc/evidence/{id}'],
  ['DELETE', '/keys/{id}'],
  ['DELETE', '/governance/grc/gates/{id}'],
  ['DELETE', '/governance/webhooks/{id}'],
  ['POST', '/governance/webhooks/{id}/test'],
  ['GET', '/governance/webhooks/{id}/deliveries'],
  ['GET', '/ledger/leaves/{id}'],
  ['GET', '/governance/grc/controls/{id}'],
  ['POST', '/governance/grc/frameworks/{id}/validate'],
  ['GET', '/mcp/servers/{id}'],
  ['PUT', '/mcp/servers/{id}'],
]

const QUERY_ROUTES: Array<[string, string[]]> = [
  [
    '/governance/attestations',
    ['system_name', 'tool_name', 'trust_tier', 'model', 'since', 'until', 'cursor', 'limit'],
  ],
  ['/governance/grc/evidence', ['record_type', 'system_name', 'source', 'since', 'until', 'cursor', 'limit']],
  ['/governance/grc/evidence/summary', ['since', 'until', 'system_name']],
  ['/governance/approvals', ['status', 'limit', 'cursor']],
  ['/ledger/proofs/inclusion', ['record_id', 'leaf_index', 'tree_size']],
  ['/ledger/proofs/consistency', ['first', 'second']],
  ['/ledger/tree-head', ['tree_size']],
  ['/ledger/leaves', ['from', 'limit', 'start', 'end']],
  ['/ledger/leaf-hashes', ['from', 'limit', 'start', 'end']],
  ['/guard/unattested', ['since', 'limit']],
  ['/governance/grc/readiness', ['framework', 'system_name']],
  ['/governance/grc/gates/check', ['framework', 'system_name']],
  ['/governance/grc/posture-brief', ['system_name']],
  ['/governance/audit-pack', ['since', 'until', 'system_name', 'framework']],
  ['/mcp/calls', ['server', 'limit']],
]

/** A body: the route's template with one field made hostile, a hostile JSON value, or raw text. */
const hostileBody = (route: BodyRoute): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom('_', ...Object.keys(route.template())), hostileString), hostileJson)
        .map(([field, value]) => JSON.stringify({ ...route.template(), [field]: value })),
    },
    { weight: 2, arbitrary: hostileJson.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 5000 }).map((depth) => nestedJsonText(depth)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  )

describe.each(BACKENDS)('fuzzing every route on %s', (backend) => {
  let server: TestServer
  let base: string
  const reported: string[] = []
  let leavesBefore = 0

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    base = `${server.baseUrl}/api/workspaces/${server.workspaceId}`
    leavesBefore = await leafCount()
  })
  afterAll(async () => {
    await server?.close()
  })

  async function leafCount(): Promise<number> {
    const { rows } = await server.server.database.query<{ count: number }>(
      'select count(*)::int as count from ledger_leaves where workspace_id = $1',
      [server.workspaceId],
    )
    return Number(rows[0]?.count)
  }

  async function send(method: string, url: string, body?: string): Promise<ClientResponse> {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${server.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    if (response.status >= 200 && response.status < 300) reported.push(text)
    return { status: response.status, json, text, headers: response.headers }
  }

  function expectWellFormed(response: ClientResponse, label: string): void {
    const context = `${label} -> ${response.status} ${response.text.slice(0, 300)}`
    expect(response.status, context).toBeLessThan(500)
    if (response.status >= 400) {
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

  it(
    'answers hostile bodies on every write route with 2xx or a JSON 4xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...BODY_ROUTES).chain((route) => fc.tuple(fc.constant(route), hostileBody(route))),
          async ([route, body]) => {
            expectWellFormed(
              await send(route.method, `${base}${route.path}`, body),
              `${route.method} ${route.path} ${body.slice(0, 200)}`,
            )
          },
        ),
        parameters(RUNS * 2) as fc.Parameters<[[BodyRoute, string]]>,
      )
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'answers hostile path ids with a JSON 4xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ID_ROUTES),
          hostileSegment,
          async ([method, template], segment) => {
            const url = `${base}${template.replace('{id}', segment)}`
            expectWellFormed(
              await send(method, url, method === 'POST' ? '{}' : undefined),
              `${method} ${url}`,
            )
          },
        ),
        parameters(RUNS) as fc.Parameters<[[string, string], string]>,
      )
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'answers hostile query parameters with 2xx or a JSON 4xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...QUERY_ROUTES).chain(([path, names]) =>
            fc.tuple(
              fc.constant(path),
              fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names), hostileSegment), hostileQueryValue), {
                minLength: 1,
                maxLength: 3,
              }),
            ),
          ),
          async ([path, pairs]) => {
            const query = pairs.map(([name, value]) => `${name}=${value}`).join('&')
            expectWellFormed(await send('GET', `${base}${path}?${query}`), `GET ${path}?${query}`)
          },
        ),
        parameters(RUNS) as fc.Parameters<[[string, Array<[string, string]>]]>,
      )
    },
    FUZZ_TIMEOUT_MS,
  )

  it('grew the ledger only by records that a 2xx answer reported', async () => {
    const { rows } = await server.server.database.query<{ record_id: string }>(
      'select record_id from ledger_leaves where workspace_id = $1 and leaf_index >= $2',
      [server.workspaceId, leavesBefore],
    )
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
    for (const row of rows) expect(answers, `leaf for ${row.record_id}`).toContain(row.record_id)
  })
})
