import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { runNode } from './child-process'

let server: FakeLlmServer
let env: Record<string, string>
beforeAll(async () => {
  server = await createFakeLlmServer()
  env = {
    FAKE_LLM_URL: server.openaiBaseUrl,
    FAKE_ANTHROPIC_URL: server.anthropicBaseUrl,
    NODE_NO_WARNINGS: '1',
  }
})
afterAll(() => server.close())
beforeEach(() => server.reset())

it('guards a CommonJS app that requires the built package', async () => {
  const result = await runNode(['test/fixtures/block.cjs'], env)
  expect(result).toMatchObject({ code: 0, stderr: '' })
  const output = JSON.parse(result.stdout) as {
    patched: string[]
    blocked: { code: string; isGuardError: boolean; callSite: string }
    attested: string
  }
  expect(output.patched.sort()).toEqual(['commonjs', 'commonjs', 'esm', 'esm'])
  expect(output.blocked).toMatchObject({ code: 'unattested_call', isGuardError: true })
  expect(output.blocked.callSite).toMatch(/^test\/fixtures\/block\.cjs:\d+:\d+$/)
  expect(output.attested).toBe('fake-reply')
  expect(server.requests.map((request) => request.path)).toEqual(['/v1/messages'])
})

it('guards an app started with --require @mima/guard/register', async () => {
  const result = await runNode(['--require', '@mima/guard/register', 'test/fixtures/app.cjs'], {
    ...env,
    MIMA_GUARD_MODE: 'block',
  })
  // the whole result, so a failure shows the child's stderr
  expect(result).toMatchObject({ code: 0, stdout: 'call failed: unattested_call\n' })
  expect(server.requests).toHaveLength(0)
})

it('guards an ESM app started with --import @mima/guard/register', async () => {
  const blocked = await runNode(['--import', '@mima/guard/register', 'test/fixtures/app.mjs'], {
    ...env,
    MIMA_GUARD_MODE: 'block',
  })
  expect(blocked).toMatchObject({ code: 0, stdout: 'call failed: unattested_call\n' })
  expect(server.requests).toHaveLength(0)

  const warned = await runNode(['--import', '@mima/guard/register', 'test/fixtures/app.mjs'], {
    ...env,
    NODE_NO_WARNINGS: '',
    MIMA_GUARD_MODE: 'warn',
    MIMA_GUARD_LOG: '/dev/null',
  })
  expect(warned).toMatchObject({ code: 0, stdout: 'call went through\n' })
  expect(warned.stderr).toMatch(
    /MimaGuardWarning: \[mima guard\] Unattested AI call: openai\.embeddings\.create at test\/fixtures\/app\.mjs:\d+:\d+/,
  )
  expect(server.requests).toHaveLength(1)
})
