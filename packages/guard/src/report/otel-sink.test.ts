import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { runAttested } from '@mima/core'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import * as semanticConventions from '@opentelemetry/semantic-conventions/incubating'
import OpenAI from 'openai'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { disableGuard, enableGuard, flushGuardReports } from '../guard/enable-guard'

const messages = [{ role: 'user' as const, content: 'hi' }]
let server: FakeLlmServer
let directory: string

beforeAll(async () => {
  server = await createFakeLlmServer()
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-otel-'))
})
afterAll(async () => {
  await disableGuard()
  trace.disable()
  await server.close()
  rmSync(directory, { recursive: true, force: true })
})

it('emits mima.ai_call spans when a real tracer provider is registered, and skips the JSONL log', async () => {
  const logPath = join(directory, 'guard_log.jsonl')
  enableGuard({ mode: 'report', logPath, socketPath: join(directory, 'none.sock'), workspaceId: 'ws-otel' })
  const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 })
  const anthropic = new Anthropic({
    apiKey: 'k',
    baseURL: server.anthropicBaseUrl,
    maxRetries: 0,
    openTelemetry: false,
  })

  // With the no-op provider (nothing registered), reports go to the JSONL log.
  await openai.embeddings.create({ model: 'emb', input: 'x' })
  await flushGuardReports()
  expect(existsSync(logPath)).toBe(true)
  rmSync(logPath)

  const exporter = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  provider.register()

  await openai.chat.completions.create({ model: 'gpt-otel', messages })
  await anthropic.messages.create({ model: 'claude-otel', max_tokens: 5, messages })
  await runAttested({ toolName: 'attested' }, () =>
    openai.chat.completions.create({ model: 'gpt-attested', messages }),
  )
  await flushGuardReports()

  const spans = exporter.getFinishedSpans().filter((span) => span.name === 'mima.ai_call')
  expect(spans).toHaveLength(2)
  expect(spans[0]?.instrumentationScope.name).toBe('@mima/guard')
  expect(spans[0]?.attributes).toMatchObject({
    'mima.attested': false,
    'mima.workspace_id': 'ws-otel',
    'mima.call': 'openai.chat.completions.create',
    'gen_ai.provider.name': 'openai',
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-otel',
  })
  expect(String(spans[0]?.attributes['mima.call_site'])).toMatch(/^src\/report\/otel-sink\.test\.ts:\d+:\d+$/)
  expect(spans[1]?.attributes).toMatchObject({
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': 'claude-otel',
  })
  expect(existsSync(logPath)).toBe(false)

  // traceAttested: attested calls get a span too, with the attestation's workspace.
  await disableGuard()
  enableGuard({ mode: 'report', logPath, socketPath: join(directory, 'none.sock'), traceAttested: true })
  exporter.reset()
  await runAttested({ toolName: 'summarise', workspaceId: 'ws-context' }, () =>
    openai.embeddings.create({ model: 'emb-attested', input: 'x' }),
  )
  const [attested] = exporter.getFinishedSpans().filter((span) => span.name === 'mima.ai_call')
  expect(attested?.attributes).toMatchObject({
    'mima.attested': true,
    'mima.workspace_id': 'ws-context',
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.request.model': 'emb-attested',
  })

  // Network-level events: the host's published provider name, and the layer in the mima namespace.
  await disableGuard()
  enableGuard({
    mode: 'report',
    logPath,
    socketPath: join(directory, 'none.sock'),
    traceAttested: true,
    network: { hosts: [{ host: new URL(server.url).host, provider: 'gcp.gemini' }] },
  })
  exporter.reset()
  const generate = () =>
    fetch(`${server.url}/v1beta/models/gemini-otel:generateContent`, { method: 'POST', body: '{}' })
  await generate()
  await runAttested({ toolName: 'gemini' }, generate)
  const networkSpans = exporter.getFinishedSpans().filter((span) => span.name === 'mima.ai_call')
  expect(networkSpans.map((span) => span.attributes['mima.attested'])).toEqual([false, true])
  for (const span of networkSpans) {
    expect(span.attributes).toMatchObject({
      'mima.guard.layer': 'network',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gemini-otel',
    })
  }

  // Every gen_ai.* attribute and value the guard emits is a published GenAI semantic-convention
  // name, and none is one the conventions replaced.
  const spansSeen = [...spans, attested, ...networkSpans]
  const published = new Set(
    Object.entries(semanticConventions)
      .filter(([name, value]) => name.startsWith('ATTR_GEN_AI_') && typeof value === 'string')
      .map(([, value]) => value as string),
  )
  const valuesOf = (prefix: string): Set<unknown> =>
    new Set<unknown>(
      Object.entries(semanticConventions)
        .filter(([name]) => name.startsWith(prefix))
        .map(([, value]) => value),
    )
  const providers = valuesOf('GEN_AI_PROVIDER_NAME_VALUE_')
  const operations = valuesOf('GEN_AI_OPERATION_NAME_VALUE_')
  const replaced = ['gen_ai.system', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens']
  for (const span of spansSeen) {
    for (const key of Object.keys(span?.attributes ?? {})) {
      expect(key.startsWith('gen_ai.') || key.startsWith('mima.'), key).toBe(true)
      if (key.startsWith('gen_ai.')) {
        expect(published.has(key), key).toBe(true)
        expect(replaced).not.toContain(key)
      }
    }
    expect(providers.has(span?.attributes['gen_ai.provider.name'])).toBe(true)
    expect(operations.has(span?.attributes['gen_ai.operation.name'])).toBe(true)
  }
  expect(semanticConventions.ATTR_GEN_AI_PROVIDER_NAME).toBe('gen_ai.provider.name')
  await provider.shutdown()
})
