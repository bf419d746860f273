import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Anthropic from '@anthropic-ai/sdk'
import { runAttested } from '@mima/core'
import { createFakeLlmServer, type FakeLlmServer, HANGING_MODEL } from '@mima-internal/test-utils'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { disableGuard, enableGuard, flushGuardReports, guardStatus } from './enable-guard'
import type { GuardEvent } from './guard-options'
import { MimaAttestationError } from './mima-attestation-error'

const THIS_FILE = 'src/guard/enable-guard.test.ts'
const messages = [{ role: 'user' as const, content: 'hi' }]
let server: FakeLlmServer
let directory: string
let warnings: string[]
const onWarning = (warning: Error): void => {
  if (warning.name === 'MimaGuardWarning') warnings.push(warning.message)
}

function clients(): { openai: OpenAI; anthropic: Anthropic } {
  return {
    openai: new OpenAI({ apiKey: 'test', baseURL: server.openaiBaseUrl, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: 'test', baseURL: server.anthropicBaseUrl, maxRetries: 0 }),
  }
}

function enable(mode: 'warn' | 'block' | 'report', extra: Parameters<typeof enableGuard>[0] = {}) {
  return enableGuard({
    mode,
    logPath: join(directory, 'guard_log.jsonl'),
    socketPath: join(directory, 'no-daemon.sock'),
    ...extra,
  })
}

const attest = <T>(fn: () => T): T => runAttested({ toolName: 'test-tool', workspaceId: 'ws-attested' }, fn)

beforeAll(async () => {
  server = await createFakeLlmServer()
  process.on('warning', onWarning)
})
afterAll(async () => {
  process.off('warning', onWarning)
  await server.close()
})
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-'))
  warnings = []
  server.reset()
})
afterEach(async () => {
  await disableGuard()
  rmSync(directory, { recursive: true, force: true })
})

describe('enableGuard', () => {
  it('patches the CommonJS and the ESM copy of both SDKs, and covers clients created before it', async () => {
    const before = clients()
    const status = enable('block')
    const formats = status.patched.map((patch) => `${patch.provider}:${patch.format}`).sort()
    expect(formats).toEqual(['anthropic:commonjs', 'anthropic:esm', 'openai:commonjs', 'openai:esm'])
    expect(status.patched.find((patch) => patch.provider === 'openai')?.methods).toContain(
      'openai.responses.create',
    )
    await expect(before.openai.chat.completions.create({ model: 'gpt-x', messages })).rejects.toBeInstanceOf(
      MimaAttestationError,
    )
    // The CommonJS copy, which `require('openai')` returns, is a different class, and is patched too.
    const require = createRequire(import.meta.url)
    const CommonJsOpenAI = require('openai') as typeof OpenAI
    expect(CommonJsOpenAI).not.toBe(OpenAI)
    const commonjs = new CommonJsOpenAI({ apiKey: 'test', baseURL: server.openaiBaseUrl, maxRetries: 0 })
    await expect(commonjs.embeddings.create({ model: 'emb', input: 'x' })).rejects.toBeInstanceOf(
      MimaAttestationError,
    )
    expect(server.requests).toHaveLength(0)
  })

  it('is idempotent and rejects bad options with a clear error', async () => {
    const first = enable('block')
    const second = enable('report')
    expect(second.mode).toBe('block')
    expect(second.patched).toHaveLength(first.patched.length)
    const { openai } = clients()
    await expect(openai.chat.completions.create({ model: 'm', messages })).rejects.toThrow(
      /Unattested AI call blocked/,
    )
    expect(() => enableGuard({ mode: 'loud' as never })).toThrow(/mode must be one of warn, block, report/)
    expect(() => enableGuard({ warn: 'sometimes' as never })).toThrow(/warn must be one of/)
    expect(() => enableGuard({ formats: ['umd' as never] })).toThrow(/formats may hold/)
  })

  it('patches only the copies asked for', async () => {
    const status = enable('block', { formats: ['esm'] })
    expect(status.patched.map((patch) => patch.format)).toEqual(['esm', 'esm'])
    const require = createRequire(import.meta.url)
    const CommonJsOpenAI = require('openai') as typeof OpenAI
    const commonjs = new CommonJsOpenAI({ apiKey: 'test', baseURL: server.openaiBaseUrl, maxRetries: 0 })
    await expect(commonjs.chat.completions.create({ model: 'm', messages })).resolves.toBeDefined()
    await expect(clients().openai.chat.completions.create({ model: 'm', messages })).rejects.toBeInstanceOf(
      MimaAttestationError,
    )
  })

  it('restores the original methods when disabled', async () => {
    const original = OpenAI.Chat.Completions.prototype.create
    enable('block')
    expect(OpenAI.Chat.Completions.prototype.create).not.toBe(original)
    await disableGuard()
    expect(OpenAI.Chat.Completions.prototype.create).toBe(original)
    const { openai } = clients()
    await expect(openai.chat.completions.create({ model: 'm', messages })).resolves.toBeDefined()
  })
})

describe('block mode', () => {
  it('rejects every unattested call before a request leaves, and lets attested calls through', async () => {
    enable('block')
    const { openai, anthropic } = clients()
    const error = await openai.chat.completions
      .create({ model: 'gpt-x', messages })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MimaAttestationError)
    expect((error as MimaAttestationError).code).toBe('unattested_call')
    expect((error as MimaAttestationError).callSite).toMatch(new RegExp(`^${THIS_FILE}:\\d+:\\d+$`))
    await expect(openai.responses.create({ model: 'gpt-x', input: 'hi' })).rejects.toThrow(
      MimaAttestationError,
    )
    await expect(anthropic.messages.create({ model: 'claude', max_tokens: 5, messages })).rejects.toThrow(
      MimaAttestationError,
    )
    await expect(
      anthropic.beta.messages.create({ model: 'claude', max_tokens: 5, messages }),
    ).rejects.toThrow(MimaAttestationError)
    // the helpers that go through create fail too
    await expect(
      openai.chat.completions.stream({ model: 'gpt-x', messages }).finalChatCompletion(),
    ).rejects.toThrow(/Unattested AI call blocked/)
    await expect(
      anthropic.messages.stream({ model: 'claude', max_tokens: 5, messages }).finalMessage(),
    ).rejects.toThrow(/Unattested AI call blocked/)
    await expect(openai.chat.completions.create({ model: 'gpt-x', messages }).withResponse()).rejects.toThrow(
      MimaAttestationError,
    )
    expect(server.requests).toHaveLength(0)

    const reply = await attest(() => openai.chat.completions.create({ model: 'gpt-x', messages }))
    expect(reply.choices[0]?.message.content).toBe('fake-reply')
    const message = await attest(() =>
      anthropic.messages.create({ model: 'claude', max_tokens: 5, messages }),
    )
    expect(message.content[0]).toEqual({ type: 'text', text: 'fake-reply' })
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/messages'])
    expect(guardStatus().counts).toMatchObject({ blocked: 7, attested: 2 })
  })
})

describe('warn mode', () => {
  it('everyCall warns on each unattested call, with its call site, and never for attested ones', async () => {
    enable('warn', { warn: 'everyCall' })
    const { openai } = clients()
    for (let index = 0; index < 3; index++) {
      const reply = await openai.chat.completions.create({ model: 'gpt-x', messages })
      expect(reply.choices[0]?.message.content).toBe('fake-reply')
    }
    await attest(() => openai.chat.completions.create({ model: 'gpt-x', messages }))
    await sleep(0)
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatch(
      new RegExp(`Unattested AI call: openai\\.chat\\.completions\\.create at ${THIS_FILE}:\\d+:\\d+`),
    )
    expect(server.requests).toHaveLength(4)
  })

  it('oncePerSite warns once for each call site', async () => {
    enable('warn', { warn: 'oncePerSite' })
    const { openai, anthropic } = clients()
    for (let index = 0; index < 3; index++) await openai.embeddings.create({ model: 'emb', input: 'x' })
    for (let index = 0; index < 3; index++)
      await anthropic.messages.create({ model: 'c', max_tokens: 5, messages })
    await sleep(0)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('openai.embeddings.create')
    expect(warnings[1]).toContain('anthropic.messages.create')
    expect(guardStatus().counts).toMatchObject({ unattested: 6, warned: 2 })
  })
})

describe('report mode', () => {
  it('records silently to the JSONL log when no tracer or daemon is there', async () => {
    enable('report', { workspaceId: 'ws-1' })
    const { openai, anthropic } = clients()
    const reply = await openai.chat.completions.create({ model: 'gpt-report', messages })
    expect(reply.choices[0]?.message.content).toBe('fake-reply')
    await anthropic.beta.messages.create({ model: 'claude-report', max_tokens: 5, messages })
    await attest(() => openai.chat.completions.create({ model: 'gpt-attested', messages }))
    await flushGuardReports()
    await sleep(0)
    expect(warnings).toHaveLength(0)
    const lines = readFileSync(join(directory, 'guard_log.jsonl'), 'utf8').trim().split('\n')
    const events = lines.map((line) => JSON.parse(line) as GuardEvent)
    expect(events).toHaveLength(2)
    expect(events[0]).toMatchObject({
      call: 'openai.chat.completions.create',
      attested: false,
      action: 'reported',
      mode: 'report',
      provider: 'openai',
      operation: 'chat',
      model: 'gpt-report',
      workspace_id: 'ws-1',
      pid: process.pid,
    })
    expect(events[0]?.call_site).toMatch(new RegExp(`^${THIS_FILE}:\\d+:\\d+$`))
    expect(events[1]).toMatchObject({ call: 'anthropic.beta.messages.create', model: 'claude-report' })
  })

  it('names the caller’s line when an SDK helper (parse) made the call, and the direct caller otherwise', async () => {
    enable('report')
    const { openai } = clients()
    await openai.chat.completions.parse({ model: 'gpt-parse', messages })
    await openai.chat.completions.create({ model: 'gpt-direct', messages })
    await flushGuardReports()
    const events = readFileSync(join(directory, 'guard_log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as GuardEvent)
    expect(events.map((event) => event.model)).toEqual(['gpt-parse', 'gpt-direct'])
    // both name this file (parse() is not reported as the SDK's own frame), parse() the earlier line
    const lineOf = (event: GuardEvent | undefined): number =>
      Number(event?.call_site?.match(new RegExp(`^${THIS_FILE}:(\\d+):\\d+$`))?.[1])
    expect(lineOf(events[0])).toBeLessThan(lineOf(events[1]))
  })
})

describe('the SDK surface keeps working under the guard', () => {
  it('streams, returns the APIPromise with .withResponse(), and aborts', async () => {
    const seen: GuardEvent[] = []
    enable('report', { onEvent: (event) => seen.push(event) })
    const { openai, anthropic } = clients()

    const promise = openai.chat.completions.create({ model: 'gpt-x', messages })
    expect(typeof promise.withResponse).toBe('function')
    const { data, response } = await promise.withResponse()
    expect(data.choices[0]?.message.content).toBe('fake-reply')
    expect(response.status).toBe(200)

    let streamed = ''
    for await (const chunk of await openai.chat.completions.create({
      model: 'gpt-x',
      messages,
      stream: true,
    })) {
      streamed += chunk.choices[0]?.delta.content ?? ''
    }
    expect(streamed).toBe('fake-reply')

    const chatStream = openai.chat.completions.stream({ model: 'gpt-x', messages })
    expect((await chatStream.finalChatCompletion()).choices[0]?.message.content).toBe('fake-reply')
    const responseStream = openai.responses.stream({ model: 'gpt-x', input: 'hi' })
    expect((await responseStream.finalResponse()).output_text).toBe('fake-reply')
    const messageStream = anthropic.messages.stream({ model: 'claude', max_tokens: 5, messages })
    expect((await messageStream.finalMessage()).content[0]).toMatchObject({ text: 'fake-reply' })
    const betaStream = anthropic.beta.messages.stream({ model: 'claude', max_tokens: 5, messages })
    expect((await betaStream.finalMessage()).content[0]).toMatchObject({ text: 'fake-reply' })
    const embedding = await openai.embeddings.create({ model: 'emb', input: 'x' })
    expect(embedding.data[0]?.embedding).toEqual([0.25, -0.5, 1])

    const controller = new AbortController()
    const hanging = openai.chat.completions.create(
      { model: HANGING_MODEL, messages },
      { signal: controller.signal },
    )
    setTimeout(() => controller.abort(), 20)
    await expect(hanging).rejects.toBeInstanceOf(OpenAI.APIUserAbortError)

    // Stream helpers call create after a timer; the call site is still the caller's line here.
    const helperEvents = seen.filter((event) => event.call !== 'openai.embeddings.create')
    expect(seen).toHaveLength(8)
    for (const event of helperEvents) expect(event.call_site).toMatch(new RegExp(`^${THIS_FILE}:`))
  })
})

describe('non-text and batch calls', () => {
  // Each is an AI call as much as a chat completion: images, audio, moderation and batch jobs.
  const calls = (openai: OpenAI, anthropic: Anthropic): Array<[string, () => Promise<unknown>]> => {
    const file = (): File => new File([Buffer.from('RIFF')], 'clip.wav', { type: 'audio/wav' })
    const image = (): File => new File([Buffer.from('PNG')], 'in.png', { type: 'image/png' })
    const batch = { custom_id: 'one', params: { model: 'claude', max_tokens: 5, messages } }
    return [
      ['openai.images.generate', () => openai.images.generate({ model: 'img', prompt: 'a cat' })],
      ['openai.images.edit', () => openai.images.edit({ model: 'img', image: image(), prompt: 'hat' })],
      ['openai.images.createVariation', () => openai.images.createVariation({ image: image() })],
      [
        'openai.audio.transcriptions.create',
        () => openai.audio.transcriptions.create({ model: 'whisper', file: file() }),
      ],
      [
        'openai.audio.translations.create',
        () => openai.audio.translations.create({ model: 'whisper', file: file() }),
      ],
      [
        'openai.audio.speech.create',
        () => openai.audio.speech.create({ model: 'tts', voice: 'alloy', input: 'hi' }).then((r) => r.text()),
      ],
      ['openai.moderations.create', () => openai.moderations.create({ model: 'mod', input: 'hi' })],
      [
        'openai.batches.create',
        () =>
          openai.batches.create({
            input_file_id: 'file_1',
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
          }),
      ],
      ['anthropic.messages.batches.create', () => anthropic.messages.batches.create({ requests: [batch] })],
      [
        'anthropic.beta.messages.batches.create',
        () => anthropic.beta.messages.batches.create({ requests: [batch] }),
      ],
    ]
  }

  it('blocks each before a request leaves, and lets it through when attested', async () => {
    enable('block')
    const { openai, anthropic } = clients()
    for (const [name, call] of calls(openai, anthropic)) {
      await expect(call(), name).rejects.toBeInstanceOf(MimaAttestationError)
    }
    expect(server.requests).toHaveLength(0)
    for (const [name, call] of calls(openai, anthropic))
      await expect(attest(call), name).resolves.toBeDefined()
    expect(server.requests).toHaveLength(10)
  })

  it('reports each with its call name and model, and returns what the SDK returns', async () => {
    const seen: GuardEvent[] = []
    enable('report', { onEvent: (event) => seen.push(event) })
    const { openai, anthropic } = clients()
    const list = calls(openai, anthropic)
    const results = []
    for (const [, call] of list) results.push(await call())
    expect(seen.map((event) => event.call)).toEqual(list.map(([name]) => name))
    expect(seen[0]).toMatchObject({ model: 'img', operation: 'generate_content', provider: 'openai' })
    expect(results[0]).toMatchObject({ data: [{ b64_json: 'aW1hZ2U=' }] })
    expect(results[3]).toMatchObject({ text: 'fake-reply' })
    expect(results[5]).toBe('fake-audio')
    expect(results[8]).toMatchObject({ id: 'msgbatch_fake' })
    for (const event of seen) expect(event.call_site).toMatch(new RegExp(`^${THIS_FILE}:`))
  })
})

describe('attested context', () => {
  it('never leaks between concurrent tasks', async () => {
    const seen: GuardEvent[] = []
    enable('report', { onEvent: (event) => seen.push(event) })
    const { openai } = clients()
    const results = await Promise.all(
      Array.from({ length: 60 }, async (_, index) => {
        const call = async (): Promise<string | null | undefined> => {
          await sleep(Math.random() * 5)
          const reply = await openai.chat.completions.create({ model: `model-${index}`, messages })
          return reply.choices[0]?.message.content
        }
        return index % 3 === 0 ? attest(call) : call()
      }),
    )
    expect(results.every((text) => text === 'fake-reply')).toBe(true)
    const flagged = seen.map((event) => Number(event.model?.slice('model-'.length))).sort((a, b) => a - b)
    const expected = Array.from({ length: 60 }, (_, index) => index).filter((index) => index % 3 !== 0)
    expect(flagged).toEqual(expected)
    expect(guardStatus().counts).toMatchObject({ attested: 20, unattested: 40 })
  })
})

describe('reporting never fails the AI call', () => {
  it('survives an unwritable log and a throwing onEvent', async () => {
    // the log's parent is a file, so every write fails
    const blocker = join(directory, 'blocker')
    writeFileSync(blocker, '')
    enable('report', { logPath: join(blocker, 'guard_log.jsonl') })
    const { openai } = clients()
    const reply = await openai.chat.completions.create({ model: 'm', messages })
    expect(reply.choices[0]?.message.content).toBe('fake-reply')
    await flushGuardReports()
    await disableGuard()

    enable('warn', {
      onEvent: () => {
        throw new Error('sink exploded')
      },
    })
    const again = await openai.chat.completions.create({ model: 'm', messages })
    expect(again.choices[0]?.message.content).toBe('fake-reply')
    expect(guardStatus().counts).toMatchObject({ unattested: 1, warned: 1 })
  })
})
