import { Agent, request } from 'node:http'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * Idle keep-alive connections outlive a client's pause: with Node's default of 5 s the server
 * closed them while a client could still pick them from its pool, and that client's next request
 * met ECONNRESET without knowing whether the server had seen it.
 */
describe('keep-alive connections', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  function get(agent: Agent): Promise<{ status: number; keepAlive: string | undefined; reused: boolean }> {
    return new Promise((resolve, reject) => {
      const req = request(`${server.baseUrl}/api/health`, { agent }, (res) => {
        res.resume()
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            keepAlive: res.headers['keep-alive']?.toString(),
            reused: req.reusedSocket,
          }),
        )
      })
      req.on('error', reject)
      req.end()
    })
  }

  it('advertises a 65 s idle timeout and keeps an idle connection past Node’s default 5 s', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const first = await get(agent)
      expect(first).toMatchObject({ status: 200, keepAlive: 'timeout=65', reused: false })
      await new Promise((wait) => setTimeout(wait, 6_000))
      expect(await get(agent)).toMatchObject({ status: 200, reused: true })
    } finally {
      agent.destroy()
    }
  }, 30_000)
})
