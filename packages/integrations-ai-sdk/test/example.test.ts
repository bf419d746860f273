import { createMima, type Mima } from '@mima/core'
import { readAttestations, startTestServer, type TestServer } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runSupportAgent } from '../../../examples/ai-sdk/src/support-agent'

let server: TestServer
let fake: FakeLlmServer
let mima: Mima

beforeAll(async () => {
  server = await startTestServer()
  fake = await createFakeLlmServer({
    toolCalls: (body) => {
      const messages = body.messages as { role: string }[]
      return Array.isArray(body.tools) && messages.at(-1)?.role !== 'tool'
        ? [{ name: 'orderStatus', arguments: { order: 'A-17' } }]
        : undefined
    },
  })
  mima = createMima({
    apiKey: await server.createKey('ingest'),
    systemName: 'support-agent',
    baseUrl: server.baseUrl,
    workspaceId: server.workspaceId,
    onError: 'raise',
    flushOnExit: false,
    configFile: false,
    env: {},
    outbox: { directory: false },
  })
})

afterAll(async () => {
  await mima?.close()
  await fake?.close()
  await server?.close()
})

it('runs examples/ai-sdk: its model calls, tool call and stream reach the server, linked to their run', async () => {
  const result = await runSupportAgent({ mima, openaiBaseUrl: fake.openaiBaseUrl, openaiApiKey: 'test' })
  expect(result).toEqual({ answer: 'fake-reply', streamed: 'fake-reply' })
  const records = await readAttestations(server)
  expect(records.map((record) => record.tool_name).sort()).toEqual([
    'ai-sdk:generate',
    'ai-sdk:generate',
    'ai-sdk:stream',
    'ai-sdk:tool:orderStatus',
  ])
  const run = records.find(
    (record) => record.tool_name === 'ai-sdk:generate' && !record.parent_idempotency_key,
  )
  const tool = records.find((record) => record.tool_name === 'ai-sdk:tool:orderStatus')
  expect(tool?.parent_idempotency_key).toBe(run?.idempotency_key)
})
