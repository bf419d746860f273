import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import { GoogleGenAI } from '@google/genai'
import { ChatOpenAI } from '@langchain/openai'
import { runAttested } from '@mima/core'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { generateText, streamText } from 'ai'
import { generateText as generateText6 } from 'ai-6'
import { createAnthropic as createAnthropic3 } from 'ai-sdk-anthropic-3'
import { createOpenAI as createOpenAI3 } from 'ai-sdk-openai-3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { disableGuard, enableGuard } from '../guard/enable-guard'
import type { GuardEvent, GuardSdkModule } from '../guard/guard-options'
import { MimaAttestationError } from '../guard/mima-attestation-error'

// Libraries the SDK patches never see — the Vercel AI SDK 6 and 7, LangChain, @google/genai — are
// caught by the network guard, with the fake model server's address configured as a provider host.
// They need Node ≥ 22, so this file runs on the pinned Node 22 (vitest.node22.config.ts).
const BLOCKED = /Unattested AI call blocked/
// The fake model names are unknown to the AI SDK, which warns about each.
;(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false
let server: FakeLlmServer
let directory: string
let events: GuardEvent[]

function enable(mode: 'block' | 'report', sdks: readonly GuardSdkModule[] = []): void {
  enableGuard({
    mode,
    sdks,
    logPath: join(directory, 'guard_log.jsonl'),
    socketPath: join(directory, 'none.sock'),
    onEvent: (event) => events.push(event),
    network: { hosts: [{ host: new URL(server.url).host, provider: 'fake' }] },
  })
}

const attest = <T>(fn: () => Promise<T>): Promise<T> => runAttested({ toolName: 'library' }, fn)

beforeAll(async () => {
  server = await createFakeLlmServer()
})
afterAll(() => server.close())
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-libraries-'))
  events = []
  server.reset()
})
afterEach(async () => {
  await disableGuard()
  rmSync(directory, { recursive: true, force: true })
})

describe('Vercel AI SDK', () => {
  it('ai 7 with @ai-sdk/openai: blocked unattested, passes attested, streams whole in report mode', async () => {
    const openai = createOpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl })
    enable('block')
    await expect(generateText({ model: openai.chat('gpt-x'), prompt: 'hi', maxRetries: 0 })).rejects.toThrow(
      BLOCKED,
    )
    expect(server.requests).toHaveLength(0)
    const { text } = await attest(() =>
      generateText({ model: openai.chat('gpt-x'), prompt: 'hi', maxRetries: 0 }),
    )
    expect(text).toBe('fake-reply')
    expect(events).toMatchObject([
      { layer: 'network', provider: 'fake', action: 'blocked', operation: 'chat' },
    ])

    await disableGuard()
    events = []
    enable('report')
    const streamed = streamText({ model: openai.chat('gpt-x'), prompt: 'hi', maxRetries: 0 })
    let whole = ''
    for await (const part of streamed.textStream) whole += part
    expect(whole).toBe('fake-reply')
    expect(events).toMatchObject([{ layer: 'network', action: 'reported' }])
  })

  it('ai 7 with @ai-sdk/anthropic', async () => {
    const anthropic = createAnthropic({ apiKey: 'k', baseURL: `${server.anthropicBaseUrl}/v1` })
    enable('block')
    await expect(generateText({ model: anthropic('claude-x'), prompt: 'hi', maxRetries: 0 })).rejects.toThrow(
      BLOCKED,
    )
    const { text } = await attest(() =>
      generateText({ model: anthropic('claude-x'), prompt: 'hi', maxRetries: 0 }),
    )
    expect(text).toBe('fake-reply')
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/messages'])
  })

  it('ai 6 with @ai-sdk/openai 3 and @ai-sdk/anthropic 3', async () => {
    const openai = createOpenAI3({ apiKey: 'k', baseURL: server.openaiBaseUrl })
    const anthropic = createAnthropic3({ apiKey: 'k', baseURL: `${server.anthropicBaseUrl}/v1` })
    enable('block')
    for (const model of [openai.chat('gpt-x'), anthropic('claude-x')]) {
      await expect(generateText6({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(BLOCKED)
      expect((await attest(() => generateText6({ model, prompt: 'hi', maxRetries: 0 }))).text).toBe(
        'fake-reply',
      )
    }
    expect(server.requests).toHaveLength(2)
    expect(events).toHaveLength(2)
  })
})

describe('LangChain', () => {
  const chat = (): ChatOpenAI =>
    new ChatOpenAI({
      model: 'gpt-x',
      apiKey: 'k',
      maxRetries: 0,
      configuration: { baseURL: server.openaiBaseUrl },
    })

  it('ChatOpenAI: blocked unattested, passes attested', async () => {
    enable('block')
    // The openai client LangChain uses reports a failed fetch as its connection error, caused by ours.
    const failure = await chat()
      .invoke('hi')
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect((failure as Error | undefined)?.cause).toBeInstanceOf(MimaAttestationError)
    expect(server.requests).toHaveLength(0)
    const reply = await attest(() => chat().invoke('hi'))
    expect(reply.content).toBe('fake-reply')
    expect(events).toMatchObject([{ layer: 'network', action: 'blocked' }])
  })

  it('is not reported twice when its openai copy is patched too', async () => {
    // @langchain/openai brings its own openai 7: patch that copy as well.
    const langchainOpenai = createRequire(
      createRequire(import.meta.url).resolve('@langchain/openai'),
    ).resolve('openai')
    enable('report', [{ provider: 'openai', specifier: langchainOpenai }])
    expect((await chat().invoke('hi')).content).toBe('fake-reply')
    expect(server.requests).toHaveLength(1)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ call: 'openai.chat.completions.create', action: 'reported' })
    expect(events[0]?.layer).toBeUndefined()
  })
})

describe('@google/genai', () => {
  const genai = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.url } })

  it('blocked unattested (also streams), passes attested, and the model comes from the path', async () => {
    enable('block')
    await expect(genai().models.generateContent({ model: 'gemini-x', contents: 'hi' })).rejects.toThrow(
      BLOCKED,
    )
    await expect(
      (async () => {
        for await (const _chunk of await genai().models.generateContentStream({
          model: 'gemini-x',
          contents: 'hi',
        })) {
          // never reached
        }
      })(),
    ).rejects.toThrow(BLOCKED)
    expect(server.requests).toHaveLength(0)
    const reply = await attest(() => genai().models.generateContent({ model: 'gemini-x', contents: 'hi' }))
    expect(reply.text).toBe('fake-reply')
    expect(events).toHaveLength(2)
    expect(events[0]).toMatchObject({
      layer: 'network',
      provider: 'fake',
      model: 'gemini-x',
      operation: 'chat',
    })
  })

  it('report mode: a stream arrives whole', async () => {
    enable('report')
    let text = ''
    for await (const chunk of await genai().models.generateContentStream({
      model: 'gemini-x',
      contents: 'hi',
    })) {
      text += chunk.text ?? ''
    }
    expect(text).toBe('fake-reply')
    expect(events).toMatchObject([{ action: 'reported', model: 'gemini-x' }])
  })
})
