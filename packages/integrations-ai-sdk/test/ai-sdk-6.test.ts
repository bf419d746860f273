import { createOpenAI } from '@ai-sdk/openai'
import * as ai from 'ai'
import { describeAiSdk } from './ai-sdk-scenarios'

// `ai` 6 with @ai-sdk/openai 3: the low end of the peer range, on the machine's Node (20).
describeAiSdk({ label: 'ai 6', ai, createOpenAI, approvalStyle: 'needs-approval' })
