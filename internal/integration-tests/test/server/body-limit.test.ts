import { Agent, request } from 'node:http'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './helpers'

const LIMIT = 64 * 1024

function record(toolName: string): string {
  return JSON.stringify({
    system_name: 'billing-agent',
    agent_name: 'billing-agent',
    tool_name: toolName,
    input_hash: 'a'.repeat(64),
    output_hash: 'b'.repeat(64),
    schema_version: 2,
    executed_at: '2026-06-20T12:00:00.123456+00:00',
  })
}

/** Splits `text` into `count` pieces. */
function pieces(text: string, count: number): string[] {
  const size = Math.ceil(text.length / count)
  return Array.from({ length: count }, (_, index) => text.slice(index * size, (index + 1) * size))
}

interface Sent {
  status: number
  body: string
  connection: string | undefined
  /** Whether the request went out on a connection an earlier request used. */
  reused: boolean
}

/**
 * The request body limit, as a client sees it: a refused body gets its 413 whether it is framed by
 * Content-Length or chunked, however slowly it is sent, and the connection stays usable.
 */
describe.each(BACKENDS)('the request body limit on %s', (backend) => {
  let server: TestServer
  let key: string
  let path: string
  const treeSize = async () =>
    (await client(server.baseUrl, key).get(`/api/workspaces/${server.workspaceId}/ledger/tree-head`)).json
      .tree_size as number

  beforeAll(async () => {
    server = await startTestServer({
      database: backend,
      limits: { bodyLimitBytes: LIMIT, maxBatchRecords: 50 },
    })
    key = await server.createKey('ingest')
    path = `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/attestations/external`
  })
  afterAll(async () => {
    await server?.close()
  })

  /** Settles once the whole body is sent and the whole answer read; a reset on either side rejects. */
  function post(
    agent: Agent,
    framing: 'content-length' | 'chunked',
    chunks: string[],
    pauseMs: number,
    bearer = key,
  ) {
    return new Promise<Sent>((resolve, reject) => {
      const length = chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk), 0)
      const req = request(path, {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          ...(framing === 'chunked' ? { 'transfer-encoding': 'chunked' } : { 'content-length': length }),
        },
      })
      let answer: Omit<Sent, 'reused'> | undefined
      let sent = false
      const settle = () => {
        if (answer !== undefined && sent) resolve({ ...answer, reused: req.reusedSocket })
      }
      req.on('response', (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString()
        })
        res.on('end', () => {
          answer = { status: res.statusCode ?? 0, body, connection: res.headers.connection }
          settle()
        })
      })
      req.on('error', reject)
      req.on('finish', () => {
        sent = true
        settle()
      })
      const write = async () => {
        for (const chunk of chunks) {
          req.write(chunk)
          if (pauseMs > 0) await new Promise((wait) => setTimeout(wait, pauseMs))
        }
        req.end()
      }
      write().catch(reject)
    })
  }

  it.each(['content-length', 'chunked'] as const)(
    'answers an oversized %s body with 413 and stores nothing, also when it is sent slowly',
    async (framing) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      try {
        const before = await treeSize()
        const oversized = record('z'.repeat(2 * LIMIT))
        // Sent at once, then in eight pieces 120 ms apart: an upload that outlasts the Node adapter's
        // 500 ms drain of an unread body, after which it reset the connection (ECONNRESET, no 413).
        for (const chunks of [pieces(oversized, 16), pieces(oversized, 8)]) {
          const refused = await post(agent, framing, chunks, chunks.length === 8 ? 120 : 0)
          expect(refused.status).toBe(413)
          expect(JSON.parse(refused.body).error).toMatchObject({ code: 'payload_too_large' })
          expect(refused.connection).not.toBe('close')
        }
        expect(await treeSize()).toBe(before)
        // The same connection then serves a record that fits, and stores it.
        const accepted = await post(agent, framing, pieces(record('fits'), 4), 0)
        expect(accepted.status).toBe(201)
        expect(accepted.reused).toBe(true)
        expect(await treeSize()).toBe(before + 1)
      } finally {
        agent.destroy()
      }
    },
  )

  it.each(['content-length', 'chunked'] as const)(
    'answers a %s body it refuses before reading (a bad key) once the body is sent, keeping the connection',
    async (framing) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      try {
        const fits = record('y'.repeat(LIMIT - 1024))
        const refused = await post(agent, framing, pieces(fits, 8), 120, 'mima_not-a-key')
        expect(refused.status).toBe(401)
        expect(refused.connection).not.toBe('close')
        const accepted = await post(agent, framing, pieces(record('fits'), 2), 0)
        expect(accepted.status).toBe(201)
        expect(accepted.reused).toBe(true)
      } finally {
        agent.destroy()
      }
    },
  )
})
