import { verifyWebhookSignature } from '@mima/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_WEBHOOK_EVENTS } from '../../src/webhooks/webhook-events'
import {
  type ApiResponse,
  BACKENDS,
  type Receiver,
  startReceiver,
  startTestServer,
  type TestServer,
} from './webhook-fixture'

describe.each(BACKENDS)('webhooks over HTTP (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  let ingestKey: string
  let approverKey: string
  let base: string
  const previous = process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE

  beforeAll(async () => {
    // The receiver listens on loopback: the operator opt-in lets the server deliver there.
    process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE = 'true'
    server = await startTestServer(backend, {
      webhooks: { retryDelaysMs: [50, 100], timeoutMs: 3_000, ledgerPollIntervalMs: 50 },
    })
    if (previous === undefined) delete process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE
    else process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE = previous
    ingestKey = await server.createKey('ingest')
    approverKey = await server.createKey('approver')
    base = `/workspaces/${server.workspaceId}/governance/webhooks`
  })

  afterEach(async () => {
    const { json } = await server.api(server.adminKey, 'GET', base)
    for (const webhook of json.webhooks) await server.api(server.adminKey, 'DELETE', `${base}/${webhook.id}`)
    await receiver?.close()
  })

  afterAll(async () => {
    await server?.close()
  })

  const register = async (body: Record<string, unknown>): Promise<ApiResponse> =>
    server.api(server.adminKey, 'POST', base, body)

  it('delivers signed approval events for an approval decided through the API', async () => {
    receiver = await startReceiver()
    const secret = 'whsec_receiver_shared_secret'
    const created = await register({
      url: receiver.url,
      events: ['approval.requested', 'approval.decided'],
      secret,
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ url: receiver.url, has_secret: true })
    expect(created.json.events).toEqual(['approval.requested', 'approval.decided'])
    expect(created.json.secret).toBeUndefined()

    const requested = await server.api(
      ingestKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals`,
      {
        action_type: 'refund.issue',
        context: { amount: 120 },
        description: 'Refund order 42',
      },
    )
    expect(requested.status).toBe(201)
    const approvalId = requested.json.approval_id ?? requested.json.id
    const decided = await server.api(
      approverKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals/${approvalId}/decide`,
      { decision: 'approve', reason: 'within policy' },
    )
    expect(decided.status).toBe(200)

    const [first, second] = await receiver.waitFor(2)
    const byEvent = new Map([first, second].map((request) => [request?.headers['x-mima-event'], request]))
    const delivery = byEvent.get('approval.decided')
    expect(byEvent.has('approval.requested')).toBe(true)
    if (delivery === undefined) throw new Error('no approval.decided delivery')
    expect(delivery.method).toBe('POST')
    expect(delivery.path).toBe('/hooks/mima')
    expect(delivery.headers['content-type']).toBe('application/json')
    expect(delivery.headers['x-mima-delivery']).toMatch(/^[0-9a-f-]{36}$/)
    expect(delivery.headers['x-mima-timestamp']).toMatch(/^\d+$/)
    expect(delivery.headers['x-mima-signature']).toMatch(/^sha256=[0-9a-f]{64}$/)
    const payload = JSON.parse(delivery.body)
    expect(payload).toMatchObject({
      type: 'approval.decided',
      workspace_id: server.workspaceId,
      data: {
        approval_id: approvalId,
        status: 'approved',
        action_type: 'refund.issue',
        reason: 'within policy',
      },
    })

    const check = (body: string, key = secret): boolean =>
      verifyWebhookSignature({
        secret: key,
        body,
        signature: delivery.headers['x-mima-signature'] as string,
        timestamp: delivery.headers['x-mima-timestamp'] as string,
      })
    expect(check(delivery.body)).toBe(true)
    expect(check(delivery.body.replace('within policy', 'outside policy'))).toBe(false)
    expect(check(delivery.body, 'another secret')).toBe(false)

    // The list shows the last delivery, never the secret.
    const listed = await server.api(server.adminKey, 'GET', base)
    expect(listed.status).toBe(200)
    const [row] = listed.json.webhooks
    expect(row).toMatchObject({ id: created.json.id, has_secret: true, last_delivery_status: 200 })
    expect(typeof row.last_delivery_at).toBe('string')
    expect(JSON.stringify(listed.json)).not.toContain(secret)
  })

  it('delivers evidence.created (and opt-in attestation.created) from the ledger, only for records after registration', async () => {
    receiver = await startReceiver()
    const ws = `/workspaces/${server.workspaceId}/governance`
    const evidence = (decisionId: string): Record<string, unknown> => ({
      record_type: 'human_oversight',
      system_name: 'support-bot',
      payload: {
        decision_id: decisionId,
        ai_recommendation: 'refund',
        human_decision: 'deny',
        reviewer: 'ann',
      },
    })
    const before = await server.api(ingestKey, 'POST', `${ws}/grc/evidence`, evidence('before'))
    expect(before.status).toBe(201)
    const created = await register({
      url: receiver.url,
      events: ['evidence.created', 'attestation.created'],
      secret: 'ledger-feed',
    })
    expect(created.json.events).toEqual(['evidence.created', 'attestation.created'])
    const after = await server.api(ingestKey, 'POST', `${ws}/grc/evidence`, evidence('after'))
    expect(after.status).toBe(201)
    const attested = await server.api(ingestKey, 'POST', `${ws}/attestations/external`, {
      system_name: 'support-bot',
      agent_name: 'support-bot',
      tool_name: 'search_docs',
      model_id: 'gpt-4o-mini',
      input_hash: 'a'.repeat(64),
      output_hash: 'b'.repeat(64),
      executed_at: new Date().toISOString(),
    })
    expect(attested.status, JSON.stringify(attested.json)).toBeLessThan(300)

    const requests = await receiver.waitFor(2)
    const payloads = requests.map((request) => {
      expect(
        verifyWebhookSignature({
          secret: 'ledger-feed',
          body: request.body,
          signature: request.headers['x-mima-signature'] as string,
          timestamp: request.headers['x-mima-timestamp'] as string,
        }),
      ).toBe(true)
      expect(request.headers['x-mima-event']).toBe(JSON.parse(request.body).type)
      return JSON.parse(request.body)
    })
    const evidenceEvent = payloads.find((payload) => payload.type === 'evidence.created')
    const attestationEvent = payloads.find((payload) => payload.type === 'attestation.created')
    expect(evidenceEvent?.data).toMatchObject({
      record_id: after.json.record_id,
      record_type: 'human_oversight',
      system_name: 'support-bot',
    })
    expect(attestationEvent?.data).toMatchObject({ tool_name: 'search_docs', system_name: 'support-bot' })
    // The record pushed before the webhook existed is not replayed.
    expect(JSON.stringify(payloads)).not.toContain(before.json.record_id)
  })

  it('retries after a 500 with the same delivery id and records each attempt', async () => {
    receiver = await startReceiver()
    receiver.respondWith(500, 502)
    const created = await register({ url: receiver.url, events: ['approval.requested'], secret: 's3cret' })
    expect(created.status).toBe(201)
    const requested = await server.api(
      ingestKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/approvals`,
      {
        action_type: 'deploy.prod',
      },
    )
    expect(requested.status).toBe(201)
    const requests = await receiver.waitFor(3)
    expect(requests.map((request) => request.headers['x-mima-attempt'])).toEqual(['1', '2', '3'])
    expect(new Set(requests.map((request) => request.headers['x-mima-delivery'])).size).toBe(1)
    for (const request of requests) {
      expect(
        verifyWebhookSignature({
          secret: 's3cret',
          body: request.body,
          signature: request.headers['x-mima-signature'] as string,
          timestamp: request.headers['x-mima-timestamp'] as string,
        }),
      ).toBe(true)
    }
    // The outcome is written right after the receiver answers: poll the log until it is there.
    let deliveries: Array<Record<string, unknown>> = []
    for (let tries = 0; tries < 100; tries++) {
      const { json } = await server.api(server.adminKey, 'GET', `${base}/${created.json.id}/deliveries`)
      deliveries = json.deliveries
      if (deliveries[0]?.status === 'succeeded') break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(deliveries).toHaveLength(1)
    expect(deliveries[0]).toMatchObject({
      event_type: 'approval.requested',
      status: 'succeeded',
      attempts: 3,
      last_status: 200,
    })
  })

  it('gives up after the last retry and shows the failure in the list', async () => {
    receiver = await startReceiver()
    receiver.respondWith(500, 500, 500)
    const created = await register({ url: receiver.url, events: ['approval.requested'], secret: 'x' })
    await server.api(ingestKey, 'POST', `/workspaces/${server.workspaceId}/governance/approvals`, {
      action_type: 'deploy.prod',
    })
    await receiver.waitFor(3)
    let row: Record<string, unknown> | undefined
    for (let tries = 0; tries < 100; tries++) {
      const { json } = await server.api(server.adminKey, 'GET', `${base}/${created.json.id}/deliveries`)
      row = json.deliveries[0]
      if (row?.status === 'failed') break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(row).toMatchObject({ status: 'failed', attempts: 3, last_status: 500 })
    expect(receiver.requests).toHaveLength(3)
    const listed = await server.api(server.adminKey, 'GET', base)
    expect(listed.json.webhooks[0]).toMatchObject({ last_delivery_status: 500 })
  })

  it('sends a test event on request and reports a failing receiver', async () => {
    receiver = await startReceiver()
    const created = await register({ url: receiver.url })
    // No secret given: the server makes one, returns it once, and signs with it.
    expect(created.json.secret).toMatch(/^whsec_/)
    // Without an event list: the defaults, runtime alerts included, never the per-call attestation.created.
    expect(created.json.events).toEqual([...DEFAULT_WEBHOOK_EVENTS])
    expect(created.json.events).toContain('budget.threshold')
    expect(created.json.events).not.toContain('attestation.created')
    const ok = await server.api(server.adminKey, 'POST', `${base}/${created.json.id}/test`)
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ delivered: true, status: 200, attempts: 1 })
    const [request] = await receiver.waitFor(1)
    expect(request?.headers['x-mima-event']).toBe('webhook.test')
    expect(
      verifyWebhookSignature({
        secret: created.json.secret,
        body: request?.body ?? '',
        signature: request?.headers['x-mima-signature'] as string,
        timestamp: request?.headers['x-mima-timestamp'] as string,
      }),
    ).toBe(true)
    receiver.respondWith(503)
    const failed = await server.api(server.adminKey, 'POST', `${base}/${created.json.id}/test`)
    expect(failed.json).toMatchObject({ delivered: false, status: 503 })
    const listed = await server.api(server.adminKey, 'GET', base)
    expect(listed.json.webhooks[0]).toMatchObject({ has_secret: true, last_delivery_status: 503 })
    expect(listed.json.webhooks[0].secret).toBeUndefined()
  })

  it('is admin-only, 404s unknown ids, deletes by id or 8-character prefix', async () => {
    receiver = await startReceiver()
    for (const key of [ingestKey, approverKey]) {
      expect((await server.api(key, 'GET', base)).status).toBe(403)
      expect((await server.api(key, 'POST', base, { url: receiver.url })).status).toBe(403)
    }
    const webhookLeaves = async (): Promise<number> => {
      const { json } = await server.api(
        server.adminKey,
        'GET',
        `/workspaces/${server.workspaceId}/ledger/leaves?limit=10000`,
      )
      return json.leaves.filter((leaf: { kind: string }) => leaf.kind === 'webhook_event').length
    }
    const leavesBefore = await webhookLeaves()
    const created = await register({ url: receiver.url, secret: 'k' })
    const id: string = created.json.id
    expect((await server.api(ingestKey, 'DELETE', `${base}/${id}`)).status).toBe(403)
    expect((await server.api(ingestKey, 'POST', `${base}/${id}/test`)).status).toBe(403)
    expect(
      (await server.api(server.adminKey, 'DELETE', `${base}/00000000-0000-4000-8000-000000000000`)).status,
    ).toBe(404)
    expect((await server.api(server.adminKey, 'POST', `${base}/nope/test`)).status).toBe(404)
    // Another workspace's path is invisible.
    expect(
      (await server.api(server.adminKey, 'GET', '/workspaces/other-ws/governance/webhooks')).status,
    ).toBe(404)

    const deleted = await server.api(server.adminKey, 'DELETE', `${base}/${id.slice(0, 8)}`)
    expect(deleted.status).toBe(200)
    expect(deleted.json).toEqual({ deleted: true, id })
    expect((await server.api(server.adminKey, 'DELETE', `${base}/${id}`)).status).toBe(404)
    expect((await server.api(server.adminKey, 'GET', base)).json.webhooks).toEqual([])
    // Creating and deleting a webhook are ledger leaves (where data goes is part of the audit trail).
    expect(await webhookLeaves()).toBe(leavesBefore + 2)
  })

  it('refuses bad input with 4xx and stores nothing', async () => {
    receiver = await startReceiver()
    const cases: Array<[unknown, number, RegExp]> = [
      [{}, 422, /url is required/],
      [{ url: 'ftp://example.com/x' }, 422, /http or https/],
      [{ url: receiver.url, events: ['approval.decided', 'nope.event'] }, 422, /nope\.event/],
      [{ url: receiver.url, events: [] }, 422, /non-empty array/],
      [{ url: receiver.url, secret: 42 }, 422, /secret/],
      ['[1,2]', 400, /JSON object/],
      ['{not json', 400, /not valid JSON/],
    ]
    for (const [body, status, message] of cases) {
      const response = await register(body as Record<string, unknown>)
      expect(response.status, JSON.stringify(body)).toBe(status)
      expect(response.json.error.message).toMatch(message)
    }
    expect((await server.api(server.adminKey, 'GET', base)).json.webhooks).toEqual([])
  })
})

describe('webhooks without the private-address opt-in', () => {
  let server: TestServer

  beforeAll(async () => {
    delete process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE
    server = await startTestServer('pglite', { webhooks: {} })
  })

  afterAll(async () => {
    await server?.close()
  })

  it('refuses loopback, private and link-local targets', async () => {
    const base = `/workspaces/${server.workspaceId}/governance/webhooks`
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost:8080/hook',
      'http://10.0.0.7/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
    ]) {
      const response = await server.api(server.adminKey, 'POST', base, { url, secret: 's' })
      expect(response.status, url).toBe(422)
      expect(response.json.error.message, url).toMatch(/MIMA_WEBHOOKS_ALLOW_PRIVATE/)
    }
    expect((await server.api(server.adminKey, 'GET', base)).json.webhooks).toEqual([])
  })
})
