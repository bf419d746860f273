import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import * as conventions from '@opentelemetry/semantic-conventions/incubating'
import { afterAll, describe, expect, it } from 'vitest'
import { useClientHarness } from '../../test/create-mima-harness'
import { generateSigningKey } from '../signing/ed25519'

const harness = useClientHarness()
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
afterAll(() => provider.shutdown())

/** Every published attribute name and enum value of the GenAI conventions, from the package itself. */
const published = new Set(Object.values(conventions).filter((value) => typeof value === 'string'))

function spansNamed(name: string) {
  return exporter.getFinishedSpans().filter((span) => span.name === name)
}

const millis = ([seconds, nanos]: [number, number]): number => seconds * 1000 + nanos / 1e6

describe('attestation spans (createMima({ tracer }))', () => {
  it('makes each model call a CLIENT span with the GenAI attributes, usage and its timing', async () => {
    exporter.reset()
    const mima = harness.client({ tracer: provider.getTracer('app'), signingKey: generateSigningKey() })
    const executedAt = new Date('2026-12-07T10:00:00.000Z')
    await mima.push('openai.chat.completions', 'a'.repeat(64), 'b'.repeat(64), {
      modelId: 'gpt-4o-mini',
      executedAt,
      durationMs: 250,
      usage: {
        provider: 'openai',
        operation: 'chat.completions',
        inputTokens: 12,
        outputTokens: 3,
        cachedTokens: 4,
      },
    })
    const [span] = spansNamed('chat gpt-4o-mini')
    expect(span?.kind).toBe(SpanKind.CLIENT)
    expect(span?.attributes).toMatchObject({
      [conventions.ATTR_GEN_AI_OPERATION_NAME]: conventions.GEN_AI_OPERATION_NAME_VALUE_CHAT,
      [conventions.ATTR_GEN_AI_PROVIDER_NAME]: conventions.GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
      [conventions.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
      [conventions.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 12,
      [conventions.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 3,
      [conventions.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 4,
      'mima.tool_name': 'openai.chat.completions',
      'mima.system_name': 'loan-scorer',
      'mima.operation': 'chat.completions',
      'mima.signed': true,
    })
    expect(millis(span?.startTime as [number, number])).toBe(executedAt.getTime())
    expect(millis(span?.endTime as [number, number])).toBe(executedAt.getTime() + 250)
    // The span names the record the server holds.
    const sent = harness.server.recorder.attestations[0] as { idempotency_key: string }
    expect(span?.attributes['mima.idempotency_key']).toBe(sent.idempotency_key)
  })

  it('uses only published gen_ai attribute names and values, mapping the SDK provider names', async () => {
    exporter.reset()
    const mima = harness.client({ tracer: provider.getTracer('app') })
    const calls: Array<[string, string | undefined]> = [
      ['mistral', 'chat'],
      ['xai', 'responses'],
      ['google', 'generate_content'],
      ['anthropic', 'messages'],
      ['openai', 'embeddings'],
      ['openai', 'completions'],
      ['openai', 'transcription'],
    ]
    for (const [name, operation] of calls) {
      await mima.push(`${name}.call`, '', '', {
        modelId: 'm',
        usage: { provider: name, ...(operation === undefined ? {} : { operation }) },
      })
    }
    const spans = exporter.getFinishedSpans()
    expect(spans).toHaveLength(calls.length)
    for (const span of spans) {
      for (const key of Object.keys(span.attributes).filter((name) => name.startsWith('gen_ai.'))) {
        expect(published, key).toContain(key)
      }
      expect(published).toContain(span.attributes[conventions.ATTR_GEN_AI_OPERATION_NAME])
      expect(published).toContain(span.attributes[conventions.ATTR_GEN_AI_PROVIDER_NAME])
    }
    expect(spans.map((span) => span.attributes[conventions.ATTR_GEN_AI_PROVIDER_NAME])).toEqual([
      'mistral_ai',
      'x_ai',
      'gcp.gen_ai',
      'anthropic',
      'openai',
      'openai',
      'openai',
    ])
    expect(spans.map((span) => span.attributes[conventions.ATTR_GEN_AI_OPERATION_NAME])).toEqual([
      'chat',
      'chat',
      'generate_content',
      'chat',
      'embeddings',
      'text_completion',
      'generate_content',
    ])
  })

  it('makes an attested function an INTERNAL execute_tool span, failed when the function threw', async () => {
    exporter.reset()
    const mima = harness.client({ tracer: provider.getTracer('app') })
    const refund = mima.attest({ toolName: 'refund' }, async (amount: number) => {
      if (amount < 0) throw new RangeError('negative')
      return amount
    })
    await refund(5)
    await expect(refund(-1)).rejects.toThrow(RangeError)
    const spans = spansNamed('execute_tool refund')
    expect(spans).toHaveLength(2)
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.INTERNAL)
      expect(span.attributes).toMatchObject({
        [conventions.ATTR_GEN_AI_OPERATION_NAME]: conventions.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
        [conventions.ATTR_GEN_AI_TOOL_NAME]: 'refund',
        'mima.signed': false,
      })
      expect(span.attributes[conventions.ATTR_GEN_AI_PROVIDER_NAME]).toBeUndefined()
    }
    expect(spans[0]?.status.code).toBe(SpanStatusCode.UNSET)
    expect(spans[1]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'RangeError' })
    expect(spans[1]?.attributes['error.type']).toBe('RangeError')
  })

  it('keeps the attestation when the tracer throws, and makes no span without a tracer', async () => {
    exporter.reset()
    const broken = {
      startSpan(): never {
        throw new Error('tracer down')
      },
    }
    const traced = harness.client({ tracer: broken })
    const result = await traced.push('still-sent', '', '')
    expect(result.status).toBe('sent')
    const plain = harness.client()
    await plain.push('untraced', '', '')
    expect(exporter.getFinishedSpans()).toEqual([])
    expect(harness.server.recorder.attestations.map((record) => record.tool_name)).toEqual([
      'still-sent',
      'untraced',
    ])
  })
})
