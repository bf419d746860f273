import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { createPolicyEngine } from '../precheck/create-policy-engine'
import { commitText, type DecisionRecord } from './decision-record'

const SECRET = 'ana.lopez@example.com'
const KEY = `sk-ant-${'x9Y8'.repeat(8)}`

describe('decision records and spans', () => {
  it('records the decision, rule, kinds and an HMAC commitment, never the text or a found value', async () => {
    const records: DecisionRecord[] = []
    const engine = createPolicyEngine({
      policy: { name: 'p1', version: 7 },
      evidence: { commitmentKey: 'workspace-secret', sink: (record) => void records.push(record) },
    })
    const text = `Contact ${SECRET}, key ${KEY}`
    await engine.precheck({ tool: 'model.chat', text, userId: 'u1', correlationId: 'c1', tags: ['t'] })
    expect(records).toHaveLength(1)
    const [record] = records
    expect(record).toMatchObject({
      policy_id: 'p1',
      policy_version: '7',
      rule_id: 'defaults.ingress',
      decision: 'redact',
      direction: 'ingress',
      detector_kinds: ['email', 'anthropic_key'],
      findings: 2,
      reasons: ['pii.redacted:email', 'pii.redacted:anthropic_key'],
      tool: 'model.chat',
      user_id: 'u1',
      correlation_id: 'c1',
      text_commitment: commitText('workspace-secret', text),
    })
    const serialized = JSON.stringify(record)
    expect(serialized).not.toContain(SECRET)
    expect(serialized).not.toContain('ana.lopez')
    expect(serialized).not.toContain(KEY.slice(0, 12))
    expect(record?.text_commitment).not.toBe(commitText('another-secret', text))
  })

  it('a failing sink never changes the decision', async () => {
    const errors: unknown[] = []
    const engine = createPolicyEngine({
      evidence: { commitmentKey: 'k', sink: () => Promise.reject(new Error('disk full')) },
      onRecordError: (error) => errors.push(error),
    })
    expect((await engine.precheck({ tool: 'shell.exec' })).decision).toBe('deny')
    await new Promise((resolve) => setImmediate(resolve))
    expect(String(errors[0])).toContain('disk full')
  })

  it('emits guardrail spans only when opted in', async () => {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const tracer = provider.getTracer('test')
    const quiet = createPolicyEngine()
    await quiet.precheck({ text: SECRET })
    const engine = createPolicyEngine({ policy: { name: 'p2' }, telemetry: { tracer } })
    await engine.precheck({ tool: 'model.chat', text: SECRET, correlationId: 'c9' })
    await engine.precheck({ tool: 'bash.exec' })
    const spans = exporter.getFinishedSpans()
    expect(spans.map((span) => span.name)).toEqual(['mima.policy.decision', 'mima.policy.decision'])
    expect(spans[0]?.attributes).toMatchObject({
      'gen_ai.guardrail.verdict.type': 'modify',
      'security.policy.id': 'p2',
      'security.rule.id': 'defaults.ingress',
      'mima.policy.detector_kinds': ['email'],
      'mima.correlation_id': 'c9',
      'gen_ai.tool.name': 'model.chat',
    })
    expect(spans[1]?.attributes).toMatchObject({
      'gen_ai.guardrail.verdict.type': 'deny',
      'security.rule.id': 'deny_tools',
    })
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain('ana.lopez')
  })
})
