import { awaitAllCallbacks } from '@langchain/core/callbacks/promises'
import { HumanMessage } from '@langchain/core/messages'
import { tool } from '@langchain/core/tools'
import {
  Annotation,
  Command,
  END,
  interrupt,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from '@langchain/langgraph'
import { ChatOpenAI } from '@langchain/openai'
import { createApprovals } from '@mima/approvals'
import { hashValue } from '@mima/core'
import { readEvidence } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { runResearchAssistant } from '../../../examples/langchain/src/research-assistant'
import {
  type ApprovalDecision,
  approvalInterrupt,
  createMimaCallbackHandler,
  type MimaCallbackHandler,
  resolveApprovalInterrupts,
} from '../src/index'
import { type MimaFixture, startMimaFixture } from './langchain-fixture'

let fixture: MimaFixture
let fake: FakeLlmServer
let handler: MimaCallbackHandler

beforeAll(async () => {
  fixture = await startMimaFixture(awaitAllCallbacks)
  handler = createMimaCallbackHandler({ mima: fixture.mima })
  fake = await createFakeLlmServer({
    toolCalls: (body) => {
      const messages = body.messages as { role: string }[]
      return Array.isArray(body.tools) && messages.at(-1)?.role !== 'tool'
        ? [{ name: 'lookup', arguments: { id: '42' } }]
        : undefined
    },
  })
})

afterAll(async () => {
  await fake?.close()
  await fixture?.close()
})

function chatModel(): ChatOpenAI {
  return new ChatOpenAI({
    model: 'gpt-test',
    apiKey: 'test',
    configuration: { baseURL: fake.openaiBaseUrl },
    maxRetries: 0,
  })
}

describe('ChatOpenAI against the fake model server', () => {
  it('records the model id, token usage and finish reason of .invoke, .stream and .batch', async () => {
    const model = chatModel()
    await model.invoke('Summarise RFC 9162', { callbacks: [handler] })
    for await (const _chunk of await model.stream('Summarise RFC 6962', { callbacks: [handler] })) {
      // read the stream to its end
    }
    await model.batch(['one', 'two'], { callbacks: [handler] })
    const records = await fixture.recorded()
    expect(records).toHaveLength(4)
    for (const record of records) {
      expect(record).toMatchObject({ tool_name: 'langchain:chat_model', model_id: 'gpt-test' })
      expect(record.metadata).toMatchObject({ provider: 'openai' })
    }
    expect(records[0]?.metadata).toMatchObject({
      usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
      finish_reason: 'stop',
    })
    expect(records[0]?.output_hash).toBe(hashValue([[{ role: 'ai', content: 'fake-reply' }]]))
    expect(new Set(records.map((record) => record.input_hash)).size).toBe(4)
  })

  it('records an unreachable model as an error', async () => {
    const model = new ChatOpenAI({
      model: 'gpt-test',
      apiKey: 'test',
      configuration: { baseURL: 'http://127.0.0.1:9/v1' },
      maxRetries: 0,
    })
    await expect(model.invoke('hello', { callbacks: [handler] })).rejects.toThrow()
    const [record] = await fixture.recorded()
    expect(record).toMatchObject({ tool_name: 'langchain:chat_model', outcome: 'error', output_hash: '' })
  })
})

describe('a LangGraph graph', () => {
  const State = Annotation.Root({
    ...MessagesAnnotation.spec,
    refunded: Annotation<string | undefined>(),
  })
  const lookup = tool(async ({ id }: { id: string }) => `order ${id}: 120 EUR`, {
    name: 'lookup',
    description: 'Look an order up',
    schema: z.object({ id: z.string() }),
  })

  function buildGraph(refunds: string[]) {
    const model = chatModel().bindTools([lookup])
    return new StateGraph(State)
      .addNode('agent', async (state: typeof State.State) => ({
        messages: [await model.invoke(state.messages)],
      }))
      .addNode('tools', async (state: typeof State.State) => {
        const last = state.messages.at(-1) as {
          tool_calls?: { id: string; name: string; args: { id: string } }[]
        }
        const messages = []
        for (const call of last.tool_calls ?? [])
          messages.push(await lookup.invoke({ ...call, type: 'tool_call' }))
        return { messages }
      })
      .addNode('refund', async () => {
        // Waits for a person in Mima; the decision comes back when the graph resumes.
        const decision = interrupt(
          approvalInterrupt({
            actionType: 'refund',
            context: { order: '42', amount: 120 },
            description: 'Refund order 42',
          }),
        ) as ApprovalDecision
        if (!decision.approved) return { refunded: `no: ${decision.reason}` }
        const refund = fixture.mima.attest(
          { toolName: 'refund', approvalToken: decision.approvalToken },
          async (order: string) => {
            refunds.push(order)
            return 'refunded'
          },
        )
        return { refunded: await refund('42') }
      })
      .addEdge(START, 'agent')
      .addConditionalEdges('agent', (state: typeof State.State) =>
        (state.messages.at(-1) as { tool_calls?: unknown[] }).tool_calls?.length ? 'tools' : 'refund',
      )
      .addEdge('tools', 'agent')
      .addEdge('refund', END)
      .compile({ checkpointer: new MemorySaver() })
  }

  it('attests every node, model and tool call linked to the graph run, and waits on a Mima approval at the interrupt', async () => {
    const approverKey = await fixture.server.createKey('approver', 'bob@example.com')
    const approver = createApprovals({
      baseUrl: fixture.server.baseUrl,
      apiKey: approverKey,
      workspaceId: fixture.server.workspaceId,
    })
    const refunds: string[] = []
    const graph = buildGraph(refunds)
    const config = { configurable: { thread_id: 'thread-1' }, callbacks: [handler] }
    const paused = (await graph.invoke({ messages: [new HumanMessage('Refund order 42')] }, config)) as {
      __interrupt__?: { id?: string; value?: unknown }[]
    }
    expect(paused.__interrupt__).toHaveLength(1)
    expect(refunds).toEqual([])

    const decided = (async () => {
      for (;;) {
        const pending = (await approver.list()).find((approval) => approval.actionType === 'refund')
        if (pending) {
          expect(pending.context).toEqual({ order: '42', amount: 120 })
          return approver.decide(pending.id, 'approve')
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const resume = await resolveApprovalInterrupts(createApprovals(fixture.mima), paused)
    const approval = await decided
    const final = await graph.invoke(new Command({ resume }), config)
    expect(final.refunded).toBe('refunded')
    expect(refunds).toEqual(['42'])

    const records = await fixture.recorded()
    const names = records.map((record) => record.tool_name)
    expect(names.filter((name) => name === 'langchain:chat_model')).toHaveLength(2)
    expect(names).toContain('langchain:tool:lookup')
    expect(names).toContain('langchain:chain:agent')
    expect(names).toContain('langchain:chain:refund')
    // Every step of the first invocation descends from the graph's root run.
    const byKey = new Map(records.map((record) => [record.idempotency_key, record]))
    const rootOf = (record: (typeof records)[number]): (typeof records)[number] => {
      let current = record
      while (current.parent_idempotency_key && byKey.has(current.parent_idempotency_key))
        current = byKey.get(current.parent_idempotency_key) as (typeof records)[number]
      return current
    }
    const toolRecord = records.find((record) => record.tool_name === 'langchain:tool:lookup')
    const firstModel = records.find((record) => record.tool_name === 'langchain:chat_model')
    expect(rootOf(toolRecord as (typeof records)[number]).tool_name).toBe('langchain:chain:LangGraph')
    expect(rootOf(toolRecord as (typeof records)[number])).toBe(
      rootOf(firstModel as (typeof records)[number]),
    )
    expect(toolRecord?.output_hash).toBe(hashValue('order 42: 120 EUR'))
    // The interrupted node is recorded as a pause, not a failure.
    const pausedNode = records.find(
      (record) => record.tool_name === 'langchain:chain:refund' && record.metadata?.interrupted,
    )
    expect(pausedNode?.outcome).toBeUndefined()
    // The approved action: its attestation carries the token, and the decision is oversight evidence.
    const refund = records.find((record) => record.tool_name === 'refund')
    expect(refund?.approval_token).toEqual(expect.any(String))
    const evidence = await readEvidence(fixture.server)
    expect(
      evidence.find((record) => (record.payload as { approval_id?: string }).approval_id === approval.id),
    ).toMatchObject({
      record_type: 'human_oversight',
    })
  })

  it('resumes with the denial when a person rejects, and the action does not run', async () => {
    const approverKey = await fixture.server.createKey('approver', 'carol@example.com')
    const approver = createApprovals({
      baseUrl: fixture.server.baseUrl,
      apiKey: approverKey,
      workspaceId: fixture.server.workspaceId,
    })
    const refunds: string[] = []
    const graph = buildGraph(refunds)
    const config = { configurable: { thread_id: 'thread-2' }, callbacks: [handler] }
    const paused = (await graph.invoke({ messages: [new HumanMessage('Refund order 42')] }, config)) as {
      __interrupt__?: { id?: string; value?: unknown }[]
    }
    const decided = (async () => {
      for (;;) {
        const pending = (await approver.list()).find((approval) => approval.actionType === 'refund')
        if (pending) return approver.decide(pending.id, 'reject', { reason: 'Over the limit' })
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const resume = await resolveApprovalInterrupts(createApprovals(fixture.mima), paused)
    await decided
    expect(resume).toMatchObject({ approved: false, reason: 'Over the limit' })
    const final = await graph.invoke(new Command({ resume }), config)
    expect(final.refunded).toBe('no: Over the limit')
    expect(refunds).toEqual([])
    await fixture.recorded()
  })
})

describe('examples/langchain', () => {
  it('runs: its chain steps, model call and tool reach the server, linked to their run', async () => {
    await fixture.recorded()
    const result = await runResearchAssistant({
      mima: fixture.mima,
      openaiBaseUrl: fake.openaiBaseUrl,
      openaiApiKey: 'test',
    })
    expect(result).toEqual({ summary: 'fake-reply', citation: 'RFC 9162, IETF' })
    const records = await fixture.recorded()
    expect(records.map((record) => record.tool_name).sort()).toEqual(
      [
        'langchain:chain:ChatPromptTemplate',
        'langchain:chain:RunnableSequence',
        'langchain:chain:StrOutputParser',
        'langchain:chat_model',
        'langchain:tool:cite',
      ].sort(),
    )
    const sequence = records.find((record) => record.tool_name === 'langchain:chain:RunnableSequence')
    const model = records.find((record) => record.tool_name === 'langchain:chat_model')
    expect(model?.parent_idempotency_key).toBe(sequence?.idempotency_key)
  })
})
