import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { describeSdkRangeEnds } from '../../test/sdk-range-check'
import { disableGuard } from './enable-guard'

// Both ends of openai 6 and @anthropic-ai/sdk 1: the newest installed as `openai` / `@anthropic-ai/sdk`,
// the oldest as the aliases `openai-low` (6.0.0) and `anthropic-low` (1.0.0). openai 7 needs
// Node ≥ 22: its ends are in sdk-version-range.node22.test.ts.
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

describeSdkRangeEnds(ends, () => ({ server, directory }))
