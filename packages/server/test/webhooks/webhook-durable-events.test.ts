import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approvalsServiceOf } from '../../src/approvals/approvals-feature'
import { defineFeature } from '../../src/http/feature'
import { BACKENDS, type Receiver, startReceiver, startTestServer, type TestServer } from './webhook-fixture'

// A process that dies between committing an approval and handing its event to the in-memory bus
// must not lose the webhook: the delivery row is written in the approval's own transaction and the
// sweep sends it. The test drops `approval.requested` from this process's bus (as such a crash
// would) and expects the receiver to get it anyway, exactly once.
describe.each(BACKENDS)('approval webhooks survive a lost in-process event (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  const dropped: string[] = []

  beforeAll(async () => {
    const losePublish = defineFeature({
      name: 'test-lose-publish',
      register(_api, context) {
        const bus = approvalsServiceOf(context)?.events
        if (bus === undefined) throw new Error('no approvals event bus')
        const publish = bus.publish.bind(bus)
        bus.publish = (event) => {
          if (event.type === 'approval.requested') dropped.push(event.id)
          else publish(event)
        }
      },
    })
    server = await startTestServer(backend, {
      webhooks: {
        allowPrivate: true,
        timeoutMs: 3_000,
        retryDelaysMs: [],
        sweepIntervalMs: 100,
        ledgerPollIntervalMs: 3_600_000,
      },
      extraFeatures: [losePublish],
    })
    receiver = await startReceiver()
  })

  afterAll(async () => {
    await receiver?.close()
    await server?.close()
  })

  it('delivers approval.requested from the stored delivery, once', async () => {
    const ws = `/workspaces/${server.workspaceId}/governance`
    const created = await server.api(server.adminKey, 'POST', `${ws}/webhooks`, {
      url: receiver.url,
      events: ['approval.requested'],
      secret: 'durable',
    })
    expect(created.status).toBe(201)
    const ingestKey = await server.createKey('ingest')
    const requested = await server.api(ingestKey, 'POST', `${ws}/approvals`, {
      action_type: 'refund.issue',
      context: { amount: 120 },
    })
    expect(requested.status).toBe(201)
    const approvalId = requested.json.approval_id ?? requested.json.id

    const [delivery] = await receiver.waitFor(1, 5_000)
    expect(dropped).toHaveLength(1)
    expect(delivery?.headers['x-mima-event']).toBe('approval.requested')
    const body = JSON.parse(delivery?.body ?? '{}')
    expect(body).toMatchObject({
      id: dropped[0],
      type: 'approval.requested',
      data: { approval_id: approvalId },
    })

    // Several more sweeps: still one delivery.
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(receiver.requests).toHaveLength(1)
  })
})
