import type { PromptMessage } from './model-types'

/** Where a tool call came from: the model step that asked for it and the run that step belongs to. */
export interface StepLink {
  /** The idempotency key of the step's attestation. */
  readonly stepKey: string
  /** The idempotency key of the run's first step: every later step and tool call names it as parent. */
  readonly runKey: string
}

const MAX_REMEMBERED = 10_000

/**
 * Remembers which step asked for each tool call, so that the tool's execution and the steps that
 * follow (whose prompts carry the tool results) are linked to the run. Bounded: the oldest calls are
 * forgotten first.
 */
export class RunLinks {
  readonly #byToolCall = new Map<string, StepLink>()

  remember(toolCallId: string, link: StepLink): void {
    if (this.#byToolCall.size >= MAX_REMEMBERED) {
      const oldest = this.#byToolCall.keys().next().value
      if (oldest !== undefined) this.#byToolCall.delete(oldest)
    }
    this.#byToolCall.set(toolCallId, link)
  }

  find(toolCallId: string | undefined): StepLink | undefined {
    return toolCallId === undefined ? undefined : this.#byToolCall.get(toolCallId)
  }

  /**
   * The run a prompt continues: found through the tool calls and results after its last user
   * message (a later step of a multi-step run). `undefined` starts a new run.
   */
  runOf(prompt: readonly PromptMessage[]): StepLink | undefined {
    for (let index = prompt.length - 1; index >= 0; index--) {
      const message = prompt[index] as PromptMessage
      if (message.role === 'user' || message.role === 'system') return undefined
      if (!Array.isArray(message.content)) continue
      for (const part of message.content as readonly { toolCallId?: unknown }[]) {
        if (typeof part?.toolCallId !== 'string') continue
        const link = this.#byToolCall.get(part.toolCallId)
        if (link !== undefined) return link
      }
    }
    return undefined
  }
}
