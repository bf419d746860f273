import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMima, createPriceTable, type Mima, MimaError } from '@mima/core'
import { createRuntimeControls, type RuntimeControls } from '@mima/policy'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wrapOpenAI } from '../src/wrap-openai'

/** The `OpenAI` class of the SDK copy under test (openai 6, or 7 on Node ≥ 22). */
export type OpenAIConstructor = new (options: {
  apiKey: string
  baseURL: string
  maxRetries: number
}) => OpenAI

/**
 * The wrapOpenAI suite against a real server and the fake model server, for one copy of the
 * `openai` SDK (`wrap-openai.test.ts` runs it on openai 6, `wrap-openai.node22.test.ts` on 7).
 */
export function describeWrapOpenAI(label: string, OpenAIClass: OpenAIConstructor): void {
  let server: TestServer
  let llm: FakeLlmServer
  let mima: Mima
  let directory: string
  let ingest: string

  const prices = createPriceTable()
  const cost = (model: string, input: number, output: number): number => {
    const result = prices.price(model, { inputTokens: input, outputTokens: output })
    if (result.status !== 'priced') throw new Error(`no price for ${model}`)
    return result.costUsd
  }

  async function records(toolName: string): Promise<Record<string, unknown>[]> {
    await new Promise((resolve) => setImmediate(resolve))
    await mima.flush()
    const response = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/attestations?tool_name=${toolName}&limit=100`,
      { headers: { authorization: `Bearer ${server.adminKey}` } },
    )
    return ((await response.json()) as { attestations: Record<string, unknown>[] }).attestations
  }

  function client(): OpenAI {
    return new OpenAIClass({ apiKey: 'test', baseURL: llm.openaiBaseUrl, maxRetries: 0 })
  }

  beforeAll(async () => {
    ;[server, llm] = await Promise.all([startTestServer(), createFakeLlmServer()])
    ingest = await server.createKey('ingest')
    directory = mkdtempSync(join(tmpdir(), 'mima-openai-'))
    mima = createMima({
      apiKey: ingest,
      baseUrl: server.baseUrl,
      workspaceId: server.workspaceId,
      systemName: 'support-bot',
      agentName: 'triage',
      onError: 'raise',
      flushOnExit: false,
      env: {},
      configFile: false,
      outbox: { directory },
    })
  }, 180_000)

  afterAll(async () => {
    await mima?.close()
    await Promise.all([server?.close(), llm?.close()])
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true })
  })

  describe(`wrapOpenAI on openai ${label}`, () => {
    it('attests a chat completion with its usage and cost, and keeps withResponse working', async () => {
      const openai = wrapOpenAI(client(), { mima, sessionId: 'session-1', toolName: 'chat-plain' })
      const { data, response } = await openai.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] })
        .withResponse()
      expect(data.choices[0]?.message.content).toBe('fake-reply')
      expect(response.status).toBe(200)
      const [record] = await records('chat-plain')
      expect(record).toMatchObject({
        provider: 'openai',
        operation: 'chat.completions',
        model_id: 'gpt-4o-mini',
        input_tokens: 3,
        output_tokens: 2,
        session_id: 'session-1',
        agent_name: 'triage',
      })
      expect(record?.cost_usd).toBeCloseTo(cost('gpt-4o-mini', 3, 2), 15)
      expect(record?.input_hash).toMatch(/^[0-9a-f]{64}$/)
    })

    it('reads usage from the last chunk of a stream, asking for it and hiding it from the caller', async () => {
      const openai = wrapOpenAI(client(), { mima, toolName: 'chat-stream' })
      llm.reset()
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hello' }],
        stream: true,
      })
      const chunks = []
      for await (const chunk of stream) chunks.push(chunk)
      // The caller sees what an unwrapped client sees: every chunk has a choice.
      expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true)
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('fake-reply')
      expect(llm.requests[0]?.body?.stream_options).toEqual({ include_usage: true })
      const [record] = await records('chat-stream')
      expect(record).toMatchObject({ input_tokens: 3, output_tokens: 2, model_id: 'gpt-4o' })
      expect(record?.cost_usd).toBeCloseTo(cost('gpt-4o', 3, 2), 15)

      // A caller who asked for usage gets the chunk, as without the wrapper.
      const own = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hello' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      const ownChunks = []
      for await (const chunk of own) ownChunks.push(chunk)
      expect(ownChunks.at(-1)?.usage?.completion_tokens).toBe(2)
    })

    it('covers responses (streamed too), embeddings and the chat stream helper', async () => {
      const openai = wrapOpenAI(client(), { mima })
      const response = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Hello' })
      expect(response.output_text).toBe('fake-reply')
      const stream = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Hello', stream: true })
      for await (const _event of stream) {
        // drain
      }
      await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] })
      const helper = openai.chat.completions.stream({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
      })
      expect((await helper.finalChatCompletion()).choices[0]?.message.content).toBe('fake-reply')
      const responses = await records('openai.responses')
      expect(responses).toHaveLength(2)
      for (const record of responses)
        expect(record).toMatchObject({ operation: 'responses', input_tokens: 3, output_tokens: 2 })
      const [embedding] = await records('openai.embeddings')
      expect(embedding).toMatchObject({ input_tokens: 1, output_tokens: 0 })
      expect(embedding?.cost_usd).toBeCloseTo(cost('text-embedding-3-small', 1, 0), 15)
      const [streamed] = await records('openai.chat.completions')
      expect(streamed).toMatchObject({ input_tokens: 3, output_tokens: 2 })
    })

    it('reports an unknown model instead of pricing it at zero, and records failures', async () => {
      const unknown: string[] = []
      const openai = wrapOpenAI(client(), {
        mima,
        toolName: 'chat-unknown',
        onUnknownModel: (model) => unknown.push(model),
      })
      await openai.chat.completions.create({
        model: 'fake-model',
        messages: [{ role: 'user', content: 'x' }],
      })
      const [record] = await records('chat-unknown')
      expect(record).toMatchObject({ input_tokens: 3, output_tokens: 2 })
      expect(record).not.toHaveProperty('cost_usd')
      expect(unknown).toEqual(['fake-model'])

      const broken = wrapOpenAI(
        new OpenAIClass({ apiKey: 'test', baseURL: `${llm.url}/nowhere`, maxRetries: 0 }),
        {
          mima,
          toolName: 'chat-broken',
        },
      )
      await expect(
        broken.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toThrow()
      const [failed] = await records('chat-broken')
      expect(failed).toMatchObject({ outcome: 'error', provider: 'openai' })
    })

    it('does nothing the second time', () => {
      const openai = client()
      const once = wrapOpenAI(openai, { mima })
      const create = once.chat.completions.create
      expect(wrapOpenAI(once, { mima })).toBe(openai)
      expect(openai.chat.completions.create).toBe(create)
    })

    describe('with a budget', () => {
      let controls: RuntimeControls
      beforeAll(async () => {
        const put = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/budgets`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ scope: 'agent', scope_value: 'capped', period: 'day', limit_usd: 0.0005 }),
        })
        expect(put.status).toBe(200)
        controls = createRuntimeControls({
          baseUrl: server.baseUrl,
          apiKey: ingest,
          workspaceId: server.workspaceId,
          systemName: 'support-bot',
          agentName: 'capped',
          presence: false,
          onError: () => {},
        })
        await controls.ready()
      })
      afterAll(async () => {
        await controls?.close()
      })

      it('checks the projected cost first and refuses a call that does not fit, before it is sent', async () => {
        const openai = wrapOpenAI(client(), { mima, budget: controls, toolName: 'chat-budget' })
        llm.reset()
        // gpt-4o, 100 output tokens max: about $0.001 projected, over the $0.0005 cap.
        const refused = await openai.chat.completions
          .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], max_tokens: 100 })
          .catch((error: unknown) => error)
        expect(MimaError.isInstance(refused) && refused.code).toBe('budget_exceeded')
        expect(llm.requests).toHaveLength(0)
        // A small call fits; its withResponse still works through the deferred check.
        const { data } = await openai.chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_tokens: 10 })
          .withResponse()
        expect(data.choices[0]?.message.content).toBe('fake-reply')
        await controls.budgets.flush()
        const [state] = await controls.snapshot()
        expect(state?.calls).toBe(1)
        expect(state?.spent_usd).toBeCloseTo(cost('gpt-4o-mini', 3, 2), 12)
      })
    })
  })
}
