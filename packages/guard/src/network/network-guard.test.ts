import { mkdtempSync, rmSync } from 'node:fs'
import http, { request as namedRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAttested } from '@mima/core'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { disableGuard, enableGuard } from '../guard/enable-guard'
import type { GuardEvent } from '../guard/guard-options'
import { MimaAttestationError } from '../guard/mima-attestation-error'

const THIS_FILE = 'src/network/network-guard.test.ts'
const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
let server: FakeLlmServer
let other: FakeLlmServer
let directory: string
let events: GuardEvent[]

function enable(mode: 'warn' | 'block' | 'report'): void {
  enableGuard({
    mode,
    logPath: join(directory, 'guard_log.jsonl'),
    socketPath: join(directory, 'none.sock'),
    onEvent: (event) => events.push(event),
    // The fake server stands in for a provider; `other` is any host that is not an AI API.
    network: { hosts: [{ host: new URL(server.url).host, provider: 'ollama' }] },
  })
}

const post = (url: string): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })

function httpPost(
  send: typeof http.request,
  url: string,
): Promise<{ status?: number; text?: string; error?: unknown }> {
  return new Promise((resolve) => {
    const outgoing = send(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = ''
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString()
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
      },
    )
    outgoing.on('error', (error) => resolve({ error }))
    outgoing.end(body)
  })
}

beforeAll(async () => {
  server = await createFakeLlmServer()
  other = await createFakeLlmServer()
})
afterAll(async () => {
  await server.close()
  await other.close()
})
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mima-network-guard-'))
  events = []
  server.reset()
  other.reset()
})
afterEach(async () => {
  await disableGuard()
  rmSync(directory, { recursive: true, force: true })
})

describe('network guard: global fetch', () => {
  it('block: an unattested request to a provider host fails before it leaves; attested passes', async () => {
    enable('block')
    const blocked = post(`${server.url}/v1/chat/completions?key=secret`)
    await expect(blocked).rejects.toBeInstanceOf(MimaAttestationError)
    await expect(blocked).rejects.toThrow(`POST ${new URL(server.url).host}/v1/chat/completions`)
    expect(server.requests).toHaveLength(0)
    const response = await runAttested({ toolName: 'network' }, () =>
      post(`${server.url}/v1/chat/completions`),
    )
    expect(response.status).toBe(200)
    expect(server.requests).toHaveLength(1)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      layer: 'network',
      provider: 'ollama',
      action: 'blocked',
      operation: 'chat',
      call: `POST ${new URL(server.url).host}/v1/chat/completions`,
    })
    expect(events[0]?.call).not.toContain('secret')
  })

  it('report: the request goes through untouched, a stream arrives whole, the call site is the caller', async () => {
    enable('report')
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
    })
    const text = await response.text()
    expect(text).toContain('data: ')
    expect(text).toContain('[DONE]')
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ action: 'reported', layer: 'network', attested: false })
    expect(events[0]?.call_site).toMatch(new RegExp(`^${THIS_FILE}:\\d+:\\d+$`))
  })

  it('leaves other hosts and GET requests alone', async () => {
    enable('block')
    expect((await post(`${other.url}/v1/chat/completions`)).status).toBe(200)
    expect((await fetch(new URL(`${other.url}/v1/embeddings`), { method: 'POST', body })).status).toBe(200)
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(404) // a GET calls no model
    expect(events).toHaveLength(0)
  })

  it('judges a Request object and a URL object', async () => {
    enable('block')
    await expect(
      fetch(new Request(`${server.url}/v1/embeddings`, { method: 'POST', body })),
    ).rejects.toBeInstanceOf(MimaAttestationError)
    await expect(
      fetch(new URL(`${server.url}/v1/messages`), { method: 'POST', body }),
    ).rejects.toBeInstanceOf(MimaAttestationError)
    expect(events.map((event) => event.operation)).toEqual(['embeddings', 'chat'])
    expect(server.requests).toHaveLength(0)
  })
})

describe('network guard: node:http', () => {
  it('block: the request errors without connecting, through the module and a named ESM import', async () => {
    enable('block')
    for (const send of [http.request, namedRequest]) {
      const result = await httpPost(send, `${server.url}/v1/chat/completions`)
      expect(result.error).toBeInstanceOf(MimaAttestationError)
    }
    expect(server.requests).toHaveLength(0)
    const attested = await runAttested({ toolName: 'network' }, () =>
      httpPost(http.request, `${server.url}/v1/chat/completions`),
    )
    expect(attested.status).toBe(200)
    expect(server.requests).toHaveLength(1)
  })

  it('report: the response arrives whole and the request is recorded once', async () => {
    enable('report')
    const result = await httpPost(http.request, `${server.url}/v1/chat/completions`)
    expect(result.status).toBe(200)
    expect(JSON.parse(result.text ?? '')).toMatchObject({ object: 'chat.completion' })
    const other_ = await httpPost(http.request, `${other.url}/v1/chat/completions`)
    expect(other_.status).toBe(200)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ layer: 'network', provider: 'ollama', action: 'reported' })
  })
})

describe('network guard and SDK patches together', () => {
  it('a call the SDK patch judged is not judged again at the network', async () => {
    enable('report')
    const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 })
    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
    let streamed = ''
    for await (const chunk of await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })) {
      streamed += chunk.choices[0]?.delta.content ?? ''
    }
    expect(streamed).toBe('fake-reply')
    expect(server.requests).toHaveLength(2)
    expect(events.map((event) => event.layer ?? 'sdk')).toEqual(['sdk', 'sdk'])
  })

  it('disableGuard restores fetch and http', async () => {
    const originalFetch = globalThis.fetch
    const originalRequest = http.request
    enable('block')
    expect(globalThis.fetch).not.toBe(originalFetch)
    expect(http.request).not.toBe(originalRequest)
    await disableGuard()
    expect(globalThis.fetch).toBe(originalFetch)
    expect(http.request).toBe(originalRequest)
    expect(namedRequest).toBe(originalRequest)
    expect((await post(`${server.url}/v1/chat/completions`)).status).toBe(200)
  })
})
