import type { Operation } from '../catalog/sdk-catalog'

/** How sure the scanner is: `high` for a resolved call, `low` for a heuristic match. */
export type Confidence = 'high' | 'low'

/** One AI call site found in a file, positioned by UTF-16 offset (lines are computed later). */
export interface RawFinding {
  readonly offset: number
  readonly library: string
  readonly operation: Operation
  readonly attested: boolean
  readonly confidence: Confidence
  /** `model` for a model request, `tool` for an MCP tool call. */
  readonly kind: 'model' | 'tool'
  /** The callee as written, shortened (`client.chat.completions.create`). */
  readonly callee: string
}

/** An MCP server a file connects to, from the transport's literal arguments. */
export interface McpServerReference {
  readonly transport: 'stdio' | 'http'
  /** The command line (stdio) or URL (http). */
  readonly target: string
  readonly offset: number
}

/** What one file's analysis yields. */
export interface FileFacts {
  readonly findings: RawFinding[]
  /** AI libraries the file imports (values or types). */
  readonly libraries: string[]
  /** Model ids the file names as string literals at AI call sites, constructors and factories. */
  readonly models: string[]
  readonly mcpServers: McpServerReference[]
}
