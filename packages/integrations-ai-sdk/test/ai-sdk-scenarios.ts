import { createApprovals } from '@mima/approvals'
import { createMima, hashValue, type Mima } from '@mima/core'
import { readAttestations, readEvidence, startTestServer, type TestServer } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer, HANGING_MODEL } from '@mima-internal/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createMimaAiSdk, type MimaAiSdk } from '../src/index'

/** The parts of `ai` and its OpenAI provider the scenarios drive (ai 6 + @ai-sdk/openai 3, or ai 7 + 4). */
// biome-ignore lint/suspicious/noExplicitAny: the two majors' types differ; the scenarios hold for both.
type Module = any

export interface AiSdkModules {
  readonly label: string
  readonly ai: Module
  readonly createOpenAI: Module
  /** ai 6 stops for `needsApproval`; ai 7 also takes a `toolApproval` function that waits. */
  readonly approvalStyle: 'needs-approval' | 'tool-approval'
}

function lastMessage(body: Record<string, unknown>): { role?: string } | undefined {
  const messages = body.messages as { role?: string }[] | undefined
  return messages?.[messages.length - 1]
}

function userText(body: Record<string, unknown>): string {
  return JSON.stringify(body.messages ?? body.input ?? '')
}

/** Runs every scenario against one major of the AI SDK. */
export function describeAiSdk(modules: AiSdkModules): void {
  const { ai, createOpenAI } = modules

  describe(`the AI SDK integration (${modules.label})`, () => {
    let server: TestServer
    let fake: FakeLlmServer
    let mima: Mima
    let mimaAi: MimaAiSdk
    let approverKey: string
    let before: number

    beforeAll(async () => {
      server = await startTestServer()
      approverKey = await server.createKey('approver', 'bob@example.com')
      fake = await createFakeLlmServer({
        streamUsage: true,
        // Ask for a tool while the conversation has tools and has not answered one yet.
        toolCalls: (body) => {
          if (!Array.isArray(body.tools) || lastMessage(body)?.role === 'tool') return undefined
          const text = userText(body)
          if (text.includes('refund')) return [{ name: 'refund', arguments: { order: 'A-17', amount: 120 } }]
          if (text.includes('weather'))
            return [{ name: 'weather', arguments: { city: text.includes('Oslo') ? 'Oslo' : 'Rome' } }]
          return undefined
        },
      })
      mima = createMima({
        apiKey: await server.createKey('ingest', 'support-bot'),
        systemName: 'support-bot',
        baseUrl: server.baseUrl,
        workspaceId: server.workspaceId,
        onError: 'raise',
        flushOnExit: false,
        configFile: false,
        env: {},
        outbox: { directory: false },
      })
      mimaAi = createMimaAiSdk({ mima, approvals: createApprovals(mima), approval: { timeoutSeconds: 60 } })
    })

    afterAll(async () => {
      await mima?.close()
      await fake?.close()
      await server?.close()
    })

    beforeEach(async () => {
      before = (await readAttestations(server)).length
    })

    async function recorded() {
      await mima.flush()
      return (await readAttestations(server)).slice(before)
    }

    function model(id = 'gpt-test') {
      const openai = createOpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'test' })
      return ai.wrapLanguageModel({ model: openai.chat(id), middleware: mimaAi.middleware })
    }

    const weather = () =>
      ai.tool({
        description: 'The weather in a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }: { city: string }) => ({ city, forecast: 'rain' }),
      })

    it('attests generateText with real hashes, model id, usage and finish reason', async () => {
      const first = await ai.generateText({ model: model(), prompt: 'Say hello to Ada' })
      await ai.generateText({ model: model(), prompt: 'Say hello to Grace' })
      expect(first.text).toBe('fake-reply')
      const records = await recorded()
      expect(records.map((record) => record.tool_name)).toEqual(['ai-sdk:generate', 'ai-sdk:generate'])
      const [ada, grace] = records
      expect(ada?.model_id).toBe('gpt-test')
      expect(ada?.input_hash).toMatch(/^[0-9a-f]{64}$/)
      expect(ada?.input_hash).not.toBe(grace?.input_hash) // the input hash follows the prompt
      expect(ada?.output_hash).toBe(grace?.output_hash) // same reply, same output hash
      expect(ada?.output_hash).toBe(hashValue([{ type: 'text', text: 'fake-reply' }]))
      expect(ada?.metadata).toMatchObject({
        framework: 'ai-sdk',
        usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
        finish_reason: 'stop',
      })
      expect(ada?.parent_idempotency_key).toBeUndefined()
    })

    it('attests generateObject and streamObject calls as JSON responses', async () => {
      const objectFake = await createFakeLlmServer({ reply: '{"name":"Ada"}' })
      const objectModel = ai.wrapLanguageModel({
        model: createOpenAI({ baseURL: objectFake.openaiBaseUrl, apiKey: 'test' }).chat('gpt-json'),
        middleware: mimaAi.middleware,
      })
      try {
        const { object } = await ai.generateObject({
          model: objectModel,
          schema: z.object({ name: z.string() }),
          prompt: 'Who?',
        })
        expect(object).toEqual({ name: 'Ada' })
        const streamed = ai.streamObject({
          model: objectModel,
          schema: z.object({ name: z.string() }),
          prompt: 'Who?',
        })
        for await (const _partial of streamed.partialObjectStream) {
          // streamObject is lazy: its object settles once the stream is read.
        }
        expect(await streamed.object).toEqual({ name: 'Ada' })
      } finally {
        await objectFake.close()
      }
      const records = await recorded()
      expect(records.map((record) => record.tool_name)).toEqual(['ai-sdk:generate', 'ai-sdk:stream'])
      for (const record of records) expect(record.metadata).toMatchObject({ response_format: 'json' })
      expect(records[1]?.output_hash).toBe(hashValue([{ type: 'text', text: '{"name":"Ada"}' }]))
    })

    it('attests streamText when the stream finishes, with the usage from its last chunk', async () => {
      const result = ai.streamText({ model: model(), prompt: 'Stream to Ada' })
      expect(await result.text).toBe('fake-reply')
      const [record] = await recorded()
      expect(record).toMatchObject({ tool_name: 'ai-sdk:stream', model_id: 'gpt-test' })
      expect(record?.output_hash).toBe(hashValue([{ type: 'text', text: 'fake-reply' }]))
      expect(record?.metadata).toMatchObject({
        usage: { input_tokens: 3, output_tokens: 2 },
        finish_reason: 'stop',
      })
      expect(record?.outcome).toBeUndefined()
    })

    it('attests an aborted stream as an aborted call', async () => {
      const controller = new AbortController()
      const result = ai.streamText({
        model: model(HANGING_MODEL),
        prompt: 'Never answered',
        abortSignal: controller.signal,
        onError: () => {},
      })
      setTimeout(() => controller.abort(), 50)
      await expect(result.text).rejects.toThrow()
      const records = await recorded()
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        tool_name: 'ai-sdk:stream',
        outcome: 'error',
        error_type: 'AbortError',
      })
    })

    it('attests the tool calls of a multi-step run as children of the run', async () => {
      const result = await ai.generateText({
        model: model(),
        tools: mimaAi.attestTools({ weather: weather() }),
        stopWhen: ai.stepCountIs(3),
        prompt: 'What is the weather in Oslo?',
      })
      expect(result.text).toBe('fake-reply')
      expect(result.steps).toHaveLength(2)
      const records = await recorded()
      const byName = (name: string) => records.filter((record) => record.tool_name === name)
      expect(records.map((record) => record.tool_name).sort()).toEqual(
        ['ai-sdk:generate', 'ai-sdk:generate', 'ai-sdk:tool:weather'].sort(),
      )
      const [firstStep, secondStep] = byName('ai-sdk:generate')
      const [tool] = byName('ai-sdk:tool:weather')
      const runKey = firstStep?.idempotency_key
      expect(firstStep?.parent_idempotency_key).toBeUndefined()
      expect(firstStep?.metadata).toMatchObject({ finish_reason: 'tool-calls', run_id: runKey })
      expect(tool?.parent_idempotency_key).toBe(runKey)
      expect(tool?.metadata).toMatchObject({ run_id: runKey, requested_by: runKey, tool: 'weather' })
      expect(tool?.input_hash).toBe(hashValue({ city: 'Oslo' }))
      expect(tool?.output_hash).toBe(hashValue({ city: 'Oslo', forecast: 'rain' }))
      expect(secondStep?.parent_idempotency_key).toBe(runKey)
      expect(secondStep?.input_hash).not.toBe(firstStep?.input_hash)
    })

    it('links the tool calls of streamText runs too, and records a failing tool as an error', async () => {
      const failing = ai.tool({
        description: 'The weather in a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async () => {
          throw new RangeError('no forecast')
        },
      })
      const result = ai.streamText({
        model: model(),
        tools: mimaAi.attestTools({ weather: failing }),
        stopWhen: ai.stepCountIs(3),
        prompt: 'weather in Rome?',
      })
      await result.consumeStream()
      const records = await recorded()
      const tool = records.find((record) => record.tool_name === 'ai-sdk:tool:weather')
      const firstStep = records.find((record) => record.tool_name === 'ai-sdk:stream')
      expect(tool).toMatchObject({ outcome: 'error', error_type: 'RangeError', output_hash: '' })
      expect(tool?.parent_idempotency_key).toBe(firstStep?.idempotency_key)
    })

    it('attests embed and embedMany calls', async () => {
      const openai = createOpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'test' })
      const embeddingModel = ai.wrapEmbeddingModel({
        model: openai.embedding('text-embedding-test'),
        middleware: mimaAi.embeddingMiddleware,
      })
      await ai.embed({ model: embeddingModel, value: 'sunny day' })
      await ai.embedMany({ model: embeddingModel, values: ['a', 'b'] })
      const records = await recorded()
      expect(records.map((record) => record.tool_name)).toEqual(['ai-sdk:embed', 'ai-sdk:embed'])
      expect(records[0]).toMatchObject({
        model_id: 'text-embedding-test',
        input_hash: hashValue(['sunny day']),
      })
      expect(records[1]?.output_hash).toBe(
        hashValue([
          [0.25, -0.5, 1],
          [0.25, -0.5, 1],
        ]),
      )
      expect(records[1]?.metadata).toMatchObject({ values: 2, usage: { input_tokens: 1 } })
    })

    it('lets a person decide a tool approval in Mima, bound to that tool call, while the agent waits', async () => {
      const approver = createApprovals({
        baseUrl: server.baseUrl,
        apiKey: approverKey,
        workspaceId: server.workspaceId,
      })
      let refunds = 0
      const refund = ai.tool({
        description: 'Refund an order',
        inputSchema: z.object({ order: z.string(), amount: z.number() }),
        ...(modules.approvalStyle === 'needs-approval' ? { needsApproval: true } : {}),
        execute: async ({ order }: { order: string }) => {
          refunds++
          return { refunded: order }
        },
      })
      const tools = mimaAi.attestTools({ refund })
      // The approver, in the dashboard: waits for the request, checks what it is bound to, approves.
      const decided = (async () => {
        for (;;) {
          const pending = (await approver.list()).find(
            (approval) => approval.actionType === 'ai-sdk:tool:refund',
          )
          if (pending) {
            expect(pending.context).toMatchObject({
              tool_name: 'refund',
              input: { order: 'A-17', amount: 120 },
            })
            await approver.decide(pending.id, 'approve')
            return pending
          }
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      })()
      const prompt = [{ role: 'user', content: 'Please refund order A-17' }]
      let result: Module
      if (modules.approvalStyle === 'needs-approval') {
        const first = await ai.generateText({
          model: model(),
          tools,
          messages: prompt,
          stopWhen: ai.stepCountIs(3),
        })
        expect(refunds).toBe(0) // stopped for the approval
        const answer = await mimaAi.resolveToolApprovals(first.content)
        expect(answer?.content).toEqual([expect.objectContaining({ approved: true })])
        result = await ai.generateText({
          model: model(),
          tools,
          messages: [...prompt, ...first.response.messages, answer],
          stopWhen: ai.stepCountIs(3),
        })
      } else {
        result = await ai.generateText({
          model: model(),
          tools,
          messages: prompt,
          toolApproval: mimaAi.toolApproval(['refund']),
          stopWhen: ai.stepCountIs(3),
        })
      }
      const approval = await decided
      expect(refunds).toBe(1)
      expect(result.text).toBe('fake-reply')
      const records = await recorded()
      const tool = records.find((record) => record.tool_name === 'ai-sdk:tool:refund')
      expect(tool?.approval_token).toEqual(expect.any(String))
      expect(tool?.input_hash).toBe(hashValue({ order: 'A-17', amount: 120 }))
      const oversight = (await readEvidence(server)).find(
        (record) => (record.payload as { approval_id?: string } | undefined)?.approval_id === approval.id,
      )
      expect(oversight).toMatchObject({ record_type: 'human_oversight' })
    })

    it('tells the model when a person denies the tool call, and the tool does not run', async () => {
      const approver = createApprovals({
        baseUrl: server.baseUrl,
        apiKey: approverKey,
        workspaceId: server.workspaceId,
      })
      let refunds = 0
      const refund = ai.tool({
        description: 'Refund an order',
        inputSchema: z.object({ order: z.string(), amount: z.number() }),
        ...(modules.approvalStyle === 'needs-approval' ? { needsApproval: true } : {}),
        execute: async () => {
          refunds++
          return 'done'
        },
      })
      const tools = mimaAi.attestTools({ refund })
      const denied = (async () => {
        for (;;) {
          const pending = (await approver.list()).find(
            (approval) => approval.actionType === 'ai-sdk:tool:refund',
          )
          if (pending) return approver.decide(pending.id, 'reject', { reason: 'Too large' })
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      })()
      const prompt = [{ role: 'user', content: 'Please refund order A-17' }]
      if (modules.approvalStyle === 'needs-approval') {
        const first = await ai.generateText({ model: model(), tools, messages: prompt })
        const answer = await mimaAi.resolveToolApprovals(first.content)
        expect(answer?.content).toEqual([expect.objectContaining({ approved: false, reason: 'Too large' })])
        await ai.generateText({
          model: model(),
          tools,
          messages: [...prompt, ...first.response.messages, answer],
        })
      } else {
        await ai.generateText({
          model: model(),
          tools,
          messages: prompt,
          toolApproval: mimaAi.toolApproval(['refund']),
          stopWhen: ai.stepCountIs(3),
        })
      }
      await denied
      expect(refunds).toBe(0)
      const records = await recorded()
      expect(records.some((record) => record.tool_name === 'ai-sdk:tool:refund')).toBe(false)
    })
  })
}
