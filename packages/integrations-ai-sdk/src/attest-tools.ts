import { type Mima, runAttested, toHashable } from '@mima/core'
import type { RunLinks } from './run-links'
import type { ToolApprovalBridge } from './tool-approvals'

/** What the wrapper reads from a tool's `execute` options. */
interface ExecuteOptions {
  readonly toolCallId?: string
}

type Execute = (input: unknown, options: ExecuteOptions) => unknown

/** A tool as the AI SDK defines it (`tool({...})`): only `execute` is touched. */
export interface ToolLike {
  readonly execute?: ((input: never, options: never) => unknown) | undefined
}

const monotonic = (): number => performance.now()

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function'
}

/** Wraps one tool's `execute` so that each run is recorded as a child of the run that asked for it. */
export function attestTool<T extends ToolLike>(
  mima: Mima,
  links: RunLinks,
  bridge: ToolApprovalBridge | undefined,
  name: string,
  toolName: string,
  tool: T,
): T {
  const execute = tool.execute as Execute | undefined
  if (typeof execute !== 'function') return tool
  const guardContext = { toolName, systemName: mima.systemName }

  function record(
    input: unknown,
    options: ExecuteOptions,
    startedAt: number,
    started: number,
    outcome: { output?: unknown; error?: unknown },
  ): void {
    const link = links.find(options?.toolCallId)
    const metadata: Record<string, unknown> = { framework: 'ai-sdk', tool: name }
    if (options?.toolCallId !== undefined) metadata.tool_call_id = options.toolCallId
    if (link !== undefined) {
      metadata.run_id = link.runKey
      metadata.requested_by = link.stepKey
    }
    mima.record({
      toolName,
      input,
      ...('output' in outcome ? { output: outcome.output } : {}),
      startedAt,
      durationMs: Math.round((monotonic() - started) * 1000) / 1000,
      ...('error' in outcome
        ? { errorType: outcome.error instanceof Error ? outcome.error.name : typeof outcome.error }
        : {}),
      ...(link === undefined ? {} : { parentIdempotencyKey: link.runKey }),
      metadata,
    })
  }

  async function* recordIterable(
    iterable: AsyncIterable<unknown>,
    input: unknown,
    options: ExecuteOptions,
    startedAt: number,
    started: number,
  ): AsyncGenerator<unknown> {
    let last: unknown
    try {
      for await (const value of iterable) {
        last = value
        yield value
      }
    } catch (error) {
      record(input, options, startedAt, started, { error })
      throw error
    }
    record(input, options, startedAt, started, { output: last })
  }

  function wrapped(this: unknown, input: unknown, options: ExecuteOptions): unknown {
    const token = bridge?.take(options?.toolCallId ?? '')
    if (token !== undefined) {
      // An approved call: `attest` redeems the token before the tool runs (fail closed), sends the
      // attestation with it and pushes the human_oversight evidence.
      return mima.attest(
        { toolName, approvalToken: token, hashInput: (value: unknown) => toHashable(value) },
        (value: unknown) => execute?.call(this, value, options),
      )(input)
    }
    const startedAt = Date.now()
    const started = monotonic()
    let result: unknown
    try {
      result = runAttested(guardContext, () => execute?.call(this, input, options))
    } catch (error) {
      record(input, options, startedAt, started, { error })
      throw error
    }
    if (isAsyncIterable(result)) return recordIterable(result, input, options, startedAt, started)
    if (result instanceof Promise || typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      return Promise.resolve(result).then(
        (output) => {
          record(input, options, startedAt, started, { output })
          return output
        },
        (error: unknown) => {
          record(input, options, startedAt, started, { error })
          throw error
        },
      )
    }
    record(input, options, startedAt, started, { output: result })
    return result
  }
  return { ...tool, execute: wrapped }
}
