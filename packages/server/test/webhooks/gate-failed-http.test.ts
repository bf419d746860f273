import { verifyWebhookSignature } from '@mima/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Receiver, startReceiver, startTestServer, type TestServer } from './webhook-fixture'

describe.each(BACKENDS)('gate.failed webhooks (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  const previous = process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE

  beforeAll(async () => {
    // The receiver listens on loopback: the operator opt-in lets the server deliver there.
    process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE = 'true'
    server = await startTestServer(backend, { webhooks: { retryDelaysMs: [50, 100], timeoutMs: 3_000 } })
    if (previous === undefined) delete process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE
    else process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE = previous
    receiver = await startReceiver()
  })

  afterAll(async () => {
    await receiver?.close()
    await server?.close()
  })

  it('delivers a signed gate.failed after a failing check, none after a passing or repeated one', async () => {
    const ws = `/workspaces/${server.workspaceId}/governance`
    const secret = 'whsec_gate_receiver'
    const created = await server.api(server.adminKey, 'POST', `${ws}/webhooks`, {
      url: receiver.url,
      events: ['gate.failed'],
      secret,
    })
    expect(created.status).toBe(201)
    const webhookId = created.json.id as string
    const setGate = async (threshold: number): Promise<void> => {
      const response = await server.api(server.adminKey, 'PUT', `${ws}/grc/gates`, {
        framework: 'eu_ai_act',
        mode: 'required',
        threshold_pct: threshold,
      })
      expect(response.status).toBe(200)
    }
    const check = async (): Promise<boolean> => {
      const response = await server.api(server.adminKey, 'GET', `${ws}/grc/gates/check`)
      expect(response.status).toBe(200)
      return response.json.passed as boolean
    }
    // A test delivery marks a point in the stream: anything a check raised before it is ahead of it.
    const marker = async (): Promise<void> => {
      expect((await server.api(server.adminKey, 'POST', `${ws}/webhooks/${webhookId}/test`)).status).toBe(200)
    }
    const eventOf = (index: number): unknown => receiver.requests[index]?.headers['x-mima-event']

    // Passing: no gate.failed.
    await setGate(0)
    expect(await check()).toBe(true)
    await marker()
    await receiver.waitFor(1)
    expect(eventOf(0)).toBe('webhook.test')

    // Failing (no evidence, so eu_ai_act scores 0 < 100): one signed gate.failed.
    await setGate(100)
    expect(await check()).toBe(false)
    const [, delivery] = await receiver.waitFor(2)
    expect(delivery?.headers['x-mima-event']).toBe('gate.failed')
    expect(
      verifyWebhookSignature({
        secret,
        body: delivery?.body ?? '',
        signature: delivery?.headers['x-mima-signature'] as string,
        timestamp: delivery?.headers['x-mima-timestamp'] as string,
      }),
    ).toBe(true)
    expect(
      verifyWebhookSignature({
        secret: 'whsec_someone_else',
        body: delivery?.body ?? '',
        signature: delivery?.headers['x-mima-signature'] as string,
        timestamp: delivery?.headers['x-mima-timestamp'] as string,
      }),
    ).toBe(false)
    const payload = JSON.parse(delivery?.body ?? '{}')
    expect(payload).toMatchObject({ type: 'gate.failed' })
    expect(payload.data).toMatchObject({
      workspace_id: server.workspaceId,
      system_name: null,
      failing_required: 1,
      gates: [
        {
          framework: 'eu_ai_act',
          mode: 'required',
          scope: 'workspace',
          threshold_pct: 100,
          current_pct: 0,
        },
      ],
    })
    expect(typeof payload.data.gates[0].gate_id).toBe('string')

    // The same failure again within the minute, same score: no second gate.failed.
    expect(await check()).toBe(false)
    await marker()
    await receiver.waitFor(3)
    expect(eventOf(2)).toBe('webhook.test')
    expect(receiver.requests).toHaveLength(3)
  })
})
