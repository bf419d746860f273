import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerEvent } from '../../src/events/event-bus'
import { silentLogger } from '../../src/server/logger'
import type { Database } from '../../src/storage/database'
import { loadSecretBox } from '../../src/webhooks/webhook-secret-box'
import { WebhookService } from '../../src/webhooks/webhook-service'
import { BACKENDS, type Receiver, startReceiver, startTestServer, type TestServer } from './webhook-fixture'

// Two replicas hear the same event (approvals events reach every replica through PostgreSQL
// NOTIFY) and both read the same new ledger leaves: each event must still be delivered once.
describe.each(BACKENDS)('webhook delivery across replicas (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  const replicas: Array<{ service: WebhookService; release(): Promise<void> }> = []

  const replica = async (): Promise<WebhookService> => {
    const { database, release } = await server.connectReplica()
    const service = new WebhookService({
      database: database as Database,
      logger: silentLogger,
      settings: {
        allowPrivate: true,
        timeoutMs: 3_000,
        retryDelaysMs: [],
        // Timers far away: the test drives both replicas by hand.
        sweepIntervalMs: 3_600_000,
        ledgerPollIntervalMs: 3_600_000,
      },
      secrets: () => loadSecretBox(database),
    })
    replicas.push({ service, release })
    return service
  }

  beforeAll(async () => {
    server = await startTestServer(backend, {
      webhooks: { allowPrivate: true, sweepIntervalMs: 3_600_000, ledgerPollIntervalMs: 3_600_000 },
    })
    receiver = await startReceiver()
  })

  afterAll(async () => {
    for (const { service, release } of replicas) {
      await service.close()
      await release()
    }
    await receiver?.close()
    await server?.close()
  })

  it('claims each (webhook, event) once, whichever replica gets there first', async () => {
    const ws = `/workspaces/${server.workspaceId}/governance`
    const created = await server.api(server.adminKey, 'POST', `${ws}/webhooks`, {
      url: receiver.url,
      events: ['evidence.created', 'approval.expired'],
      secret: 'replicas',
    })
    expect(created.status).toBe(201)
    const [first, second] = [await replica(), await replica()]

    // The same bus event, heard by both replicas at once.
    const event: ServerEvent = {
      id: '0f1e2d3c-4b5a-4968-8776-655443322110',
      type: 'approval.expired',
      workspaceId: server.workspaceId,
      occurredAt: new Date().toISOString(),
      data: { approval_id: 'a-1', status: 'expired' },
    }
    const claimed = await Promise.all([first.enqueue(event), second.enqueue(event)])
    expect(claimed.flat()).toHaveLength(1)

    // Two new evidence records, read from the ledger by both replicas at once.
    const ingestKey = await server.createKey('ingest')
    for (const decision of ['d-1', 'd-2']) {
      const response = await server.api(ingestKey, 'POST', `${ws}/grc/evidence`, {
        record_type: 'human_oversight',
        system_name: 'support-bot',
        payload: { decision_id: decision, ai_recommendation: 'a', human_decision: 'b', reviewer: 'r' },
      })
      expect(response.status).toBe(201)
    }
    const polled = await Promise.all([first.pollLedger(), second.pollLedger()])
    expect(polled[0] + polled[1]).toBe(2)
    // Nothing left to read: the cursor moved past both leaves.
    expect(await first.pollLedger()).toBe(0)

    const requests = await receiver.waitFor(3)
    // Close both replicas (they finish attempts under way), then count: still three requests.
    for (const { service } of replicas) await service.close()
    expect(receiver.requests).toHaveLength(3)
    expect(new Set(requests.map((request) => request.headers['x-mima-delivery'])).size).toBe(3)
    const types = requests.map((request) => request.headers['x-mima-event']).sort()
    expect(types).toEqual(['approval.expired', 'evidence.created', 'evidence.created'])

    // Finished deliveries leave the log once the retention period (30 days) is over.
    const log = `${ws}/webhooks/${created.json.id}/deliveries`
    expect((await server.api(server.adminKey, 'GET', log)).json.deliveries).toHaveLength(3)
    expect(await first.prune(new Date())).toBe(0)
    expect(await first.prune(new Date(Date.now() + 31 * 24 * 60 * 60 * 1000))).toBe(3)
    expect((await server.api(server.adminKey, 'GET', log)).json.deliveries).toEqual([])
  })

  it('a sweep picks up due retries and deliveries a crashed replica left mid-attempt', async () => {
    const ws = `/workspaces/${server.workspaceId}/governance`
    const created = await server.api(server.adminKey, 'POST', `${ws}/webhooks`, {
      url: receiver.url,
      events: ['approval.decided'],
      secret: 'sweep',
    })
    expect(created.status).toBe(201)
    const before = receiver.requests.length
    const past = new Date(Date.now() - 60_000).toISOString()
    const body = (id: string): string =>
      JSON.stringify({
        id,
        type: 'approval.decided',
        workspace_id: server.workspaceId,
        created_at: past,
        data: {},
      })
    // One retry that came due, one attempt whose process died (its lease ran out).
    for (const [deliveryId, eventId, status, attempts] of [
      ['11111111-1111-4111-8111-111111111111', 'e-due', 'pending', 1],
      ['22222222-2222-4222-8222-222222222222', 'e-orphan', 'delivering', 2],
    ] as const) {
      await server.database.query(
        `insert into webhook_deliveries (workspace_id, delivery_id, webhook_id, event_id, event_type, body, status,
           attempts, next_attempt_at, locked_until, created_at)
         values ($1, $2, $3, $4, 'approval.decided', $5, $6, $7, $8, $8, $8)`,
        [server.workspaceId, deliveryId, created.json.id, eventId, body(eventId), status, attempts, past],
      )
    }
    const sweeper = await replica()
    await sweeper.sweep()
    const requests = receiver.requests.slice(before)
    expect(
      requests
        .map((request) => [request.headers['x-mima-delivery'], request.headers['x-mima-attempt']])
        .sort(),
    ).toEqual([
      ['11111111-1111-4111-8111-111111111111', '2'],
      ['22222222-2222-4222-8222-222222222222', '3'],
    ])
    const log = await server.api(server.adminKey, 'GET', `${ws}/webhooks/${created.json.id}/deliveries`)
    expect(log.json.deliveries.map((delivery: { status: string }) => delivery.status)).toEqual([
      'succeeded',
      'succeeded',
    ])
    // Nothing is due any more: a second sweep sends nothing.
    await sweeper.sweep()
    expect(receiver.requests.length).toBe(before + 2)
  })
})
