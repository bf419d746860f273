import { createRequire } from 'node:module'
import OpenAI7 from 'openai-7'
import OpenAI7Low from 'openai-7-low'
import { describe, expect, it } from 'vitest'
import { describeWrapOpenAI, type OpenAIConstructor } from './wrap-openai-suite'

// The current major, which needs Node ≥ 22: this file runs on the pinned Node 22 and 24
// (`vitest.node22.config.ts`), at both ends of the 7.x range the package declares.
describeWrapOpenAI('7.60.0', OpenAI7 as unknown as OpenAIConstructor)
describeWrapOpenAI('7.0.0', OpenAI7Low as unknown as OpenAIConstructor)

describe('the copies under test', () => {
  it('are openai 7.60.0 and 7.0.0', () => {
    const require = createRequire(import.meta.url)
    expect((require('openai-7/version') as { VERSION: string }).VERSION).toBe('7.60.0')
    expect((require('openai-7-low/version') as { VERSION: string }).VERSION).toBe('7.0.0')
  })
})
