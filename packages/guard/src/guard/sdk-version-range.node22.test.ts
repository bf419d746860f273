import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { describeSdkRangeEnds } from '../../test/sdk-range-check'
import { disableGuard } from './enable-guard'

// Both ends of openai 7, which needs Node ≥ 22 (this file runs on the pinned Node 22, see
// vitest.node22.config.ts): the newest as `openai-7`, the oldest as `openai-7-low` (7.0.0).
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
  { openai: 'openai-7', anthropic: '@anthropic-ai/sdk', expected: /^(7\.(?!0\.0)|1\.(?!0\.0))/ },
  { openai: 'openai-7-low', anthropic: 'anthropic-low', expected: /^(7\.0\.0|1\.0\.0)$/ },
]

describeSdkRangeEnds(ends, () => ({ server, directory }))
