import type { Operation } from '../catalog/sdk-catalog'

/** How sure the scanner is: `high` for a resolved call, `low` for a heuristic match. */
export type Confidence = 'high' | 'low'

/** One AI call site found in a file. */
export interface RawFinding {
  /** UTF-16 offset of the call expression. */
  readonly offset: number
  /** 1-based line and column (filled in once the file's analysis is done). */
  line: number
  column: number
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
  line: number
}

/** What one file's analysis yields. */
export interface FileFacts {
  readonly findings: RawFinding[]
  /** AI libraries the file imports (values or types). */
  readonly libraries: string[]
  /** Model ids the file names as string literals at AI call sites, constructors and factories. */
  readonly models: string[]
  readonly mcpServers: McpServerReference[]
  /** Statements nested too deep for the analysis (its stack ran out): calls in them are not reported. */
  tooDeepStatements: number
}
