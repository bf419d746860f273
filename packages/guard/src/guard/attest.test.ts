import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { createTestMima } from '@mima/core/testing'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import OpenAI from 'openai'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { disableGuard, enableGuard } from './enable-guard'
import { MimaAttestationError } from './mima-attestation-error'

let server: FakeLlmServer
let directory: string
beforeAll(async () => {
  server = await createFakeLlmServer()
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-attest-'))
})
afterAll(async () => {
  await disableGuard()
  await server.close()
  rmSync(directory, { recursive: true, force: true })
})

it('lets calls inside mima.attest(...) through and blocks the same call outside it', async () => {
  enableGuard({
    mode: 'block',
    logPath: join(directory, 'log.jsonl'),
    socketPath: join(directory, 'none.sock'),
  })
  const { mima, recorder } = createTestMima({ systemName: 'guarded-app' })
  const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 })
  const anthropic = new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseUrl, maxRetries: 0 })
  const messages = [{ role: 'user' as const, content: 'hi' }]

  const summarise = mima.attest({ toolName: 'summarise', modelId: 'gpt-x' }, async (text: string) => {
    const reply = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: text }],
    })
    const stream = anthropic.messages.stream({ model: 'claude', max_tokens: 5, messages })
    const message = await stream.finalMessage()
    return `${reply.choices[0]?.message.content}/${message.content[0]?.type}`
  })
  expect(await summarise('hello')).toBe('fake-reply/text')
  await mima.flush()
  expect(recorder.attestationsFor('summarise')).toHaveLength(1)

  await expect(openai.chat.completions.create({ model: 'gpt-x', messages })).rejects.toBeInstanceOf(
    MimaAttestationError,
  )
  expect(server.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/messages'])
  await mima.close()
})
