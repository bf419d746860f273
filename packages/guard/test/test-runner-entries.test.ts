import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { runNode } from './child-process'

// The Jest and `node --test` entries, each in a user's project: the attested call passes, the
// unattested SDK call and the unattested fetch to a provider host (the fake server, added with
// MIMA_GUARD_HOSTS) each fail their test, and only the attested call reaches the server.
let server: FakeLlmServer
let env: Record<string, string>
beforeAll(async () => {
  server = await createFakeLlmServer()
  env = {
    FAKE_LLM_URL: server.openaiBaseUrl,
    MIMA_GUARD_HOSTS: `${new URL(server.url).host}=fake-provider`,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  }
})
afterAll(() => server.close())
beforeEach(() => server.reset())

it('@mima/guard/jest (setupFiles) makes an unattested call fail the test that made it', async () => {
  const jest = join(createRequire(import.meta.url).resolve('jest/package.json'), '..', 'bin', 'jest.js')
  const result = await runNode(
    [jest, '--config', 'test/fixtures/jest-project/jest.config.cjs', '--verbose', '--ci'],
    env,
  )
  const output = result.stdout + result.stderr
  expect(result.code, output).toBe(1)
  expect(output).toMatch(/✓ attested call passes/)
  expect(output).toMatch(/✕ unattested SDK call fails/)
  expect(output).toMatch(/✕ unattested fetch to an AI provider host fails/)
  expect(output).toMatch(
    /Unattested AI call blocked: openai\.chat\.completions\.create at .*ai-calls\.fixture-test\.cjs:\d+:\d+/,
  )
  expect(output).toMatch(/Unattested AI call blocked: POST 127\.0\.0\.1:\d+\/v1\/chat\/completions/)
  expect(output).toMatch(/Tests: +2 failed, 1 passed, 3 total/)
  expect(server.requests).toHaveLength(1)
})

it('@mima/guard/node-test (node --test --import) makes an unattested call fail the test that made it', async () => {
  const result = await runNode(
    [
      '--test',
      '--test-reporter=tap',
      '--import',
      '@mima/guard/node-test',
      'test/fixtures/node-test-project/ai-calls.fixture-test.mjs',
    ],
    env,
  )
  const output = result.stdout + result.stderr
  expect(result.code, output).toBe(1)
  expect(output).toMatch(/^ok \d+ - attested call passes/m)
  expect(output).toMatch(/^not ok \d+ - unattested SDK call fails/m)
  expect(output).toMatch(/^not ok \d+ - unattested fetch to an AI provider host fails/m)
  expect(output).toMatch(/unattested_call/)
  expect(output).toMatch(/# pass 1\n# fail 2/)
  expect(server.requests).toHaveLength(1)
})
