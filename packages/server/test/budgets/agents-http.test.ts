import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BACKENDS,
  type Receiver,
  startReceiver,
  startTestServer,
  type TestServer,
} from '../webhooks/webhook-fixture'

/** Reads server-sent events from a stream until `until` accepts one (or the stream ends). */
async function readEvents(
  response: Response,
  until: (event: { event: string; data: Record<string, unknown> }) => boolean,
): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const events: { event: string; data: Record<string, unknown> }[] = []
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return events
    buffer += decoder.decode(value, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const name = /^event: (.*)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (name !== undefined && data !== undefined) {
        const event = { event: name, data: JSON.parse(data) as Record<string, unknown> }
        events.push(event)
        if (until(event)) {
          await reader.cancel()
          return events
        }
      }
      end = buffer.indexOf('\n\n')
    }
  }
}

describe.each(BACKENDS)('agents, presence and the kill switch (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  let ingest: string
  let approver: string
  let ws: string

  beforeAll(async () => {
    server = await startTestServer(backend)
    receiver = await startReceiver()
    ingest = await server.createKey('ingest')
    approver = await server.createKey('approver')
    ws = `/workspaces/${server.workspaceId}`
  })

  afterAll(async () => {
    await receiver?.close()
    await server?.close()
  })

  it('lists agents as live, idle or closed from their heartbeats', async () => {
    const beat = (instance: string, state: string) =>
      server.api(ingest, 'POST', `${ws}/agents/heartbeat`, {
        agent_name: 'researcher',
        instance_id: instance,
        session_id: 'sess-1',
        state,
        metadata: { host: 'box-1' },
      })
    expect((await beat('i-1', 'live')).json).toMatchObject({ agent_name: 'researcher', killed: false })
    await beat('i-2', 'idle')
    await beat('i-3', 'closed')
    const list = await server.api(server.adminKey, 'GET', `${ws}/agents`)
    const agent = list.json.agents.find((item: { agent_name: string }) => item.agent_name === 'researcher')
    expect(agent.presence).toBe('live')
    const presence = Object.fromEntries(
      agent.instances.map((instance: { instance_id: string; presence: string }) => [
        instance.instance_id,
        instance.presence,
      ]),
    )
    expect(presence).toEqual({ 'i-1': 'live', 'i-2': 'idle', 'i-3': 'closed' })
    // With a zero unresponsiveness window, every open instance is unresponsive.
    const strict = await server.api(server.adminKey, 'GET', `${ws}/agents/researcher?unresponsive_after=0`)
    expect(strict.json.presence).toBe('unresponsive')
    expect((await beat('i-4', 'dancing')).status).toBe(422)
    expect((await server.api(server.adminKey, 'GET', `${ws}/agents/nobody`)).status).toBe(404)
  })

  it('pushes a kill over the event stream, keeps it until revived, and sends webhooks', async () => {
    const hook = await server.api(server.adminKey, 'POST', `${ws}/governance/webhooks`, {
      url: receiver.url,
      events: ['agent.killed', 'agent.revived', 'loop.detected'],
      secret: 'whsec_agents',
    })
    expect(hook.status).toBe(201)
    const stream = await fetch(`${server.url}/api${ws}/events/stream?types=agent.*`, {
      headers: { authorization: `Bearer ${ingest}` },
    })
    expect(stream.status).toBe(200)
    const received = readEvents(stream, (event) => event.event === 'agent.killed')
    // An ingest key cannot pull the switch.
    expect((await server.api(ingest, 'POST', `${ws}/agents/researcher/kill`, {})).status).toBe(403)
    const kill = await server.api(approver, 'POST', `${ws}/agents/researcher/kill`, {
      reason: 'runaway spend',
    })
    expect(kill.status).toBe(200)
    const events = await received
    expect(events[0]?.event).toBe('ready')
    expect(events.at(-1)).toMatchObject({
      event: 'agent.killed',
      data: { agent_name: 'researcher', reason: 'runaway spend' },
    })

    // A reconnecting client learns the kill from the stream's first event; a heartbeat answers it too.
    const again = await fetch(`${server.url}/api${ws}/events/stream`, {
      headers: { authorization: `Bearer ${ingest}` },
    })
    const [ready] = await readEvents(again, () => true)
    expect(ready?.data.killed).toEqual([
      expect.objectContaining({ agent_name: 'researcher', reason: 'runaway spend' }),
    ])
    const beat = await server.api(ingest, 'POST', `${ws}/agents/heartbeat`, {
      agent_name: 'researcher',
      instance_id: 'i-9',
    })
    expect(beat.json).toMatchObject({ killed: true, reason: 'runaway spend' })
    expect((await server.api(ingest, 'GET', `${ws}/agents/killed`)).json.agents).toHaveLength(1)

    expect((await server.api(server.adminKey, 'POST', `${ws}/agents/researcher/revive`)).status).toBe(200)
    expect((await server.api(ingest, 'GET', `${ws}/agents/killed`)).json.agents).toHaveLength(0)

    const loop = await server.api(ingest, 'POST', `${ws}/agents/loops`, {
      agent_name: 'researcher',
      tool_name: 'search',
      session_id: 'sess-1',
      calls: 12,
      window_seconds: 10,
      action: 'raise',
    })
    expect(loop.status).toBe(201)
    expect(
      (await server.api(ingest, 'POST', `${ws}/agents/loops`, { agent_name: 'x', tool_name: 'y' })).status,
    ).toBe(422)

    const deliveries = await receiver.waitFor(3)
    expect(deliveries.map((delivery) => delivery.headers['x-mima-event'])).toEqual([
      'agent.killed',
      'agent.revived',
      'loop.detected',
    ])
    const history = await server.api(server.adminKey, 'GET', `${ws}/events?agent_name=researcher`)
    expect(history.json.events.map((event: { type: string }) => event.type)).toEqual([
      'loop.detected',
      'agent.revived',
      'agent.killed',
    ])
  })
})
