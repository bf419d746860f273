import { hashValue } from '@mima/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createMimaCallbackHandler, type MimaCallbackHandler } from '../src/index'
import { type MimaFixture, startMimaFixture } from './langchain-fixture'

// biome-ignore lint/suspicious/noExplicitAny: the scenarios drive two copies of @langchain/core.
type Module = any

/** The parts of one @langchain/core copy the scenarios use. */
export interface LangChainModules {
  readonly label: string
  readonly FakeListChatModel: Module
  readonly FakeRetriever: Module
  readonly Document: Module
  readonly ChatPromptTemplate: Module
  readonly StringOutputParser: Module
  readonly RunnableLambda: Module
  readonly tool: Module
  readonly awaitAllCallbacks: () => Promise<void>
}

/** Scenarios that hold for every @langchain/core 1.x, driven with LangChain's own fake models. */
export function describeLangChain(modules: LangChainModules): void {
  const { FakeListChatModel, ChatPromptTemplate, StringOutputParser, RunnableLambda, tool } = modules

  describe(`the LangChain callback handler (${modules.label})`, () => {
    let fixture: MimaFixture
    let handler: MimaCallbackHandler

    beforeAll(async () => {
      fixture = await startMimaFixture(modules.awaitAllCallbacks)
      handler = createMimaCallbackHandler({ mima: fixture.mima })
    })
    afterAll(() => fixture?.close())

    it('attests chat-model calls made with .invoke, .stream and .batch, with hashes that follow the input', async () => {
      const model = new FakeListChatModel({ responses: ['Paris', 'Rome', 'Oslo', 'Bern'] })
      await model.invoke('Capital of France?', { callbacks: [handler] })
      let streamed = ''
      for await (const chunk of await model.stream('Capital of Italy?', { callbacks: [handler] }))
        streamed += chunk.content
      expect(streamed).toBe('Rome')
      await model.batch(['Capital of Norway?', 'Capital of Switzerland?'], { callbacks: [handler] })
      const records = await fixture.recorded()
      expect(records.map((record) => record.tool_name)).toEqual(Array(4).fill('langchain:chat_model'))
      expect(new Set(records.map((record) => record.input_hash)).size).toBe(4)
      expect(new Set(records.map((record) => record.output_hash)).size).toBe(4)
      const first = records[0]
      expect(first?.input_hash).toBe(hashValue([[{ role: 'human', content: 'Capital of France?' }]]))
      expect(first?.output_hash).toBe(hashValue([[{ role: 'ai', content: 'Paris' }]]))
      expect(first?.metadata).toMatchObject({ framework: 'langchain', run_type: 'chat_model' })
      expect(first?.idempotency_key).toBe(first?.metadata?.run_id)
    })

    it('attests each chain step as a child of the chain run', async () => {
      const prompt = ChatPromptTemplate.fromMessages([['human', 'Tell me about {topic}']])
      const chain = prompt
        .pipe(new FakeListChatModel({ responses: ['Merkle trees are hash trees.'] }))
        .pipe(new StringOutputParser())
      const answer = await chain.invoke({ topic: 'Merkle trees' }, { callbacks: [handler] })
      expect(answer).toBe('Merkle trees are hash trees.')
      const records = await fixture.recorded()
      const root = records.find((record) => record.parent_idempotency_key === undefined)
      expect(root?.tool_name).toBe('langchain:chain:RunnableSequence')
      const children = records.filter((record) => record.parent_idempotency_key === root?.idempotency_key)
      expect(children.map((record) => record.tool_name).sort()).toEqual(
        [
          'langchain:chain:ChatPromptTemplate',
          'langchain:chat_model',
          'langchain:chain:StrOutputParser',
        ].sort(),
      )
      expect(root?.input_hash).toBe(hashValue({ topic: 'Merkle trees' }))
      // LangChain hands chain callbacks a non-object output as { output }.
      expect(root?.output_hash).toBe(hashValue({ output: 'Merkle trees are hash trees.' }))
    })

    it('attests tool calls and retriever calls, and records errors with their type', async () => {
      const lookup = tool(async ({ id }: { id: string }) => `record ${id}`, {
        name: 'lookup',
        description: 'Look a record up',
        schema: z.object({ id: z.string() }),
      })
      const broken = tool(
        async () => {
          throw new RangeError('out of range')
        },
        { name: 'broken', description: 'Always fails', schema: z.object({}) },
      )
      expect(await lookup.invoke({ id: '7' }, { callbacks: [handler] })).toBe('record 7')
      await expect(broken.invoke({}, { callbacks: [handler] })).rejects.toThrow('out of range')
      const retriever = new modules.FakeRetriever({
        output: [new modules.Document({ pageContent: 'RFC 9162', metadata: { source: 'ietf' } })],
      })
      const documents = await retriever.invoke('transparency logs', { callbacks: [handler] })
      expect(documents).toHaveLength(1)
      const records = await fixture.recorded()
      const byName = Object.fromEntries(records.map((record) => [record.tool_name, record]))
      expect(byName['langchain:tool:lookup']).toMatchObject({
        output_hash: hashValue('record 7'),
        input_hash: hashValue(JSON.stringify({ id: '7' })),
      })
      expect(byName['langchain:tool:broken']).toMatchObject({
        outcome: 'error',
        error_type: 'RangeError',
        output_hash: '',
      })
      expect(byName['langchain:retriever:FakeRetriever']).toMatchObject({
        input_hash: hashValue('transparency logs'),
        output_hash: hashValue([{ page_content: 'RFC 9162', metadata: { source: 'ietf' } }]),
      })
    })

    it('marks calls made inside handler.attested as attested for the guard', async () => {
      const { isAttested } = await import('@mima/core')
      const probe = RunnableLambda.from(() => isAttested())
      expect(await probe.invoke({}, { callbacks: [handler] })).toBe(false)
      expect(await handler.attested('probe', () => probe.invoke({}, { callbacks: [handler] }))).toBe(true)
      await fixture.recorded()
    })
  })
}
