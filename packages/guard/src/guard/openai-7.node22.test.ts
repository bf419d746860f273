import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAttested } from '@mima/core'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import OpenAI from 'openai-7'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { disableGuard, enableGuard, flushGuardReports } from './enable-guard'
import type { GuardEvent } from './guard-options'
import { MimaAttestationError } from './mima-attestation-error'

// The real openai 7 client (Node ≥ 22, so this file runs on the pinned Node 22): block, report and
// attested paths, with streaming and `.withResponse()`, in the ESM and the CommonJS copy.
const THIS_FILE = 'src/guard/openai-7.node22.test.ts'
const messages = [{ role: 'user' as const, content: 'hi' }]
const require = createRequire(import.meta.url)
let server: FakeLlmServer
let directory: string

function enable(mode: 'block' | 'report'): ReturnType<typeof enableGuard> {
  return enableGuard({
    mode,
    logPath: join(directory, 'guard_log.jsonl'),
    socketPath: join(directory, 'no-daemon.sock'),
    sdks: [{ provider: 'openai', specifier: 'openai-7' }],
  })
}

const copies = [
  { format: 'esm', OpenAIClass: OpenAI },
  { format: 'commonjs', OpenAIClass: require('openai-7') as typeof OpenAI },
]

beforeAll(async () => {
  server = await createFakeLlmServer()
})
afterAll(() => server.close())
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-openai7-'))
  server.reset()
})
afterEach(async () => {
  await disableGuard()
  rmSync(directory, { recursive: true, force: true })
})

describe.each(copies)('openai 7 ($format)', ({ OpenAIClass }) => {
  const client = (): OpenAI => new OpenAIClass({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 })

  it('block: unattested calls, streams included, fail before a request leaves', async () => {
    const status = enable('block')
    expect(status.patched.map((patch) => patch.version)).toEqual(['7.60.0', '7.60.0'])
    const openai = client()
    await expect(openai.chat.completions.create({ model: 'm', messages })).rejects.toBeInstanceOf(
      MimaAttestationError,
    )
    await expect(openai.chat.completions.create({ model: 'm', messages }).withResponse()).rejects.toThrow(
      /Unattested AI call blocked/,
    )
    await expect(
      openai.chat.completions.create({ model: 'm', messages, stream: true }),
    ).rejects.toBeInstanceOf(MimaAttestationError)
    await expect(
      openai.chat.completions.stream({ model: 'm', messages }).finalChatCompletion(),
    ).rejects.toThrow(/Unattested AI call blocked/)
    await expect(openai.responses.create({ model: 'm', input: 'x' })).rejects.toBeInstanceOf(
      MimaAttestationError,
    )
    expect(server.requests).toHaveLength(0)
  })

  it('attested: every call goes through, with .withResponse() and streams intact', async () => {
    enable('block')
    const openai = client()
    await runAttested({ toolName: 'openai-7' }, async () => {
      const { data, response } = await openai.chat.completions.create({ model: 'm', messages }).withResponse()
      expect(data.choices[0]?.message.content).toBe('fake-reply')
      expect(response.status).toBe(200)
      let streamed = ''
      for await (const chunk of await openai.chat.completions.create({
        model: 'm',
        messages,
        stream: true,
      })) {
        streamed += chunk.choices[0]?.delta.content ?? ''
      }
      expect(streamed).toBe('fake-reply')
      const final = await openai.chat.completions.stream({ model: 'm', messages }).finalChatCompletion()
      expect(final.choices[0]?.message.content).toBe('fake-reply')
      expect((await openai.responses.stream({ model: 'm', input: 'hi' }).finalResponse()).output_text).toBe(
        'fake-reply',
      )
    })
    expect(server.requests).toHaveLength(4)
  })

  it('report: calls go through untouched and each is recorded with its call site', async () => {
    enable('report')
    const openai = client()
    const { data } = await openai.chat.completions.create({ model: 'gpt-report', messages }).withResponse()
    expect(data.choices[0]?.message.content).toBe('fake-reply')
    let streamed = ''
    for await (const chunk of await openai.chat.completions.create({
      model: 'gpt-stream',
      messages,
      stream: true,
    })) {
      streamed += chunk.choices[0]?.delta.content ?? ''
    }
    expect(streamed).toBe('fake-reply')
    await runAttested({ toolName: 'openai-7' }, () =>
      openai.chat.completions.create({ model: 'gpt-ok', messages }),
    )
    await flushGuardReports()
    const events = readFileSync(join(directory, 'guard_log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as GuardEvent)
    expect(events.map((event) => event.model)).toEqual(['gpt-report', 'gpt-stream'])
    for (const event of events) {
      expect(event).toMatchObject({
        call: 'openai.chat.completions.create',
        action: 'reported',
        attested: false,
      })
      expect(event.call_site).toMatch(new RegExp(`^${THIS_FILE}:\\d+:\\d+$`))
    }
    expect(server.requests).toHaveLength(3)
  })
})
