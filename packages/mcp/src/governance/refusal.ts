/** Why Mima refused or withheld a call (the `code` of a refusal's `_meta`). */
export type RefusalCode =
  | 'agent_killed'
  | 'mima_unreachable'
  | 'scope_denied'
  | 'tool_flagged'
  | 'policy_denied'
  | 'approval_denied'
  | 'approval_timeout'
  | 'approval_cancelled'
  | 'approval_failed'
  | 'result_withheld'
  | 'governance_error'

/** The `_meta` key under which a refusal names its code and reasons. */
export const REFUSAL_META_KEY = 'ai.mima/refusal'

/** A `tools/call` result as MCP defines it (the fields governance reads; the rest passes through). */
export interface McpCallResult {
  readonly content?: readonly unknown[]
  readonly structuredContent?: unknown
  readonly isError?: boolean
  readonly _meta?: Readonly<Record<string, unknown>>
  readonly [field: string]: unknown
}

/**
 * A refusal as an MCP tool error: `isError: true` with a sentence the model can read, so the client
 * sees a failed tool call (never a protocol error or a crash), and `_meta` naming the code.
 */
export function refusalResult(
  tool: string,
  code: RefusalCode,
  sentence: string,
  reasons: readonly string[] = [],
): McpCallResult {
  return {
    content: [{ type: 'text', text: `Mima refused this call to "${tool}": ${sentence}` }],
    isError: true,
    _meta: { [REFUSAL_META_KEY]: { code, reasons: [...reasons] } },
  }
}

/** The refusal code and reasons of a result, when Mima refused it. */
export function refusalOf(
  result: McpCallResult | undefined,
): { readonly code: RefusalCode; readonly reasons: readonly string[] } | undefined {
  const meta = result?._meta?.[REFUSAL_META_KEY]
  if (typeof meta !== 'object' || meta === null) return undefined
  return meta as { code: RefusalCode; reasons: string[] }
}
