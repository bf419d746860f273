import { createHmac } from 'node:crypto'
import { bytesToHex, hashValue, leafHash, ledgerLeafData, signGrcRecord } from '@mima/core'
import { countUnattestedCalls } from '@mima/server'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './helpers'

const oversight = {
  record_type: 'human_oversight',
  payload: {
    decision_id: 'live-test-controls-001',
    ai_recommendation: 'approve',
    human_decision: 'approve',
    reviewer: 'live-test',
    override: false,
  },
  system_name: 'sdk-live-test',
  identity: 'live-test',
  resource: 'live-test-controls-001',
  occurred_at: '2026-06-20T12:00:00+00:00',
}

describe.each(BACKENDS)('GRC evidence and guard events on %s', (backend) => {
  let server: TestServer
  let ingest: ReturnType<typeof client>
  let ws: string
  const treeSize = async () =>
    (await ingest.get(`/api/workspaces/${ws}/ledger/tree-head`)).json.tree_size as number

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    ws = server.workspaceId
    ingest = client(server.baseUrl, await server.createKey('ingest'), 'x-api-key')
  })
  afterAll(async () => {
    await server?.close()
  })

  it('stores evidence and maps it to controls', async () => {
    const response = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, oversight)
    expect(response.status).toBe(201)
    expect(response.json.record_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(response.json.record_type).toBe('human_oversight')
    expect(Array.isArray(response.json.mapped_controls)).toBe(true)
    expect(response.json.mapped_controls.length).toBeGreaterThan(0)
    const stored = await ingest.get(`/workspaces/${ws}/governance/grc/evidence/${response.json.record_id}`)
    expect(stored.json).toMatchObject({
      record_type: 'human_oversight',
      system_name: 'sdk-live-test',
      source: 'sdk',
    })
  })

  it('serves the record as received, and it re-hashes to its ledger leaf', async () => {
    const sent = {
      ...oversight,
      payload: { ...oversight.payload, score: 1.0, big: 2 ** 60, tiny: 1e-5, note: 'Prüfung ✓ 😀' },
      extra_field: { kept: [1, 'two', null] },
    }
    const created = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, sent)
    expect(created.status).toBe(201)
    const id = created.json.record_id as string
    const one = await ingest.get(`/api/workspaces/${ws}/governance/grc/evidence/${id}`)
    expect(one.json.record).toEqual(JSON.parse(JSON.stringify(sent)))
    const list = await ingest.get(`/api/workspaces/${ws}/governance/grc/evidence?limit=1000`)
    const listed = list.json.records.find((record: { record_id: string }) => record.record_id === id)
    expect(listed.record).toEqual(one.json.record)

    // What an audit pack does: hash the record, rebuild the leaf data, compare with the ledger.
    const leaf = await ingest.get(`/api/workspaces/${ws}/ledger/leaves/${one.json.leaf_index}`)
    expect(leaf.status).toBe(200)
    const leafData = JSON.parse(leaf.json.leaf_data)
    expect(leafData).toMatchObject({
      kind: 'evidence',
      record_id: id,
      record_hash: hashValue(one.json.record),
    })
    const proof = await ingest.get(`/api/workspaces/${ws}/ledger/proofs/inclusion?record_id=${id}`)
    const rebuilt = ledgerLeafData({
      kind: 'evidence',
      workspace_id: ws,
      record_id: id,
      record_hash: hashValue(one.json.record),
      accepted_at: leafData.accepted_at,
    })
    expect(rebuilt).toBe(leaf.json.leaf_data)
    expect(bytesToHex(leafHash(rebuilt))).toBe(proof.json.leaf_hash)
  })

  it('dry-runs the live tests’ minimal record without writing', async () => {
    const before = await treeSize()
    const response = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence?dry_run=true`, {
      record_type: 'ai_risk_assessment',
      payload: { source: 'live-test' },
      system_name: 'sdk-live-test',
    })
    expect(response.status).toBe(200)
    expect(Array.isArray(response.json.mapped_controls)).toBe(true)
    expect(['', '00000000-0000-0000-0000-000000000000', null, undefined]).toContain(response.json.record_id)
    expect(await treeSize()).toBe(before)
  })

  it('rejects unknown record types and wrong types with 422, writing nothing', async () => {
    const before = await treeSize()
    const path = `/api/workspaces/${ws}/governance/grc/evidence`
    for (const body of [
      { ...oversight, record_type: 'made_up' },
      { ...oversight, payload: 'text' },
      { ...oversight, system_name: 3 },
      { ...oversight, occurred_at: 'soon' },
      { ...oversight, client_sig_algo: 'md5' },
    ]) {
      const response = await ingest.post(path, body)
      expect(response.status).toBe(422)
      expect(response.json.error.code).toBe('validation_failed')
    }
    expect(await treeSize()).toBe(before)
  })

  it('checks client_sig once the workspace registered its HMAC key (reference §1.8 vector)', async () => {
    const key = 'test-signing-key-32bytes-padded!!'
    const record = {
      record_type: 'access_review',
      payload: {
        user: 'alice@example.com',
        resource: 'prod-db',
        granted: true,
        reviewed_by: 'bob@example.com',
      },
      system_name: 'test-system',
      occurred_at: '2026-06-20T12:00:00+00:00',
    }
    const signed = signGrcRecord(record, { key, workspaceId: ws })
    // unchecked before a key is registered
    const before = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, signed)
    expect(before.json.client_sig_status).toBe('unchecked')
    const forbidden = await fetch(`${server.baseUrl}/api/workspaces/${ws}/governance/grc/signing-key`, {
      method: 'PUT',
      headers: {
        'x-api-key': (await server.createKey('ingest')) as string,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ key }),
    })
    expect(forbidden.status).toBe(403)
    const registered = await fetch(`${server.baseUrl}/api/workspaces/${ws}/governance/grc/signing-key`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    })
    expect(registered.status).toBe(200)
    const good = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, signed)
    expect(good.status).toBe(201)
    expect(good.json.client_sig_status).toBe('verified')
    const size = await treeSize()
    const bad = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, {
      ...signed,
      system_name: 'other',
    })
    expect(bad.status).toBe(422)
    expect(bad.json.error.code).toBe('signature_invalid')
    expect(await treeSize()).toBe(size)
    const unsigned = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, record)
    expect(unsigned.json.client_sig_status).toBe('unsigned')
  })

  it('validates the payload of the record type: 422 naming the first field and its allowed values', async () => {
    const before = await treeSize()
    const path = `/api/workspaces/${ws}/governance/grc/evidence`
    const evaluation = {
      record_type: 'model_evaluation',
      payload: {
        model_id: 'm',
        dataset: 'd',
        accuracy: 0.9,
        evaluated_by: 'x',
        evaluation_type: 'quarterly',
      },
      system_name: 'validation',
    }
    const missing = await ingest.post(path, { ...evaluation, payload: { accuracy: 0.92 } })
    expect(missing.status).toBe(422)
    expect(missing.json.error.code).toBe('validation_failed')
    expect(missing.json.error.details.field).toBe('payload.model_id')
    expect(missing.json.error.message).toMatch(/model_evaluation: payload\.model_id is required/)
    const notAllowed = await ingest.post(path, {
      ...evaluation,
      payload: { ...evaluation.payload, evaluation_type: 'yearly' },
    })
    expect(notAllowed.status).toBe(422)
    expect(notAllowed.json.error.details).toMatchObject({
      field: 'payload.evaluation_type',
      allowed: ['initial', 'quarterly', 'triggered'],
    })
    const wrongType = await ingest.post(path, {
      ...evaluation,
      payload: { ...evaluation.payload, accuracy: 'high' },
    })
    expect(wrongType.json.error.details.field).toBe('payload.accuracy')
    const highRisk = await ingest.post(path, {
      record_type: 'ai_risk_assessment',
      payload: { risk_level: 'high', intended_purpose: 'credit scoring', art5_self_assessment: true },
      system_name: 'validation',
    })
    expect(highRisk.status).toBe(422)
    expect(highRisk.json.error.details.field).toBe('payload.annex_iii_category')
    expect(highRisk.json.error.details.allowed).toContain('not_annex_iii')
    // A dry run keeps the relaxed rule (required fields may be missing), but types still count.
    const dry = await ingest.post(`${path}?dry_run=true`, { ...evaluation, payload: { accuracy: 0.92 } })
    expect(dry.status).toBe(200)
    const dryWrong = await ingest.post(`${path}?dry_run=true`, {
      ...evaluation,
      payload: { evaluation_type: 'yearly' },
    })
    expect(dryWrong.status).toBe(422)
    expect(dryWrong.json.error.details.field).toBe('payload.evaluation_type')
    expect(await treeSize()).toBe(before)
  })

  it('verifies a Python client_sig over numbers as written (1.0, 0.0, 2**60, 1e-05, non-ASCII)', async () => {
    const key = 'test-signing-key-32bytes-padded!!'
    const admin = client(server.baseUrl, server.adminKey)
    expect((await admin.put(`/api/workspaces/${ws}/governance/grc/signing-key`, { key })).status).toBe(200)
    // Exactly what CPython's json.dumps writes for the SDK's record (default separators on the wire,
    // compact and sorted in the signed message).
    const payload =
      '{"model_id": "mod\\u00e8le-\\ud83d\\ude00", "dataset": "holdout", "accuracy": 1.0, "evaluated_by": "zo\\u00eb", "bias_metrics": {"rows": 1152921504606846976, "tiny": 1e-05, "baseline": 0.0}}'
    const signedPayload =
      '{"accuracy":1.0,"bias_metrics":{"baseline":0.0,"rows":1152921504606846976,"tiny":1e-05},"dataset":"holdout","evaluated_by":"zo\\u00eb","model_id":"mod\\u00e8le-\\ud83d\\ude00"}'
    const occurredAt = '2026-06-20T12:00:00+00:00'
    for (const workspace of [`"${ws}"`, 'null']) {
      const message = `{"occurred_at":"${occurredAt}","payload":${signedPayload},"record_type":"model_evaluation","system_name":"py-sys","workspace_id":${workspace}}`
      const sig = createHmac('sha256', key).update(message, 'utf8').digest('hex')
      const body = `{"record_type": "model_evaluation", "payload": ${payload}, "system_name": "py-sys", "occurred_at": "${occurredAt}", "client_sig": "${sig}", "client_sig_algo": "hmac-sha256"}`
      const response = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, body)
      expect(response.json).toMatchObject({ client_sig_status: 'verified' })
      expect(response.status).toBe(201)
      expect(response.json.client_sig_status).toBe('verified')
      const tampered = body.replace('"accuracy": 1.0', '"accuracy": 1.01')
      const refused = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, tampered)
      expect(refused.status).toBe(422)
      expect(refused.json.error.code).toBe('signature_invalid')
    }
    expect((await admin.delete(`/api/workspaces/${ws}/governance/grc/signing-key`)).status).toBe(200)
  })

  it('de-duplicates evidence by idempotency key', async () => {
    const size = await treeSize()
    const first = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, oversight, {
      'idempotency-key': 'ev-1',
    })
    const second = await ingest.post(`/api/workspaces/${ws}/governance/grc/evidence`, oversight, {
      'idempotency-key': 'ev-1',
    })
    expect(second.json).toEqual(first.json)
    expect(await treeSize()).toBe(size + 1)
  })

  it('lists with filters and pagination, and summarises counts as the policy runner reads them', async () => {
    const path = `/api/workspaces/${ws}/governance/grc/evidence`
    for (let index = 0; index < 3; index += 1) {
      const created = await ingest.post(path, {
        record_type: 'model_evaluation',
        payload: {
          model_id: 'test-model',
          dataset: 'holdout',
          accuracy: 0.92,
          evaluated_by: 'live-test',
          evaluation_type: 'quarterly',
        },
        system_name: `eval-${backend}`,
      })
      expect(created.status).toBe(201)
    }
    const page = await ingest.get(`${path}?record_type=model_evaluation&system_name=eval-${backend}&limit=2`)
    expect(page.json.records).toHaveLength(2)
    expect(page.json.next_cursor).not.toBeNull()
    const rest = await ingest.get(
      `${path}?record_type=model_evaluation&system_name=eval-${backend}&limit=2&cursor=${page.json.next_cursor}`,
    )
    expect(rest.json.records).toHaveLength(1)
    expect(rest.json.next_cursor).toBeNull()
    const summary = await ingest.get(
      `${path}/summary?record_type=model_evaluation&system_name=eval-${backend}&since=2020-01-01`,
    )
    expect(summary.status).toBe(200)
    expect(summary.json.count).toBe(3)
    const bySystem = await ingest.get(`${path}/summary?system_name=eval-${backend}`)
    expect(bySystem.json.by_record_type).toEqual({ model_evaluation: 3 })
    expect((await ingest.get(`${path}/summary?record_type=nope`)).status).toBe(422)
  })

  it('stores guard events and counts unattested calls for the posture brief', async () => {
    const path = `/api/workspaces/${ws}/guard/events`
    const events = Array.from({ length: 5 }, (_, index) => ({
      ts: 1_780_000_000 + index,
      call: 'openai.chat.completions.create',
      pid: 42,
    }))
    const response = await ingest.post(path, {
      events: [...events, { ts: 1, call: 'anthropic.messages.create', pid: 1, attested: true }],
    })
    expect(response.status).toBe(201)
    expect(response.json.accepted).toBe(6)
    expect(await countUnattestedCalls(server.server.database, ws)).toBe(5)
    expect((await ingest.get(`/workspaces/${ws}/guard/unattested`)).json.unattested_24h).toBe(5)
    expect(await countUnattestedCalls(server.server.database, ws, new Date(Date.now() + 60_000))).toBe(0)
    for (const body of [
      { events: 'x' },
      { events: [{ ts: 1 }] },
      { events: [{ call: 'x', pid: -1 }] },
      { events: Array.from({ length: 1001 }, () => events[0]) },
    ]) {
      expect((await ingest.post(path, body)).status).toBe(422)
    }
    expect(await countUnattestedCalls(server.server.database, ws)).toBe(5)
  })

  it('adds up the calls a counted event stands for (guard report mode past its site rate)', async () => {
    const path = `/api/workspaces/${ws}/guard/events`
    const before = await countUnattestedCalls(server.server.database, ws)
    const site = `src/counted-${backend}.ts:12:7`
    const response = await ingest.post(path, {
      events: [
        { ts: '2026-12-06T10:00:00.000Z', call: 'openai.chat.completions.create', call_site: site, pid: 7 },
        {
          ts: '2026-12-06T10:00:00.009Z',
          call: 'openai.chat.completions.create',
          call_site: site,
          calls: 41,
          call_site_sampled: true,
          pid: 7,
        },
      ],
    })
    expect(response.status).toBe(201)
    expect(await countUnattestedCalls(server.server.database, ws)).toBe(before + 42)
    const runtime = await ingest.get(`/api/workspaces/${ws}/scanner/runtime-events?limit=1000`)
    const counted = runtime.json.events.filter((event: { call_site: string }) => event.call_site === site)
    expect(counted.map((event: { calls: number }) => event.calls)).toEqual([1, 41])
    for (const calls of [0, -3, 1.5, '2', 2 ** 31, null]) {
      const bad = await ingest.post(path, { events: [{ call: 'openai.chat.completions.create', calls }] })
      expect(bad.status).toBe(422)
      expect(JSON.stringify(bad.json)).toMatch(/calls must be an integer/)
    }
    const badFlag = await ingest.post(path, { events: [{ call: 'x', call_site_sampled: 'yes' }] })
    expect(badFlag.status).toBe(422)
    expect(await countUnattestedCalls(server.server.database, ws)).toBe(before + 42)
  })
})
