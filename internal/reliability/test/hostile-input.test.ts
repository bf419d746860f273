// Defect class 1 of issue #13: hostile input answered 500. Each case here answered 500 before the
// boundary layer (packages/server/src/http/input-guard.ts); each must now be a 4xx JSON error that
// changes nothing.
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type ClientResponse, client } from './support/http'
import { servedRoutes } from './support/routes'

type Client = ReturnType<typeof client>

function expectJson4xx(response: ClientResponse, label: string): void {
  // A route miss would pass vacuously: every case here targets a real route.
  expect(response.json?.error?.message ?? '', `${label}: route exists`).not.toMatch(/^No route for/)
  expect(response.status, `${label}: ${response.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
  expect(response.status, `${label}: ${response.text.slice(0, 200)}`).toBeLessThan(500)
  expect(typeof response.json?.error?.code, `${label}: JSON error body`).toBe('string')
  expect(typeof response.json?.error?.message, `${label}: JSON error body`).toBe('string')
}

const NUL = '\u0000'
const LONE = '\ud800'

/** JSON text nested `depth` objects deep (as text: JSON.stringify itself overflows at this depth). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}"deep"${'}'.repeat(depth)}`
}

describe.each(BACKENDS)('hostile input on %s answers 4xx JSON, never 5xx', (backend) => {
  let server: TestServer
  let admin: Client
  let agent: Client
  let ws: string
  let base: string

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    ws = server.workspaceId
    base = `/api/workspaces/${ws}`
    admin = client(server.baseUrl, server.adminKey)
    agent = client(server.baseUrl, await server.createKey('ingest', 'agent'))
  })
  afterAll(async () => {
    await server?.close()
  })

  async function leafCount(): Promise<number> {
    const head = await admin.get(`${base}/ledger/tree-head`)
    return Number(head.json.tree_size ?? head.json.size ?? 0)
  }

  it('refuses NUL and lone surrogates in every body that reaches the database', async () => {
    const before = await leafCount()
    const attestation = {
      tool_name: 't',
      system_name: 's',
      input_hash: 'a'.repeat(64),
      output_hash: 'b'.repeat(64),
    }
    const cases: Array<[string, string, unknown]> = [
      [
        'attestation known field',
        `${base}/governance/attestations/external`,
        { ...attestation, tool_name: `x${NUL}` },
      ],
      [
        'attestation unknown field',
        `${base}/governance/attestations/external`,
        { ...attestation, extra: `x${NUL}` },
      ],
      ['attestation key', `${base}/governance/attestations/external`, { ...attestation, [`k${NUL}`]: 1 }],
      [
        'attestation surrogate',
        `${base}/governance/attestations/external`,
        { ...attestation, extra: `x${LONE}` },
      ],
      ['batch', `${base}/governance/attestations/batch`, { records: [{ ...attestation, system_name: NUL }] }],
      [
        'evidence field',
        `${base}/governance/grc/evidence`,
        { record_type: 'incident', system_name: `s${NUL}`, payload: { summary: 'x' } },
      ],
      [
        'evidence payload',
        `${base}/governance/grc/evidence`,
        { record_type: 'incident', system_name: 's', payload: { summary: `x${NUL}` } },
      ],
      ['approval action_type', `${base}/governance/approvals`, { action_type: `a${NUL}`, context: {} }],
      ['approval context', `${base}/governance/approvals`, { action_type: 'a', context: { v: NUL } }],
      [
        'approval description',
        `${base}/governance/approvals`,
        { action_type: 'a', context: {}, description: NUL },
      ],
      ['key name', `${base}/keys`, { name: `k${NUL}`, role: 'ingest' }],
      ['key name surrogate', `${base}/keys`, { name: `k${LONE}`, role: 'ingest' }],
      ['workspace name', '/api/workspaces', { name: `w${NUL}` }],
      ['guard event', `${base}/guard/events`, { events: [{ call: `openai${NUL}`, ts: 1 }] }],
      ['guard event surrogate', `${base}/guard/events`, { events: [{ call: 'openai', extra: LONE }] }],
      ['derive-controls', `${base}/governance/grc/derive-controls`, { action_description: `d${NUL}` }],
    ]
    for (const [label, path, body] of cases) {
      const caller = label.startsWith('key') || label.startsWith('workspace') ? admin : agent
      expectJson4xx(await caller.post(path, body), label)
    }
    expect(await leafCount()).toBe(before)
    // A kill whose body cannot be stored is refused, not carried out with the body ignored.
    for (const body of [{ reason: `x${NUL}` }, '{"reason":']) {
      expectJson4xx(await admin.post(`${base}/agents/hostile-agent/kill`, body), 'agent kill reason')
    }
    const killed = await admin.get(`${base}/agents/killed`)
    expect(killed.json.agents.map((row: { agent_name: string }) => row.agent_name)).not.toContain(
      'hostile-agent',
    )
  })

  it('refuses %00 and malformed escapes in path ids and query filters', async () => {
    const id = '0190a5b8-1c2d-7e3f-8a4b-5c6d7e8f9a0b%00'
    const cases: Array<[string, string, string]> = [
      ['GET', `${base}/governance/approvals/${id}`, 'approval get'],
      ['POST', `${base}/governance/approvals/${id}/decide`, 'approval decide'],
      ['POST', `${base}/governance/approvals/${id}/cancel`, 'approval cancel'],
      ['GET', `${base}/governance/attestations/${id}`, 'attestation'],
      ['GET', `${base}/governance/grc/evidence/${id}`, 'evidence'],
      ['DELETE', `${base}/keys/${id}`, 'key delete'],
      ['DELETE', `${base}/governance/grc/gates/${id}`, 'gate delete'],
      ['DELETE', `${base}/governance/webhooks/${id}`, 'webhook delete'],
      ['POST', `${base}/governance/webhooks/${id}/test`, 'webhook test'],
      ['GET', `${base}/governance/webhooks/${id}/deliveries`, 'webhook deliveries'],
      ['GET', `${base}/governance/attestations/%ED%A0%80`, 'encoded surrogate in path'],
      ['GET', `${base}/governance/attestations/%E0%A4%A`, 'truncated escape in path'],
      ['GET', `${base}/governance/attestations?system_name=a%00`, 'system_name'],
      ['GET', `${base}/governance/attestations?tool_name=%00`, 'tool_name'],
      ['GET', `${base}/governance/attestations?trust_tier=verified%00`, 'trust_tier'],
      ['GET', `${base}/governance/grc/evidence?source=%00x`, 'source'],
      ['GET', `${base}/ledger/proofs/inclusion?record_id=%00`, 'record_id'],
      ['GET', `${base}/governance/attestations?system_name=%ED%A0%80`, 'encoded surrogate in query'],
    ]
    for (const [method, path, label] of cases) {
      expectJson4xx(await admin.call(method, path, method === 'POST' ? {} : undefined), label)
    }
  })

  it('refuses out-of-range dates and cursors that encode impossible dates', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const cases: Array<[string, string]> = [
      [`${base}/governance/attestations?since=0000-01-01`, 'attestations since'],
      [`${base}/governance/attestations?until=99999-01-01`, 'attestations until'],
      [`${base}/governance/grc/evidence?since=0000-01-01`, 'evidence since'],
      [`${base}/governance/grc/evidence/summary?since=0000-01-01`, 'evidence summary since'],
      [`${base}/governance/grc/evidence?since=2026-02-30`, 'impossible calendar date'],
      [
        `${base}/governance/approvals?status=all&cursor=${cursor(['0000-01-01T00:00:00.000Z', 'x'])}`,
        'cursor year 0',
      ],
      [
        `${base}/governance/approvals?status=all&cursor=${cursor(['+275760-09-13T00:00:00.000Z', 'x'])}`,
        'cursor far',
      ],
      [
        `${base}/governance/approvals?status=all&cursor=${cursor(['2026-01-01T00:00:00Z', 'x\u0000'])}`,
        'cursor NUL id',
      ],
    ]
    for (const [path, label] of cases) expectJson4xx(await admin.get(path), label)
    const executed = await agent.post(`${base}/governance/attestations/external`, {
      tool_name: 't',
      system_name: 's',
      input_hash: 'a'.repeat(64),
      output_hash: 'b'.repeat(64),
      executed_at: '0000-01-01T00:00:00Z',
    })
    expectJson4xx(executed, 'executed_at year 0')
  })

  it('refuses bodies nested thousands of levels deep', async () => {
    const approval = await agent.post(
      `${base}/governance/approvals`,
      `{"action_type":"a","context":${nested(4500)}}`,
    )
    expectJson4xx(approval, 'approval context 4500 deep')
    expect(approval.json.error.message).toMatch(/nested too deeply/)
    expectJson4xx(
      await agent.post(`${base}/guard/events`, `{"events":[{"call":"openai","extra":${nested(4500)}}]}`),
      'guard event 4500 deep',
    )
    expectJson4xx(
      await admin.post(`${base}/governance/webhooks`, `{"url":"https://example.com","x":${nested(200)}}`),
      'webhook',
    )
    expectJson4xx(
      await agent.post(
        `${base}/governance/attestations/external`,
        `{"tool_name":"t","x":${nested(100_000)}}`,
      ),
      'attestation 100000 deep',
    )
  })

  it('refuses malformed and NUL-bearing form posts on every dashboard form route', async () => {
    // Dashboard forms are parsed by the framework, not by readJson: the boundary checks them too.
    const signIn = await fetch(`${server.baseUrl}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: server.adminKey }).toString(),
    })
    const cookie = /mima_session=([^;]*)/.exec(signIn.headers.get('set-cookie') ?? '')?.[1]
    expect(cookie).toBeTruthy()
    const forms = (await servedRoutes(server)).filter(
      (route) =>
        route.method === 'POST' && route.path.startsWith('/dashboard') && route.path !== '/dashboard/logout',
    )
    expect(forms.length).toBeGreaterThan(10)
    const before = await leafCount()
    const bodies: Array<[string, string, string]> = [
      ['multipart without a boundary', 'multipart/form-data', 'name=x'],
      [
        'truncated multipart',
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--',
      ],
      [
        'NUL in a field',
        'application/x-www-form-urlencoded',
        'name=a%00b&email=a%00%40example.com&api_key=%00',
      ],
      ['NUL in a field name', 'application/x-www-form-urlencoded', 'na%00me=x'],
    ]
    for (const route of forms) {
      const path = route.path.replace(/:[A-Za-z_]+/g, '0190a5b8-1c2d-7e3f-8a4b-5c6d7e8f9a0b')
      for (const [label, type, body] of bodies) {
        const response = await fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { origin: server.baseUrl, cookie: `mima_session=${cookie}`, 'content-type': type },
          body,
        })
        const text = await response.text()
        expect(response.status, `${path} ${label}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
        expect(response.status, `${path} ${label}: ${text.slice(0, 200)}`).toBeLessThan(500)
      }
    }
    expect(await leafCount()).toBe(before)
  })
})
