import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './helpers'

// The Python SDK's tests/test_live_server.py against our server (reference §9): its default
// workspace and key, the SDK client with Bearer, the raw httpx client with X-API-Key.
const WORKSPACE = 'a92d5798-9e09-4166-a9a6-9dea300aae0e'
const API_KEY = 'mima_live_e2etest2026lovable'
const TRUST_TIERS = ['full', 'partial', 'external', 'unverified', 'limited', 'declared']

describe.each(BACKENDS)('the Python SDK live tests’ expectations on %s', (backend) => {
  let server: TestServer
  let sdk: ReturnType<typeof client>
  let raw: ReturnType<typeof client>
  const base = `/api/workspaces/${WORKSPACE}/governance`

  beforeAll(async () => {
    server = await startTestServer({ database: backend, adminKey: API_KEY, workspaceId: WORKSPACE })
    sdk = client(server.baseUrl, API_KEY, 'bearer')
    raw = client(server.baseUrl, API_KEY, 'x-api-key')
  })
  afterAll(async () => {
    await server?.close()
  })

  it('health', async () => {
    const response = await raw.get('/api/health')
    expect(response.status).toBe(200)
    expect(response.json.status).toBe('ok')
  })

  it('readiness (twice) lists frameworks with a name and score_pct', async () => {
    for (let round = 0; round < 2; round += 1) {
      const response = await raw.get(`${base}/grc/readiness`)
      expect(response.status).toBe(200)
      expect(response.json.frameworks.length).toBeGreaterThan(0)
      expect(response.json.frameworks[0].framework ?? response.json.frameworks[0].name).toBeTypeOf('string')
      expect(response.json.frameworks[0].score_pct).toBeTypeOf('number')
    }
  })

  it('attestation push answers attestation_id, external_verified, detail and a known trust_tier', async () => {
    const response = await sdk.post(`${base}/attestations/external`, {
      system_name: 'sdk-live-test',
      agent_name: 'sdk-live-test',
      tool_name: 'sdk_live_test',
      input_hash: '94bc23bce58c8048c98d79ac122d6c5bf77958f9bd314ce97ab961be0c736219',
      output_hash: '4a44dc15364204a80fe80e9039455cc1608281820fe2b24f1e5233ade6af1dd5',
      schema_version: 2,
      model_id: 'test-model',
      executed_at: '2026-06-20T12:00:00.123456+00:00',
    })
    expect(response.status).toBeGreaterThanOrEqual(200)
    expect(response.status).toBeLessThan(300)
    expect(response.json.attestation_id).toBeTruthy()
    expect(response.json).toHaveProperty('external_verified')
    expect(response.json).toHaveProperty('detail')
    expect(TRUST_TIERS).toContain(response.json.trust_tier)
  })

  it('GRC pushes answer record_id, record_type and mapped_controls', async () => {
    const oversight = await sdk.post(`${base}/grc/evidence`, {
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
    })
    expect(oversight.status).toBeLessThan(300)
    expect(oversight.json.record_id).toBeTruthy()
    expect(oversight.json.record_type).toBe('human_oversight')
    expect(Array.isArray(oversight.json.mapped_controls)).toBe(true)
    const evaluation = await sdk.post(`${base}/grc/evidence`, {
      record_type: 'model_evaluation',
      payload: {
        model_id: 'test-model',
        dataset: 'live',
        accuracy: 0.92,
        evaluated_by: 'live-test',
        evaluation_type: 'quarterly',
      },
      system_name: 'sdk-live-test',
      occurred_at: '2026-06-20T12:00:00+00:00',
    })
    expect(evaluation.status).toBeLessThan(300)
    expect(evaluation.json.record_id).toBeTruthy()
  })

  it('dry run accepts the minimal record, maps it, and writes nothing', async () => {
    const response = await raw.post(`${base}/grc/evidence?dry_run=true`, {
      record_type: 'ai_risk_assessment',
      payload: { source: 'live-test' },
      system_name: 'sdk-live-test',
    })
    expect(response.status).toBe(200)
    expect(response.json.mapped_controls ?? response.json.would_map_controls).toBeDefined()
    expect(['', '00000000-0000-0000-0000-000000000000', null, undefined]).toContain(response.json.record_id)
  })

  it('gates list and check, systems list', async () => {
    const gates = await raw.get(`${base}/grc/gates`)
    expect(gates.status).toBe(200)
    expect(Array.isArray(gates.json) || Array.isArray(gates.json.policies)).toBe(true)
    const check = await raw.get(`${base}/grc/gates/check`)
    expect(check.status).toBe(200)
    expect(check.json.passed).toBeTypeOf('boolean')
    const systems = await raw.get(`${base}/grc/systems`)
    expect(systems.status).toBe(200)
    const list = Array.isArray(systems.json) ? systems.json : systems.json.systems
    expect(Array.isArray(list)).toBe(true)
    if (list.length > 0) expect(list[0].system_name ?? list[0].name).toBeTypeOf('string')
  })

  it('serves the CLI’s paths without /api as well', async () => {
    const noPrefix = client(server.baseUrl, API_KEY)
    expect((await noPrefix.get('/me')).json.workspace_id).toBe(WORKSPACE)
    expect((await noPrefix.get(`/workspaces/${WORKSPACE}/governance/grc/gates`)).status).toBe(200)
  })
})
