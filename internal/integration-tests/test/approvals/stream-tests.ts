import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApprovals } from '@mima/approvals'
import { beforeAll, expect, it } from 'vitest'
import { type ApprovalsFixture, nextPending, rejectionOf, type SharedFixture } from './approvals-helpers'

interface StreamEvent {
  event: string
  id: string | undefined
  data: Record<string, unknown>
}

/** Opens the SSE stream and yields parsed events. */
async function openStream(
  url: string,
  apiKey: string,
  signal: AbortSignal,
): Promise<AsyncGenerator<StreamEvent>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` }, signal })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
    .getReader()
  return (async function* () {
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const fields: Record<string, string> = {}
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue
          const colon = line.indexOf(':')
          fields[line.slice(0, colon)] =
            (fields[line.slice(0, colon)] ?? '') + line.slice(colon + 1).trimStart()
        }
        if (fields.event) yield { event: fields.event, id: fields.id, data: JSON.parse(fields.data ?? '{}') }
      }
    }
  })()
}

/** Registers these tests in the caller's describe block, over the shared fixture. */
export function streamTests(shared: SharedFixture): void {
  let fixture: ApprovalsFixture
  beforeAll(() => {
    fixture = shared.fixture
  })

  it('the SSE stream receives approval.requested, approval.decided and approval.expired', async () => {
    const controller = new AbortController()
    const { baseUrl, workspaceId, adminKey } = fixture.server
    const stream = await openStream(
      `${baseUrl}/api/workspaces/${workspaceId}/governance/approvals/stream`,
      adminKey,
      controller.signal,
    )
    expect((await stream.next()).value?.event).toBe('ready')

    const approved = fixture.agent.requireApproval({ actionType: 'stream_approve', context: { n: 1 } })
    const requested = (await stream.next()).value as StreamEvent
    expect(requested).toMatchObject({
      event: 'approval.requested',
      data: { action_type: 'stream_approve', status: 'pending' },
    })
    expect(requested.id).toBeTruthy()
    await fixture.bob.decide(String(requested.data.approval_id), 'approve')
    expect((await stream.next()).value).toMatchObject({
      event: 'approval.decided',
      data: { approval_id: requested.data.approval_id, status: 'approved', decided_by: 'bob@example.com' },
    })
    await approved

    const expiring = rejectionOf(
      fixture.agent.requireApproval({ actionType: 'stream_expire', timeoutSeconds: 1 }),
    )
    const second = (await stream.next()).value as StreamEvent
    expect(second).toMatchObject({ event: 'approval.requested', data: { action_type: 'stream_expire' } })
    expect((await stream.next()).value).toMatchObject({
      event: 'approval.expired',
      data: { approval_id: second.data.approval_id, status: 'expired' },
    })
    expect(await expiring).toMatchObject({ code: 'approval_timeout' })

    // Nobody waits on this one: the server's own deadline timer expires it and tells the stream.
    const created = await fetch(`${baseUrl}/workspaces/${workspaceId}/governance/approvals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_type: 'unattended', timeout_seconds: 1 }),
    })
    const { approval_id: unattendedId } = (await created.json()) as { approval_id: string }
    expect((await stream.next()).value).toMatchObject({
      event: 'approval.requested',
      data: { approval_id: unattendedId },
    })
    expect((await stream.next()).value).toMatchObject({
      event: 'approval.expired',
      data: { approval_id: unattendedId, status: 'expired' },
    })
    controller.abort()
  })

  it('falls back to backoff polling when the server does not hold long-polls, and rides out a 503', async () => {
    // A proxy in front of the server that answers at once: it drops `wait` and the long-poll header.
    let sawWait = false
    let polls = 0
    const target = new URL(fixture.server.baseUrl)
    const proxy: Server = createServer((incoming, outgoing) => {
      const url = new URL(incoming.url ?? '/', target)
      if (url.searchParams.has('wait')) sawWait = true
      url.searchParams.delete('wait')
      if (incoming.method === 'GET' && /approvals\/[^/]+$/.test(url.pathname)) {
        polls += 1
        if (polls === 2) {
          // One transient failure while waiting: the client retries instead of giving up.
          outgoing.writeHead(503, { 'content-type': 'application/json' })
          outgoing.end(JSON.stringify({ error: { code: 'server_error', message: 'restarting' } }))
          return
        }
      }
      const forward = httpRequest(url, { method: incoming.method, headers: incoming.headers }, (answer) => {
        const headers = { ...answer.headers }
        delete headers['mima-long-poll']
        outgoing.writeHead(answer.statusCode ?? 502, headers)
        answer.pipe(outgoing)
      })
      incoming.pipe(forward)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const agent = createApprovals(
        {
          baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
          apiKey: fixture.agentKey,
          workspaceId: fixture.server.workspaceId,
        },
        { pollIntervals: [0.05] },
      )
      const waiting = agent.requireApproval({ actionType: 'behind_proxy', timeoutSeconds: 60 })
      const pending = await nextPending(fixture.bob, 'behind_proxy')
      // Let the client poll a few times before deciding.
      while (polls < 4) await new Promise((resolve) => setTimeout(resolve, 10))
      await fixture.bob.decide(pending.id, 'approve')
      const token = await waiting
      expect(token.approvalId).toBe(pending.id)
      expect(sawWait).toBe(true)
      expect(polls).toBeGreaterThanOrEqual(4)
    } finally {
      await new Promise((resolve) => proxy.close(resolve))
    }
  })
}
