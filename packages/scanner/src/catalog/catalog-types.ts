/** The shapes of the scanner's SDK catalog, and the helpers its tables are written with. */

/**
 * The kind of request a call sends. `tool_call` is an MCP tool call, not a model call; `inference` is
 * a hosted model run whose kind the call does not say (Replicate's `run`).
 */
export type Operation =
  | 'chat'
  | 'completion'
  | 'structured_output'
  | 'embeddings'
  | 'image'
  | 'video'
  | 'audio'
  | 'transcription'
  | 'moderation'
  | 'rerank'
  | 'batch'
  | 'agent_run'
  | 'inference'
  | 'tool_call'

/** A handle type: what its members are and what calling them does. */
export interface SdkType {
  /** Property → type of the property (`chat` → the chat resource). */
  readonly members?: Readonly<Record<string, string>>
  /** Method → the request it sends. */
  readonly calls?: Readonly<Record<string, Operation>>
  /** Method → the handle type it returns without sending a request (`bindTools`, `getGenerativeModel`). */
  readonly factories?: Readonly<Record<string, string>>
  /**
   * Method → command type → the request it sends, for clients that send command objects
   * (`client.send(new ConverseCommand(…))` in the AWS SDK). Other commands send no model request.
   */
  readonly sends?: Readonly<Record<string, Readonly<Record<string, Operation>>>>
  /** Calling the handle itself sends this request (a Genkit prompt: `await prompt(input)`). */
  readonly invoked?: Operation
}

/** One export of a library module. */
export interface SdkExport {
  /** `new X()` (or `X()`) yields a handle of this type. */
  readonly construct?: string
  /** Calling the export sends a request (`generateText`). */
  readonly call?: Operation
  /** Calling the export returns a handle of this type without a request (`initChatModel`). */
  readonly returns?: string
  /** The export is itself a handle (`import ollama from 'ollama'`). */
  readonly instance?: string
  /** Calling it returns a model id handle: its first string argument is a model id (`openai('gpt-4o')`). */
  readonly modelFactory?: true
  /** An MCP client transport; its arguments name the server. */
  readonly mcpTransport?: 'stdio' | 'http'
}

/** One AI library as the scanner reports it. */
export interface SdkLibrary {
  /** The name in findings and the BOM (`openai`, `@anthropic-ai/sdk`, `ai`). */
  readonly name: string
  /** The npm packages whose version the BOM reports. */
  readonly packages: readonly string[]
  /** Whether a module specifier belongs to this library. */
  readonly matches: (specifier: string) => boolean
  /** Export name → meaning. */
  readonly exports: (name: string) => SdkExport | undefined
  readonly types: Readonly<Record<string, SdkType>>
}

/** An export table: name → meaning. */
export const table =
  (entries: Record<string, SdkExport>): ((name: string) => SdkExport | undefined) =>
  (name: string): SdkExport | undefined =>
    Object.hasOwn(entries, name) ? entries[name] : undefined

/** Matches these module specifiers and their subpaths. */
export const exact =
  (...specifiers: string[]): ((specifier: string) => boolean) =>
  (specifier: string): boolean =>
    specifiers.some((candidate) => specifier === candidate || specifier.startsWith(`${candidate}/`))
