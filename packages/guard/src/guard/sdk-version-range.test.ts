import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAttested } from '@mima/core'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SDK_TARGETS } from '../patch/sdk-targets'
import { disableGuard, enableGuard } from './enable-guard'
import { MimaAttestationError } from './mima-attestation-error'

// Both ends of the declared peer ranges: the newest installed as `openai` / `@anthropic-ai/sdk`,
// the oldest as the aliases `openai-low` (6.0.0) and `anthropic-low` (1.0.0).
const require = createRequire(import.meta.url)
const messages = [{ role: 'user' as const, content: 'hi' }]
let server: FakeLlmServer
let directory: string

beforeAll(async () => {
  server = await createFakeLlmServer()
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-range-'))
})
afterAll(async () => {
  await server.close()
  rmSync(directory, { recursive: true, force: true })
})
afterEach(async () => {
  await disableGuard()
  server.reset()
})

const ends = [
  { openai: 'openai', anthropic: '@anthropic-ai/sdk', expected: /^(6\.(?!0\.0)|1\.(?!0\.0))/ },
  { openai: 'openai-low', anthropic: 'anthropic-low', expected: /^(6\.0\.0|1\.0\.0)$/ },
]

describe.each(ends)(
  'SDK versions $openai / $anthropic',
  ({ openai: openaiSpecifier, anthropic: anthropicSpecifier, expected }) => {
    it('patches both copies, blocks unattested calls (also streams) and passes attested ones', async () => {
      const status = enableGuard({
        mode: 'block',
        logPath: join(directory, 'log.jsonl'),
        socketPath: join(directory, 'none.sock'),
        sdks: [
          { provider: 'openai', specifier: openaiSpecifier },
          { provider: 'anthropic', specifier: anthropicSpecifier },
        ],
      })
      expect(status.patched).toHaveLength(4)
      for (const patch of status.patched) expect(patch.version).toMatch(expected)
      // Every target exists at both ends of the supported range (images, audio, batches included).
      for (const provider of ['openai', 'anthropic'] as const) {
        for (const patch of status.patched.filter((candidate) => candidate.provider === provider)) {
          expect(patch.methods).toEqual(SDK_TARGETS[provider].targets.map((target) => target.call))
        }
      }

      for (const format of ['commonjs', 'esm'] as const) {
        const OpenAIModule =
          format === 'commonjs' ? require(openaiSpecifier) : await import(/* @vite-ignore */ openaiSpecifier)
        const AnthropicModule =
          format === 'commonjs'
            ? require(anthropicSpecifier)
            : await import(/* @vite-ignore */ anthropicSpecifier)
        const OpenAI = OpenAIModule.OpenAI ?? OpenAIModule.default
        const Anthropic = AnthropicModule.Anthropic ?? AnthropicModule.default
        const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 })
        const anthropic = new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseUrl, maxRetries: 0 })

        await expect(openai.chat.completions.create({ model: 'm', messages })).rejects.toBeInstanceOf(
          MimaAttestationError,
        )
        await expect(openai.responses.create({ model: 'm', input: 'x' })).rejects.toBeInstanceOf(
          MimaAttestationError,
        )
        await expect(
          anthropic.beta.messages.create({ model: 'c', max_tokens: 5, messages }),
        ).rejects.toBeInstanceOf(MimaAttestationError)
        await expect(
          anthropic.messages.stream({ model: 'c', max_tokens: 5, messages }).finalMessage(),
        ).rejects.toThrow(/Unattested AI call blocked/)
        expect(server.requests).toHaveLength(0)

        await runAttested({ toolName: 'range' }, async () => {
          const reply = await openai.chat.completions.create({ model: 'm', messages }).withResponse()
          expect(reply.data.choices[0].message.content).toBe('fake-reply')
          const streamed = await openai.chat.completions
            .stream({ model: 'm', messages })
            .finalChatCompletion()
          expect(streamed.choices[0].message.content).toBe('fake-reply')
          const message = await anthropic.messages
            .stream({ model: 'c', max_tokens: 5, messages })
            .finalMessage()
          expect(message.content[0].text).toBe('fake-reply')
          const beta = await anthropic.beta.messages.create({ model: 'c', max_tokens: 5, messages })
          expect(beta.content[0].text).toBe('fake-reply')
        })
        expect(server.requests).toHaveLength(4)
        server.reset()
      }
    })
  },
)
