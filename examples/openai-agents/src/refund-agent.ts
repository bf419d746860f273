import { createApprovals } from '@mima/approvals'
import type { Mima } from '@mima/core'
import {
  createMimaTracingProcessor,
  gateApprovedTool,
  resolveAgentApprovals,
} from '@mima/integrations-openai-agents'
import { Agent, run, setDefaultOpenAIClient, setTraceProcessors, tool } from '@openai/agents'
import OpenAI from 'openai'
import { z } from 'zod'

/** Where the example's model lives (any OpenAI-compatible Responses endpoint). */
export interface RefundAgentOptions {
  readonly mima: Mima
  readonly openaiBaseUrl?: string
  readonly openaiApiKey: string
  readonly modelId?: string
}

/**
 * A refund agent on the OpenAI Agents SDK: Mima's tracing processor attests the run, the agent,
 * each generation and the tool call; the refund tool needs approval, which a person gives in the
 * Mima dashboard (or `mima approvals decide`) while the agent waits.
 */
export async function runRefundAgent(options: RefundAgentOptions): Promise<string> {
  const { mima } = options
  setTraceProcessors([createMimaTracingProcessor({ mima })])
  setDefaultOpenAIClient(
    new OpenAI({
      apiKey: options.openaiApiKey,
      ...(options.openaiBaseUrl === undefined ? {} : { baseURL: options.openaiBaseUrl }),
    }),
  )
  // The approval gates the call: its token is redeemed at the server when the refund runs.
  const refund = gateApprovedTool(
    tool({
      name: 'refund',
      description: 'Refund an order',
      parameters: z.object({ order: z.string(), amount: z.number() }),
      needsApproval: true,
      execute: async ({ order, amount }) => `refunded ${amount} EUR on ${order}`,
    }),
    { mima },
  )
  const agent = new Agent({
    name: 'refunds',
    instructions: 'Refund orders when asked.',
    tools: [refund],
    model: options.modelId ?? 'gpt-4o-mini',
  })
  let result = await run(agent, 'Refund order A-17 (120 EUR)')
  while (result.interruptions?.length) {
    await resolveAgentApprovals(createApprovals(mima), result, { mima })
    result = await run(agent, result.state)
  }
  await mima.flush()
  return String(result.finalOutput)
}
