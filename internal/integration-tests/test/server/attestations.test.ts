import { ed25519Sign, hashValue, signAttestation } from '@mima/core'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './helpers'

const SEED = Uint8Array.from({ length: 32 }, (_, index) => index)

function payload(overrides: Record<string, unknown> = {}) {
  return {
    system_name: 'billing-agent',
    agent_name: 'billing-agent',
    tool_name: 'refund',
    input_hash: 'a'.repeat(64),
    output_hash: 'b'.repeat(64),
    schema_version: 2,
    model_id: 'gpt-test',
    executed_at: '2026-06-20T12:00:00.123456+00:00',
    ...overrides,
  }
}

describe.each(BACKENDS)('attestations on %s', (backend) => {
  let server: TestServer
  let ingest: ReturnType<typeof client>
  let base: string
  const treeSize = async () =>
    (await ingest.get(`/api/workspaces/${server.workspaceId}/ledger/tree-head`)).json.tree_size as number

  beforeAll(async () => {
    server = await startTestServer({
      database: backend,
      limits: { bodyLimitBytes: 64 * 1024, maxBatchRecords: 50 },
    })
    ingest = client(server.baseUrl, await server.createKey('ingest'))
    base = `/api/workspaces/${server.workspaceId}/governance/attestations`
  })
  afterAll(async () => {
    await server?.close()
  })

  it('stores an unsigned attestation as declared, with the fields the Python SDK reads', async () => {
    const response = await ingest.post(`${base}/external`, payload())
    expect(response.status).toBe(201)
    expect(response.json).toMatchObject({ external_verified: false, trust_tier: 'declared' })
    expect(response.json.attestation_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(typeof response.json.detail).toBe('string')
    const stored = await ingest.get(`${base}/${response.json.attestation_id}`)
    expect(stored.json).toMatchObject({
      tool_name: 'refund',
      trust_tier: 'declared',
      leaf_index: response.json.leaf_index,
    })
  })

  it('verifies v2 whole-record signatures and the Python legacy message', async () => {
    const v2 = await ingest.post(`${base}/external`, signAttestation(payload() as never, SEED))
    expect(v2.status).toBe(201)
    expect(v2.json).toMatchObject({ trust_tier: 'verified', external_verified: true })

    // reference §1.7 vector: Ed25519 over "a"*64 + ":" + "b"*64 + ":2026-06-20T12:00:00+00:00"
    const legacy = await ingest.post(
      `${base}/external`,
      payload({
        executed_at: '2026-06-20T12:00:00+00:00',
        verifying_key_hex: '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
        witness_sig:
          '4489e715273c337b3e281c71c92996eb953882d8bb4fc4df3f15ed2632b3af4dd78182da6130e7abd07a455d68938650166331c84011474e8499433bbe89620b',
      }),
    )
    expect(legacy.status).toBe(201)
    expect(legacy.json.trust_tier).toBe('verified')
    expect(legacy.json.detail).toContain('legacy')
  })

  it('rejects an invalid signature with 422 and stores nothing', async () => {
    const before = await treeSize()
    const listed = (await ingest.get(`${base}?limit=1000`)).json.attestations.length
    const signed = signAttestation(payload() as never, SEED)
    const tampered = { ...signed, tool_name: 'delete_all' }
    const forged = payload({
      witness_sig: Buffer.from(ed25519Sign(new TextEncoder().encode('other'), SEED)).toString('hex'),
      verifying_key_hex: signed.verifying_key_hex,
    })
    for (const record of [tampered, forged]) {
      const response = await ingest.post(`${base}/external`, record)
      expect(response.status).toBe(422)
      expect(response.json.error.code).toBe('signature_invalid')
      expect(response.json.detail).toContain('signature')
    }
    expect(await treeSize()).toBe(before)
    expect((await ingest.get(`${base}?limit=1000`)).json.attestations.length).toBe(listed)
  })

  it('answers a repeated idempotency key with the first response and stores once', async () => {
    const before = await treeSize()
    const first = await ingest.post(`${base}/external`, payload(), { 'idempotency-key': 'retry-1' })
    const second = await ingest.post(`${base}/external`, payload(), { 'idempotency-key': 'retry-1' })
    expect(second.status).toBe(first.status)
    expect(second.json).toEqual(first.json)
    const third = await ingest.post(`${base}/external`, payload({ idempotency_key: 'body-key' }))
    const fourth = await ingest.post(`${base}/external`, payload({ idempotency_key: 'body-key' }))
    expect(fourth.json.attestation_id).toBe(third.json.attestation_id)
    expect(await treeSize()).toBe(before + 2)
    const conflict = await ingest.post(`${base}/external`, payload({ tool_name: 'other' }), {
      'idempotency-key': 'retry-1',
    })
    expect(conflict.status).toBe(409)
    expect(conflict.json.error.code).toBe('conflict')
    expect(await treeSize()).toBe(before + 2)
  })

  it('stores concurrent pushes with one key exactly once', async () => {
    const before = await treeSize()
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        ingest.post(`${base}/external`, payload({ idempotency_key: 'race-1' })),
      ),
    )
    expect(new Set(responses.map((response) => response.json.attestation_id)).size).toBe(1)
    expect(await treeSize()).toBe(before + 1)
  })

  it('accepts a batch with per-record results and rejects bad records alone', async () => {
    const before = await treeSize()
    const records = [
      payload({ tool_name: 'batch-1' }),
      payload({ tool_name: 42 }),
      signAttestation(payload({ tool_name: 'batch-3' }) as never, SEED),
      { ...signAttestation(payload() as never, SEED), model_id: 'swapped' },
      payload({ input_hash: 'XYZ' }),
    ]
    const response = await ingest.post(`${base}/batch`, { records })
    expect(response.status).toBe(200)
    expect(response.json).toMatchObject({ accepted: 2, rejected: 3, duplicates: 0 })
    expect(response.json.results.map((result: { status: string }) => result.status)).toEqual([
      'accepted',
      'rejected',
      'accepted',
      'rejected',
      'rejected',
    ])
    expect(response.json.results[1]).toMatchObject({ code: 'validation_failed', field: 'tool_name' })
    expect(response.json.results[3]).toMatchObject({ code: 'signature_invalid' })
    expect(response.json.results[2]).toMatchObject({ trust_tier: 'verified' })
    expect(typeof response.json.results[4].reason).toBe('string')
    expect(await treeSize()).toBe(before + 2)
  })

  it('replays a batch by Idempotency-Key and de-duplicates records by their own keys', async () => {
    const body = { records: [payload({ tool_name: 'ib-1' }), payload({ tool_name: 'ib-2' })] }
    const before = await treeSize()
    const first = await ingest.post(`${base}/batch`, body, { 'idempotency-key': 'batch-key-1' })
    const again = await ingest.post(`${base}/batch`, body, { 'idempotency-key': 'batch-key-1' })
    expect(again.json).toEqual(first.json)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    const keyed = {
      records: [
        payload({ idempotency_key: 'k-1' }),
        payload({ idempotency_key: 'k-1' }),
        payload({ idempotency_key: 'k-2' }),
      ],
    }
    const withKeys = await ingest.post(`${base}/batch`, keyed)
    expect(withKeys.json).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0 })
    expect(withKeys.json.results[1].attestation_id).toBe(withKeys.json.results[0].attestation_id)
    expect(await treeSize()).toBe(before + 4)
  })

  it('refuses whole bad requests with 4xx JSON and writes nothing', async () => {
    const before = await treeSize()
    const cases: Array<{ path: string; body: unknown; status: number; code: string }> = [
      { path: '/external', body: '{"system_name": ', status: 400, code: 'bad_request' },
      { path: '/external', body: '[1,2]', status: 400, code: 'bad_request' },
      { path: '/external', body: '', status: 400, code: 'bad_request' },
      { path: '/external', body: payload({ system_name: ['x'] }), status: 422, code: 'validation_failed' },
      {
        path: '/external',
        body: payload({ executed_at: 'yesterday' }),
        status: 422,
        code: 'validation_failed',
      },
      { path: '/external', body: payload({ authorised_by: 'bob' }), status: 422, code: 'validation_failed' },
      {
        path: '/external',
        body: payload({ tool_name: 'x'.repeat(70 * 1024) }),
        status: 413,
        code: 'payload_too_large',
      },
      {
        path: '/external',
        body: `${JSON.stringify(payload()).slice(0, -1)},"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
        status: 422,
        code: 'validation_failed',
      },
      { path: '/batch', body: { records: 'nope' }, status: 422, code: 'validation_failed' },
      {
        path: '/batch',
        body: { records: Array.from({ length: 51 }, () => payload()) },
        status: 422,
        code: 'validation_failed',
      },
    ]
    for (const { path, body, status, code } of cases) {
      const response = await ingest.post(`${base}${path}`, body)
      expect(response.status, `${path} ${JSON.stringify(body).slice(0, 60)}`).toBe(status)
      expect(response.json.error.code).toBe(code)
      expect(response.json.error.request_id).toMatch(/^req_/)
      expect(response.json.detail).toBe(response.json.error.message)
    }
    expect(await treeSize()).toBe(before)
  })

  it('lists attestations newest first with filters and cursor pagination', async () => {
    const system = `pager-${backend}`
    for (let index = 0; index < 7; index += 1) {
      expect(
        (await ingest.post(`${base}/external`, payload({ system_name: system, tool_name: `t${index % 2}` })))
          .status,
      ).toBe(201)
    }
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await ingest.get(
        `${base}?system_name=${system}&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
      )
      expect(page.status).toBe(200)
      expect(page.json.attestations.length).toBeLessThanOrEqual(3)
      seen.push(
        ...page.json.attestations.map(
          (item: { tool_name: string; attestation_id: string }) => item.attestation_id,
        ),
      )
      cursor = page.json.next_cursor
    } while (cursor !== null)
    expect(seen.length).toBe(7)
    expect([...seen].sort().reverse()).toEqual(seen)
    const filtered = await ingest.get(`${base}?system_name=${system}&tool_name=t1`)
    expect(filtered.json.attestations).toHaveLength(3)
    expect(
      (await ingest.get(`${base}?trust_tier=verified&limit=1000`)).json.attestations.every(
        (a: { trust_tier: string }) => a.trust_tier === 'verified',
      ),
    ).toBe(true)
    expect(
      (await ingest.get(`${base}?since=2000-01-01&system_name=${system}`)).json.attestations,
    ).toHaveLength(7)
    expect(
      (await ingest.get(`${base}?until=2000-01-01&system_name=${system}`)).json.attestations,
    ).toHaveLength(0)
    expect((await ingest.get(`${base}?cursor=garbage`)).status).toBe(422)
    expect((await ingest.get(`${base}?limit=-1`)).status).toBe(422)
    expect((await ingest.get(`${base}?since=notadate`)).status).toBe(422)
  })

  it('commits to the exact record in its ledger leaf', async () => {
    const record = payload({ tool_name: 'leaf-check' })
    const response = await ingest.post(`${base}/external`, record)
    const leaf = await ingest.get(
      `/api/workspaces/${server.workspaceId}/ledger/leaves/${response.json.leaf_index}`,
    )
    expect(leaf.status).toBe(200)
    const data = JSON.parse(leaf.json.leaf_data)
    expect(data).toMatchObject({
      kind: 'attestation',
      record_id: response.json.attestation_id,
      record_hash: hashValue(record),
    })
  })
})
