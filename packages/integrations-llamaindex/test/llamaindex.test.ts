import { OpenAI, OpenAIEmbedding } from '@llamaindex/openai'
import { createMima, hashValue, type Mima } from '@mima/core'
import { readAttestations, startTestServer, type TestServer } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { Document, FunctionTool, LLMAgent, Settings, VectorStoreIndex } from 'llamaindex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDocsAssistant } from '../../../examples/llamaindex/src/docs-assistant'
import { attachMima } from '../src/index'

let server: TestServer
let fake: FakeLlmServer
let mima: Mima
let detach: () => void
let seen = 0

beforeAll(async () => {
  server = await startTestServer()
  fake = await createFakeLlmServer({
    toolCalls: (body) => {
      const messages = body.messages as { role: string }[]
      return Array.isArray(body.tools) && messages.at(-1)?.role !== 'tool'
        ? [{ name: 'lookup_order', arguments: { id: 'A-17' } }]
        : undefined
    },
  })
  mima = createMima({
    apiKey: await server.createKey('ingest', 'docs-assistant'),
    systemName: 'docs-assistant',
    baseUrl: server.baseUrl,
    workspaceId: server.workspaceId,
    onError: 'raise',
    flushOnExit: false,
    configFile: false,
    env: {},
    outbox: { directory: false },
  })
  detach = attachMima(Settings.callbackManager, { mima })
})

afterAll(async () => {
  detach?.()
  await mima?.close()
  await fake?.close()
  await server?.close()
})

/** LlamaIndex dispatches its events in microtasks; let them run before flushing. */
async function recorded() {
  await new Promise((resolve) => setTimeout(resolve, 0))
  await mima.flush()
  const all = await readAttestations(server)
  const fresh = all.slice(seen)
  seen = all.length
  return fresh
}

function llm(): OpenAI {
  return new OpenAI({ model: 'gpt-4o-mini', apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 })
}

describe('LlamaIndex against the fake OpenAI endpoint', () => {
  it('attests chat calls, streamed or not, with hashes, model id, usage and finish reason', async () => {
    const model = llm()
    const response = await model.chat({ messages: [{ role: 'user', content: 'Summarise RFC 9162' }] })
    expect(response.message.content).toBe('fake-reply')
    let streamed = ''
    for await (const chunk of await model.chat({
      messages: [{ role: 'user', content: 'Summarise RFC 6962' }],
      stream: true,
    }))
      streamed += chunk.delta
    expect(streamed).toBe('fake-reply')
    const records = await recorded()
    expect(records.map((record) => record.tool_name)).toEqual(['llamaindex:llm', 'llamaindex:llm'])
    const [plain, stream] = records
    expect(plain).toMatchObject({
      model_id: 'gpt-4o-mini',
      input_hash: hashValue([{ role: 'user', content: 'Summarise RFC 9162' }]),
      output_hash: hashValue({ role: 'assistant', content: 'fake-reply' }),
      metadata: { usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 }, finish_reason: 'stop' },
    })
    expect(stream?.input_hash).not.toBe(plain?.input_hash)
    expect(stream?.output_hash).toBe(plain?.output_hash)
  })

  it('attests an agent tool call as a child of the LLM call that asked for it', async () => {
    const lookup = FunctionTool.from(({ id }: { id: string }) => `order ${id}: shipped`, {
      name: 'lookup_order',
      description: 'Look an order up',
      parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    })
    const agent = new LLMAgent({ llm: llm(), tools: [lookup] })
    const response = await agent.chat({ message: 'Where is order A-17?' })
    expect(String(response.message.content)).toBe('fake-reply')
    const records = await recorded()
    const tool = records.find((record) => record.tool_name === 'llamaindex:tool:lookup_order')
    const asking = records.find((record) => record.idempotency_key === tool?.parent_idempotency_key)
    expect(asking?.tool_name).toBe('llamaindex:llm')
    expect(asking?.metadata).toMatchObject({ finish_reason: 'tool_calls' })
    expect(tool).toMatchObject({
      input_hash: hashValue({ id: 'A-17' }),
      output_hash: hashValue('order A-17: shipped'),
    })
  })

  it('attests retrievals with the query and the nodes found', async () => {
    const embedModel = new OpenAIEmbedding({
      model: 'text-embedding-3-small',
      apiKey: 'test',
      baseURL: fake.openaiBaseUrl,
      maxRetries: 0,
    })
    Settings.embedModel = embedModel
    const index = await VectorStoreIndex.fromDocuments([
      new Document({ text: 'RFC 9162 is Certificate Transparency 2.0.', id_: 'doc-1' }),
    ])
    const nodes = await index.asRetriever({ similarityTopK: 1 }).retrieve({ query: 'What is RFC 9162?' })
    expect(nodes).toHaveLength(1)
    const records = await recorded()
    const retrieval = records.find((record) => record.tool_name === 'llamaindex:retrieve')
    expect(retrieval?.metadata).toMatchObject({ nodes: 1 })
    expect(retrieval?.input_hash).toBe(hashValue({ query: 'What is RFC 9162?' }))
  })
})

describe('examples/llamaindex', () => {
  it('runs: its retrieval and LLM call reach the server', async () => {
    detach() // the example attaches its own listeners
    try {
      const answer = await runDocsAssistant({ mima, openaiBaseUrl: fake.openaiBaseUrl, openaiApiKey: 'test' })
      expect(answer).toBe('fake-reply')
      const records = await recorded()
      expect(records.map((record) => record.tool_name).sort()).toEqual([
        'llamaindex:llm',
        'llamaindex:retrieve',
      ])
    } finally {
      detach = attachMima(Settings.callbackManager, { mima })
    }
  })
})
