import { createOpenAI } from 'ai-sdk-openai-v4'
import * as ai from 'ai-v7'
import { describeAiSdk } from './ai-sdk-scenarios'

// `ai` 7 with @ai-sdk/openai 4: the high end of the peer range. Both need Node ≥ 22, so this file
// runs on the pinned Node 22 binary (vitest.node22.config.ts, part of `pnpm test`).
describeAiSdk({ label: 'ai 7', ai, createOpenAI, approvalStyle: 'tool-approval' })
