import { hashValue, toHashable } from '@mima/core'

/** A tool as `tools/list` describes it (the fields governance reads; the rest passes through). */
export interface McpToolDefinition {
  readonly name: string
  readonly description?: string | undefined
  readonly inputSchema?: unknown
  readonly [field: string]: unknown
}

/**
 * The SHA-256 of what a model reads about a tool: its name, description and input schema
 * (canonical JSON). A different hash than the one approved means the definition changed.
 */
export function toolDefinitionSha256(tool: McpToolDefinition): string {
  return hashValue(
    toHashable({
      name: tool.name,
      description: tool.description ?? '',
      input_schema: tool.inputSchema ?? null,
    }),
  )
}

/** Decides whether a tool's description carries injected instructions: a reason when it does. */
export type DescriptionCheck = (tool: McpToolDefinition) => string | undefined

const INJECTION_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts?|rules)/i, 'override'],
  [/disregard (all |any )?(the )?(previous|prior|above|system) /i, 'override'],
  [/<\s*(important|system|instructions?|secret)\s*>/i, 'hidden_tag'],
  [/\b(do not|don't|never) (tell|inform|mention|reveal|show)( this)? (to )?the user/i, 'concealment'],
  [/(~\/\.ssh|id_rsa|\.aws\/credentials|\.env\b|private key)/i, 'secret_exfiltration'],
  [/\b(before|instead of) (using|calling) (any|this|the) (other )?tool/i, 'tool_shadowing'],
  // Zero-width and bidirectional control characters hide text from the person reading the list.
  [/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069]/u, 'invisible_characters'],
]

/**
 * The default description check: flags instruction overrides, hidden tags, concealment from the
 * user, references to credentials and invisible characters in a tool's description or in the
 * descriptions of its parameters. Replace it with your own classifier through `descriptionCheck`.
 */
export function defaultDescriptionCheck(tool: McpToolDefinition): string | undefined {
  const text = `${tool.description ?? ''}\n${JSON.stringify(tool.inputSchema ?? {})}`
  for (const [pattern, kind] of INJECTION_PATTERNS) {
    if (pattern.test(text)) return `description.injection:${kind}`
  }
  return undefined
}
