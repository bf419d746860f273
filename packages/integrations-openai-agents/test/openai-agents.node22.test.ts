import { createApprovals } from '@mima/approvals'
import { createMima, hashValue, type Mima } from '@mima/core'
import { readAttestations, readEvidence, startTestServer, type TestServer } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import {
  Agent,
  run,
  setDefaultOpenAIClient,
  setTraceProcessors,
  setTracingDisabled,
  tool,
} from '@openai/agents'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { runRefundAgent } from '../../../examples/openai-agents/src/refund-agent'
import { createMimaTracingProcessor, gateApprovedTool, resolveAgentApprovals } from '../src/index'

let server: TestServer
let fake: FakeLlmServer
let mima: Mima
let seen = 0

function lastItemIsToolOutput(body: Record<string, unknown>): boolean {
  const input = body.input as { type?: string }[] | undefined
  return Array.isArray(input) && input.at(-1)?.type === 'function_call_output'
}

beforeAll(async () => {
  server = await startTestServer()
  fake = await createFakeLlmServer({
    toolCalls: (body) => {
      const tools = ((body.tools as { name?: string }[] | undefined) ?? []).map((entry) => entry.name)
      if (tools.length === 0 || lastItemIsToolOutput(body)) return undefined
      const text = JSON.stringify(body.input)
      if (tools.includes('transfer_to_billing') && text.includes('invoice'))
        return [{ name: 'transfer_to_billing', arguments: {} }]
      if (tools.includes('refund') && text.includes('Refund'))
        return [{ name: 'refund', arguments: { order: 'A-17', amount: 120 } }]
      if (tools.includes('lookup_order'))
        return [{ name: 'lookup_order', arguments: { id: text.includes('B-2') ? 'B-2' : 'A-17' } }]
      return undefined
    },
  })
  mima = createMima({
    apiKey: await server.createKey('ingest', 'support-agent'),
    systemName: 'support-agent',
    baseUrl: server.baseUrl,
    workspaceId: server.workspaceId,
    onError: 'raise',
    flushOnExit: false,
    configFile: false,
    env: {},
    outbox: { directory: false },
  })
  setTracingDisabled(false)
  setTraceProcessors([createMimaTracingProcessor({ mima })])
  setDefaultOpenAIClient(new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 }))
})

afterAll(async () => {
  await mima?.close()
  await fake?.close()
  await server?.close()
})

async function recorded() {
  await mima.flush()
  const all = await readAttestations(server)
  const fresh = all.slice(seen)
  seen = all.length
  return fresh
}

const lookupOrder = tool({
  name: 'lookup_order',
  description: 'Look an order up',
  parameters: z.object({ id: z.string() }),
  execute: async ({ id }) => `order ${id}: shipped`,
})

describe('the tracing processor with @openai/agents against the fake OpenAI server', () => {
  it('attests the run, the agent, each generation and the tool call, linked by the SDK span ids', async () => {
    const agent = new Agent({
      name: 'support',
      instructions: 'Help with orders.',
      tools: [lookupOrder],
      model: 'gpt-test',
    })
    const result = await run(agent, 'Where is order A-17?')
    expect(result.finalOutput).toBe('fake-reply')
    await run(agent, 'Where is order B-2?')
    const records = await recorded()
    const first = records.filter(
      (record) =>
        record.metadata?.trace_id === records[0]?.metadata?.trace_id ||
        record.idempotency_key === records[0]?.metadata?.trace_id,
    )
    void first
    const runs = records.filter((record) => record.tool_name === 'openai-agents:run:Agent workflow')
    expect(runs).toHaveLength(2)
    const [runA] = runs
    const ofRunA = records.filter((record) => record.metadata?.trace_id === runA?.idempotency_key)
    const names = ofRunA.map((record) => record.tool_name).sort()
    expect(names).toEqual(
      [
        'openai-agents:agent:support',
        'openai-agents:generation',
        'openai-agents:generation',
        'openai-agents:tool:lookup_order',
      ].sort(),
    )
    const agentSpan = ofRunA.find((record) => record.tool_name === 'openai-agents:agent:support')
    const toolSpan = ofRunA.find((record) => record.tool_name === 'openai-agents:tool:lookup_order')
    const generation = ofRunA.find((record) => record.tool_name === 'openai-agents:generation')
    expect(agentSpan?.parent_idempotency_key).toBe(runA?.idempotency_key)
    expect(toolSpan?.parent_idempotency_key).toBe(agentSpan?.idempotency_key)
    expect(generation?.parent_idempotency_key).toBe(agentSpan?.idempotency_key)
    expect(generation).toMatchObject({
      model_id: 'gpt-test',
      metadata: { usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } },
    })
    expect(toolSpan?.output_hash).toBe(hashValue('order A-17: shipped'))
    // The second run's tool call had another input: another input hash.
    const otherTool = records.find(
      (record) =>
        record.tool_name === 'openai-agents:tool:lookup_order' &&
        record.metadata?.trace_id === runs[1]?.idempotency_key,
    )
    expect(otherTool?.input_hash).not.toBe(toolSpan?.input_hash)
  })

  it('attests a handoff between agents', async () => {
    const billing = new Agent({ name: 'billing', instructions: 'Answer invoices.', model: 'gpt-test' })
    const triage = new Agent({
      name: 'triage',
      instructions: 'Route.',
      handoffs: [billing],
      model: 'gpt-test',
    })
    const result = await run(triage, 'I have a question about an invoice')
    expect(result.lastAgent?.name).toBe('billing')
    const records = await recorded()
    const handoff = records.find((record) => record.tool_name === 'openai-agents:handoff')
    expect(handoff?.metadata).toMatchObject({ from_agent: 'triage', to_agent: 'billing' })
    expect(records.map((record) => record.tool_name)).toEqual(
      expect.arrayContaining(['openai-agents:agent:triage', 'openai-agents:agent:billing']),
    )
  })

  it('waits while a person decides a tool approval in Mima, then redeems the token as the call runs', async () => {
    let refunds = 0
    const refund = gateApprovedTool(
      tool({
        name: 'refund',
        description: 'Refund an order',
        parameters: z.object({ order: z.string(), amount: z.number() }),
        needsApproval: true,
        execute: async ({ order }) => {
          refunds++
          return `refunded ${order}`
        },
      }),
      { mima },
    )
    const agent = new Agent({
      name: 'refunds',
      instructions: 'Refund orders.',
      tools: [refund],
      model: 'gpt-test',
    })
    const approver = createApprovals({
      baseUrl: server.baseUrl,
      apiKey: await server.createKey('approver', 'bob@example.com'),
      workspaceId: server.workspaceId,
    })
    let result = await run(agent, 'Refund order A-17')
    expect(result.interruptions).toHaveLength(1)
    expect(refunds).toBe(0)
    // A person decides through the server's approvals API, as an approver (not the agent's key).
    const decided = (async () => {
      for (;;) {
        const pending = (await approver.list()).find(
          (approval) => approval.actionType === 'openai-agents:tool:refund' && approval.status === 'pending',
        )
        if (pending) {
          expect(pending.context).toMatchObject({
            tool_name: 'refund',
            arguments: { order: 'A-17', amount: 120 },
          })
          return approver.decide(pending.id, 'approve')
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const decisions = await resolveAgentApprovals(createApprovals(mima), result, { mima })
    const approval = await decided
    expect(decisions).toEqual([
      expect.objectContaining({ toolName: 'refund', approved: true, approvalId: approval.id }),
    ])
    expect((await approver.get(approval.id)).redeemedAt).toBeUndefined()
    result = await run(agent, result.state)
    expect(refunds).toBe(1)
    expect(result.finalOutput).toBe('fake-reply')
    // The token was redeemed at the server when the tool ran, and the call's attestation links it.
    const redeemed = await approver.get(approval.id)
    expect(redeemed.redeemedAt).toBeInstanceOf(Date)
    const records = await recorded()
    expect(records.some((record) => record.tool_name === 'openai-agents:tool:refund')).toBe(true)
    const evidence = await readEvidence(server)
    expect(
      evidence.find((record) => (record.payload as { approval_id?: string }).approval_id === approval.id),
    ).toMatchObject({
      record_type: 'human_oversight',
    })
    // The approval ran one call once: the same call id again, or a call nobody approved, is refused.
    const callId = (approval.context as { call_id?: string }).call_id
    expect(typeof callId).toBe('string')
    for (const id of [callId, 'call_never_approved']) {
      await expect(
        refund.invoke({} as never, JSON.stringify({ order: 'A-17', amount: 120 }), {
          toolCall: { callId: id } as never,
        }),
      ).rejects.toThrow(/no Mima approval/)
    }
    expect(refunds).toBe(1)
  })

  it('rejects the call in the run state when a person denies it', async () => {
    let refunds = 0
    const refund = tool({
      name: 'refund',
      description: 'Refund an order',
      parameters: z.object({ order: z.string(), amount: z.number() }),
      needsApproval: true,
      execute: async () => {
        refunds++
        return 'refunded'
      },
    })
    const agent = new Agent({
      name: 'refunds',
      instructions: 'Refund orders.',
      tools: [refund],
      model: 'gpt-test',
    })
    const approver = createApprovals({
      baseUrl: server.baseUrl,
      apiKey: await server.createKey('approver', 'carol@example.com'),
      workspaceId: server.workspaceId,
    })
    const result = await run(agent, 'Refund order A-17')
    const decided = (async () => {
      for (;;) {
        const pending = (await approver.list()).find(
          (approval) => approval.actionType === 'openai-agents:tool:refund',
        )
        if (pending) return approver.decide(pending.id, 'reject', { reason: 'Over the limit' })
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const decisions = await resolveAgentApprovals(createApprovals(mima), result)
    await decided
    expect(decisions).toEqual([expect.objectContaining({ approved: false, reason: 'Over the limit' })])
    await run(agent, result.state)
    expect(refunds).toBe(0)
    await recorded()
  })
})

describe('examples/openai-agents', () => {
  it('runs: the refund waits for a person in Mima, then the run and its tool call reach the server', async () => {
    const approver = createApprovals({
      baseUrl: server.baseUrl,
      apiKey: await server.createKey('approver', 'dana@example.com'),
      workspaceId: server.workspaceId,
    })
    const decided = (async () => {
      for (;;) {
        const pending = (await approver.list()).find(
          (approval) => approval.actionType === 'openai-agents:tool:refund',
        )
        if (pending) return approver.decide(pending.id, 'approve')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const output = await runRefundAgent({
      mima,
      openaiBaseUrl: fake.openaiBaseUrl,
      openaiApiKey: 'test',
      modelId: 'gpt-test',
    })
    await decided
    expect(output).toBe('fake-reply')
    const records = await recorded()
    expect(records.map((record) => record.tool_name)).toEqual(
      expect.arrayContaining([
        'openai-agents:agent:refunds',
        'openai-agents:tool:refund',
        'openai-agents:generation',
      ]),
    )
  })
})
