import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createFakeLlmServer } from '@mima-internal/test-utils'
import { expect, it } from 'vitest'
import { runNode } from './child-process'

it('@mima/guard/vitest makes an unattested call fail the test that made it', async () => {
  const server = await createFakeLlmServer()
  try {
    const vitest = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs')
    const result = await runNode(
      [vitest, 'run', '--root', 'test/fixtures/vitest-project', '--reporter', 'verbose'],
      {
        FAKE_LLM_URL: server.openaiBaseUrl,
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
    )
    const output = result.stdout + result.stderr
    expect(result.code).toBe(1)
    expect(output).toMatch(/✓ .*attested call passes/)
    expect(output).toMatch(/× .*unattested call fails/)
    expect(output).toMatch(
      /MimaAttestationError: \[mima guard\] Unattested AI call blocked: openai\.chat\.completions\.create at .*ai-calls\.fixture-test\.mjs:\d+:\d+/,
    )
    expect(output).toMatch(/Tests +1 failed \| 1 passed/)
    // only the attested call reached the server
    expect(server.requests).toHaveLength(1)
  } finally {
    await server.close()
  }
})
