import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAttested } from '@mima/core'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { disableGuard, enableGuard } from '../src/guard/enable-guard'
import type { GuardEvent } from '../src/guard/guard-options'
import { MimaAttestationError } from '../src/guard/mima-attestation-error'

/** What the suite uses of an npm undici copy (7 or 8). */
export interface UndiciModule {
  request(
    url: string,
    options: Record<string, unknown>,
  ): Promise<{ statusCode: number; body: { text(): Promise<string> } }>
  fetch(url: string, init: Record<string, unknown>): Promise<{ status: number; text(): Promise<string> }>
  Client: new (
    origin: string,
  ) => {
    request(
      options: Record<string, unknown>,
    ): Promise<{ statusCode: number; body: { text(): Promise<string> } }>
    close(): Promise<void>
  }
  Pool: new (
    origin: string,
  ) => {
    request(
      options: Record<string, unknown>,
    ): Promise<{ statusCode: number; body: { text(): Promise<string> } }>
    close(): Promise<void>
  }
}

const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
const headers = { 'content-type': 'application/json' }

/**
 * The npm undici package under the network guard: `request`, `fetch`, a `Client` and a `Pool`
 * to a provider host are judged like global `fetch` (block, report, attested), other hosts pass.
 */
export function describeUndiciGuard(label: string, specifier: string, undici: UndiciModule): void {
  describe(`network guard: npm undici ${label}`, () => {
    let server: FakeLlmServer
    let other: FakeLlmServer
    let directory: string
    let events: GuardEvent[]

    const enable = (mode: 'block' | 'report'): void => {
      enableGuard({
        mode,
        logPath: join(directory, 'guard_log.jsonl'),
        socketPath: join(directory, 'none.sock'),
        onEvent: (event) => events.push(event),
        sdks: [],
        network: { hosts: [{ host: new URL(server.url).host, provider: 'ollama' }], undici: [specifier] },
      })
    }
    const calls = (): Record<string, () => Promise<unknown>> => ({
      request: () =>
        undici
          .request(`${server.url}/v1/chat/completions`, { method: 'POST', headers, body })
          .then((response) => response.body.text()),
      fetch: () =>
        undici
          .fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers, body })
          .then((response) => response.text()),
      client: async () => {
        const client = new undici.Client(server.url)
        try {
          const response = await client.request({
            path: '/v1/chat/completions',
            method: 'POST',
            headers,
            body,
          })
          return await response.body.text()
        } finally {
          await client.close()
        }
      },
      pool: async () => {
        const pool = new undici.Pool(server.url)
        try {
          const response = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers, body })
          return await response.body.text()
        } finally {
          await pool.close()
        }
      },
    })

    beforeAll(async () => {
      server = await createFakeLlmServer()
      other = await createFakeLlmServer()
    })
    afterAll(async () => {
      await server.close()
      await other.close()
    })
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), 'mima-undici-guard-'))
      events = []
      server.reset()
      other.reset()
    })
    afterEach(async () => {
      await disableGuard()
      rmSync(directory, { recursive: true, force: true })
    })

    it('block: request, fetch, Client and Pool fail before anything leaves; attested ones pass', async () => {
      enable('block')
      for (const [name, call] of Object.entries(calls())) {
        const error = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        )
        // undici's fetch wraps a dispatch failure in its TypeError('fetch failed'), with ours as the cause.
        const guardError = name === 'fetch' ? (error as { cause?: unknown })?.cause : error
        expect(guardError, name).toBeInstanceOf(MimaAttestationError)
        expect(String((guardError as Error).message)).toContain(
          `POST ${new URL(server.url).host}/v1/chat/completions`,
        )
      }
      expect(server.requests).toHaveLength(0)
      expect(events.filter((event) => event.action === 'blocked')).toHaveLength(4)
      for (const [name, call] of Object.entries(calls())) {
        await expect(runAttested({ toolName: `attested-${name}` }, call), name).resolves.toContain(
          'fake-reply',
        )
      }
      expect(server.requests).toHaveLength(4)
    })

    it('report: each call is reported once (an Agent → Pool → Client dispatch is judged once) and goes through', async () => {
      enable('report')
      for (const call of Object.values(calls())) await expect(call()).resolves.toContain('fake-reply')
      expect(server.requests).toHaveLength(4)
      const reported = events.filter((event) => !event.attested)
      expect(reported).toHaveLength(4)
      for (const event of reported) {
        expect(event).toMatchObject({ provider: 'ollama', layer: 'network', operation: 'chat' })
      }
    })

    it('leaves other hosts alone, and GET requests unjudged', async () => {
      enable('block')
      const response = await undici.request(`${other.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body,
      })
      expect(await response.body.text()).toContain('fake-reply')
      const models = await undici.request(`${server.url}/v1/models`, { method: 'GET' })
      await models.body.text()
      expect(events).toHaveLength(0)
    })
  })
}
