import { createOpenAI } from '@ai-sdk/openai'
import { createApprovals } from '@mima/approvals'
import type { Mima } from '@mima/core'
import { createMimaAiSdk } from '@mima/integrations-ai-sdk'
import { generateText, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai'
import { z } from 'zod'

/** Where the example's model lives (any OpenAI-compatible endpoint). */
export interface SupportAgentOptions {
  readonly mima: Mima
  readonly openaiBaseUrl?: string
  readonly openaiApiKey: string
  readonly modelId?: string
}

/**
 * A support agent on the Vercel AI SDK: every model call and tool call is attested, and tool
 * calls are linked to the run that asked for them. Returns the agent's two answers.
 */
export async function runSupportAgent(
  options: SupportAgentOptions,
): Promise<{ answer: string; streamed: string }> {
  const { mima } = options
  const mimaAi = createMimaAiSdk({ mima, approvals: createApprovals(mima) })
  const openai = createOpenAI({
    apiKey: options.openaiApiKey,
    ...(options.openaiBaseUrl === undefined ? {} : { baseURL: options.openaiBaseUrl }),
  })
  const model = wrapLanguageModel({
    model: openai.chat(options.modelId ?? 'gpt-4o-mini'),
    middleware: mimaAi.middleware,
  })
  const tools = mimaAi.attestTools({
    orderStatus: tool({
      description: 'The delivery status of an order',
      inputSchema: z.object({ order: z.string() }),
      execute: async ({ order }) => ({ order, status: 'shipped' }),
    }),
  })

  const { text: answer } = await generateText({
    model,
    tools,
    stopWhen: stepCountIs(3),
    prompt: 'Where is my order A-17?',
  })
  const stream = streamText({ model, prompt: 'Write a one-line thank-you note.' })
  const streamed = await stream.text
  await mima.flush() // records are hashed, signed and sent off the call path: flush at the end of a job
  return { answer, streamed }
}
