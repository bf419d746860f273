import { createRequire } from 'node:module'
import { join } from 'node:path'

import { runAttested } from '@mima/core'
import type { FakeLlmServer } from '@mima-internal/test-utils'
import { describe, expect, it } from 'vitest'
import { enableGuard } from '../src/guard/enable-guard'
import { MimaAttestationError } from '../src/guard/mima-attestation-error'
import { SDK_TARGETS } from '../src/patch/sdk-targets'

/** One end of the supported SDK ranges: the package names (or aliases) and the versions expected. */
export interface SdkRangeEnd {
  readonly openai: string
  readonly anthropic: string
  readonly expected: RegExp
}

const require = createRequire(import.meta.url)
const messages = [{ role: 'user' as const, content: 'hi' }]

/**
 * For each end: every patch target exists in both the CommonJS and the ESM copy, unattested calls
 * (also streams) are blocked before a request leaves, attested ones (also `.withResponse()` and
 * streams) pass.
 */
export function describeSdkRangeEnds(
  ends: readonly SdkRangeEnd[],
  context: () => { server: FakeLlmServer; directory: string },
): void {
  describe.each(ends)(
    'SDK versions $openai / $anthropic',
    ({ openai: openaiSpecifier, anthropic: anthropicSpecifier, expected }) => {
      it('patches both copies, blocks unattested calls (also streams) and passes attested ones', async () => {
        const { server, directory } = context()
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
            format === 'commonjs'
              ? require(openaiSpecifier)
              : await import(/* @vite-ignore */ openaiSpecifier)
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
}
