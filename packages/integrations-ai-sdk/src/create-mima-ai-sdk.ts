import type { Approvals } from '@mima/approvals'
import { type Mima, MimaError } from '@mima/core'
import { attestTool, type ToolLike } from './attest-tools'
import { createEmbeddingModelMiddleware, type MimaEmbeddingModelMiddleware } from './embedding-middleware'
import { createLanguageModelMiddleware, type MimaLanguageModelMiddleware } from './language-model-middleware'
import { RunLinks } from './run-links'
import { ToolApprovalBridge, type ToolApprovalOptions } from './tool-approvals'

/** Options of {@link createMimaAiSdk}. */
export interface MimaAiSdkOptions {
  /** The Mima client the records go to (`createMima`). */
  readonly mima: Mima
  /** An approvals client (`createApprovals(mima)`): needed for the tool-approval bridge. */
  readonly approvals?: Approvals
  /** How tool approvals are requested. */
  readonly approval?: ToolApprovalOptions
  /** Prefix of every recorded tool name (default `ai-sdk`: `ai-sdk:generate`, `ai-sdk:tool:search`). */
  readonly toolNamePrefix?: string
}

/** An approval request part of an `ai` 6 result (`result.content`, `type: 'tool-approval-request'`). */
interface ApprovalRequestPart {
  readonly type: string
  readonly approvalId?: string
  readonly toolCall?: { readonly toolCallId: string; readonly toolName: string; readonly input: unknown }
}

/** The tool message that answers approval requests, to append to `messages` before the next call. */
export interface ToolApprovalResponseMessage {
  readonly role: 'tool'
  readonly content: {
    readonly type: 'tool-approval-response'
    readonly approvalId: string
    readonly approved: boolean
    readonly reason?: string
  }[]
}

/** A tool-approval status for `ai` 7's `toolApproval` option. */
export type ToolApprovalStatus =
  | { readonly type: 'approved' }
  | { readonly type: 'denied'; readonly reason: string }

/** What {@link createMimaAiSdk} returns. */
export interface MimaAiSdk {
  /** For `wrapLanguageModel({ model, middleware })`. */
  readonly middleware: MimaLanguageModelMiddleware
  /** For `wrapEmbeddingModel({ model, middleware })`. */
  readonly embeddingMiddleware: MimaEmbeddingModelMiddleware
  /**
   * The same tools with each `execute` recorded as a child of the run that called it (and, after an
   * approval through this bridge, gated on its token).
   */
  attestTools<T extends Record<string, ToolLike>>(tools: T): T
  /**
   * `ai` 6 (`needsApproval`): asks a person in Mima about every `tool-approval-request` in
   * `content` (e.g. `result.content`), waits for the decisions and returns the tool message to
   * append to `messages` before calling again. `undefined` when there was nothing to approve.
   */
  resolveToolApprovals(content: readonly unknown[]): Promise<ToolApprovalResponseMessage | undefined>
  /**
   * `ai` 7 (`toolApproval`): a per-tool approval configuration that asks a person in Mima while the
   * run waits, e.g. `generateText({ toolApproval: mimaAi.toolApproval(['refund']) })`.
   */
  toolApproval(
    toolNames: readonly string[],
  ): Record<string, (input: unknown, options: { readonly toolCallId: string }) => Promise<ToolApprovalStatus>>
}

/**
 * Attests Vercel AI SDK work (`ai` 6 and 7): every model call, embedding and tool execution, with
 * tool calls linked to their run, and tool approvals decided by a person in Mima.
 *
 * @example
 * ```ts
 * const mima = createMima({ systemName: 'support-bot' })
 * const mimaAi = createMimaAiSdk({ mima, approvals: createApprovals(mima) })
 * const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware: mimaAi.middleware })
 * const result = await generateText({ model, tools: mimaAi.attestTools({ weather }), prompt: 'Rain in Oslo?' })
 * await mima.flush()
 * ```
 */
export function createMimaAiSdk(options: MimaAiSdkOptions): MimaAiSdk {
  const mima = options?.mima
  if (typeof mima?.record !== 'function') {
    throw new MimaError('config_invalid', 'createMimaAiSdk needs { mima }: a client made by createMima().')
  }
  const prefix = options.toolNamePrefix ?? 'ai-sdk'
  const links = new RunLinks()
  const toolName = (name: string): string => `${prefix}:tool:${name}`
  const bridge =
    options.approvals === undefined
      ? undefined
      : new ToolApprovalBridge(options.approvals, toolName, options.approval)
  const requireBridge = (what: string): ToolApprovalBridge => {
    if (bridge === undefined)
      throw new MimaError(
        'config_invalid',
        `${what} needs createMimaAiSdk({ approvals: createApprovals(mima) }).`,
      )
    return bridge
  }
  return {
    middleware: createLanguageModelMiddleware(mima, links, { toolNamePrefix: prefix }),
    embeddingMiddleware: createEmbeddingModelMiddleware(mima, { toolNamePrefix: prefix }),
    attestTools(tools) {
      const wrapped: Record<string, ToolLike> = {}
      for (const [name, tool] of Object.entries(tools))
        wrapped[name] = attestTool(mima, links, bridge, name, toolName(name), tool)
      return wrapped as typeof tools
    },
    async resolveToolApprovals(content) {
      const approvalBridge = requireBridge('resolveToolApprovals')
      const requests = (content as ApprovalRequestPart[]).filter(
        (part) =>
          part?.type === 'tool-approval-request' && typeof part.approvalId === 'string' && part.toolCall,
      )
      if (requests.length === 0) return undefined
      const decisions = await Promise.all(
        requests.map(async (part) => {
          const call = part.toolCall as NonNullable<ApprovalRequestPart['toolCall']>
          const decision = await approvalBridge.decide(call.toolName, call.toolCallId, call.input)
          return {
            type: 'tool-approval-response' as const,
            approvalId: part.approvalId as string,
            approved: decision.approved,
            ...(decision.reason === undefined ? {} : { reason: decision.reason }),
          }
        }),
      )
      return { role: 'tool', content: decisions }
    },
    toolApproval(toolNames) {
      const approvalBridge = requireBridge('toolApproval')
      const configuration: Record<
        string,
        (input: unknown, options: { readonly toolCallId: string }) => Promise<ToolApprovalStatus>
      > = {}
      for (const name of toolNames) {
        configuration[name] = async (input, callOptions) => {
          const decision = await approvalBridge.decide(name, callOptions.toolCallId, input)
          return decision.approved
            ? { type: 'approved' }
            : { type: 'denied', reason: decision.reason ?? 'Denied in Mima.' }
        }
      }
      return configuration
    },
  }
}
