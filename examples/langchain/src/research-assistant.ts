import { awaitAllCallbacks } from '@langchain/core/callbacks/promises'
import { StringOutputParser } from '@langchain/core/output_parsers'
import { ChatPromptTemplate } from '@langchain/core/prompts'
import { tool } from '@langchain/core/tools'
import { ChatOpenAI } from '@langchain/openai'
import type { Mima } from '@mima/core'
import { createMimaCallbackHandler } from '@mima/integrations-langchain'
import { z } from 'zod'

/** Where the example's model lives (any OpenAI-compatible endpoint). */
export interface ResearchAssistantOptions {
  readonly mima: Mima
  readonly openaiBaseUrl?: string
  readonly openaiApiKey: string
  readonly modelId?: string
}

/**
 * A research assistant on LangChain: a prompt → model → parser chain and a citation tool. The Mima
 * handler attests every step (chain, model call, tool), linked to the run that started it.
 */
export async function runResearchAssistant(
  options: ResearchAssistantOptions,
): Promise<{ summary: string; citation: string }> {
  const handler = createMimaCallbackHandler({ mima: options.mima })
  const model = new ChatOpenAI({
    model: options.modelId ?? 'gpt-4o-mini',
    apiKey: options.openaiApiKey,
    ...(options.openaiBaseUrl === undefined ? {} : { configuration: { baseURL: options.openaiBaseUrl } }),
  })
  const chain = ChatPromptTemplate.fromMessages([['human', 'Summarise {topic} in one sentence.']])
    .pipe(model)
    .pipe(new StringOutputParser())
  const cite = tool(async ({ rfc }) => `RFC ${rfc}, IETF`, {
    name: 'cite',
    description: 'Format a citation for an RFC',
    schema: z.object({ rfc: z.number() }),
  })

  const summary = await chain.invoke({ topic: 'certificate transparency' }, { callbacks: [handler] })
  const citation = await cite.invoke({ rfc: 9162 }, { callbacks: [handler] })
  await awaitAllCallbacks() // LangChain runs callbacks in the background
  await options.mima.flush() // records are hashed, signed and sent off the call path
  return { summary, citation }
}
