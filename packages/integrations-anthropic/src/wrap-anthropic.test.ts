import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { createMima, createPriceTable, type Mima, MimaError } from '@mima/core'
import { createRuntimeControls, type RuntimeControls } from '@mima/policy'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wrapAnthropic } from './wrap-anthropic'

let server: TestServer
let llm: FakeLlmServer
let mima: Mima
let directory: string | undefined
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

const client = (): Anthropic =>
  new Anthropic({ apiKey: 'test', baseURL: llm.anthropicBaseUrl, maxRetries: 0 })
const ask = { max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello' }] }

beforeAll(async () => {
  ;[server, llm] = await Promise.all([startTestServer(), createFakeLlmServer()])
  ingest = await server.createKey('ingest')
  directory = mkdtempSync(join(tmpdir(), 'mima-anthropic-'))
  mima = createMima({
    apiKey: ingest,
    baseUrl: server.baseUrl,
    workspaceId: server.workspaceId,
    systemName: 'support-bot',
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

describe('wrapAnthropic', () => {
  it('attests a message with its usage and cost, and keeps withResponse working', async () => {
    const anthropic = wrapAnthropic(client(), { mima, toolName: 'msg-plain', sessionId: 's-1' })
    const { data, response } = await anthropic.messages
      .create({ model: 'claude-haiku-4-5', ...ask })
      .withResponse()
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'fake-reply' })
    expect(response.status).toBe(200)
    const [record] = await records('msg-plain')
    expect(record).toMatchObject({
      provider: 'anthropic',
      operation: 'messages',
      model_id: 'claude-haiku-4-5',
      input_tokens: 3,
      output_tokens: 2,
      session_id: 's-1',
    })
    expect(record?.cost_usd).toBeCloseTo(cost('claude-haiku-4-5', 3, 2), 15)
  })

  it('reads usage from a stream (create with stream: true, and messages.stream)', async () => {
    const anthropic = wrapAnthropic(client(), { mima, toolName: 'msg-stream' })
    const stream = await anthropic.messages.create({ model: 'claude-sonnet-4-5', ...ask, stream: true })
    let text = ''
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text
    }
    expect(text).toBe('fake-reply')
    const helper = anthropic.messages.stream({ model: 'claude-sonnet-4-5', ...ask })
    expect((await helper.finalMessage()).content[0]).toMatchObject({ text: 'fake-reply' })
    const streamed = await records('msg-stream')
    expect(streamed).toHaveLength(2)
    for (const record of streamed) {
      expect(record).toMatchObject({ input_tokens: 3, output_tokens: 2, model_id: 'claude-sonnet-4-5' })
      expect(record.cost_usd).toBeCloseTo(cost('claude-sonnet-4-5', 3, 2), 15)
    }
  })

  it('wraps beta messages, reports unknown models and does nothing the second time', async () => {
    const unknown: string[] = []
    const anthropic = wrapAnthropic(client(), {
      mima,
      toolName: 'msg-beta',
      onUnknownModel: (model) => unknown.push(model),
    })
    await anthropic.beta.messages.create({ model: 'fake-model', ...ask })
    const [record] = await records('msg-beta')
    expect(record).toMatchObject({ input_tokens: 3, output_tokens: 2 })
    expect(record).not.toHaveProperty('cost_usd')
    expect(unknown).toEqual(['fake-model'])
    const create = anthropic.messages.create
    expect(wrapAnthropic(anthropic, { mima })).toBe(anthropic)
    expect(anthropic.messages.create).toBe(create)
  })

  describe('with a budget', () => {
    let controls: RuntimeControls
    beforeAll(async () => {
      const put = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/budgets`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'agent', scope_value: 'capped', period: 'day', limit_usd: 0.001 }),
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

    it('refuses a call whose max_tokens cannot fit, before it is sent', async () => {
      const anthropic = wrapAnthropic(client(), { mima, budget: controls })
      llm.reset()
      const refused = await anthropic.messages
        .create({ model: 'claude-opus-4-1', max_tokens: 1000, messages: [{ role: 'user', content: 'x' }] })
        .catch((error: unknown) => error)
      expect(MimaError.isInstance(refused) && refused.code).toBe('budget_exceeded')
      expect(llm.requests).toHaveLength(0)
      await anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'x' }],
      })
      await controls.budgets.flush()
      const [state] = await controls.snapshot()
      expect(state?.spent_usd).toBeCloseTo(cost('claude-haiku-4-5', 3, 2), 12)
    })
  })
})
