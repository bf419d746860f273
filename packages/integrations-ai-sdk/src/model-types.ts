// The slices of the AI SDK's provider specification (v3 in `ai` 6, v4 in `ai` 7) this package
// reads. Declared structurally so one build serves both majors without importing either.

/** A prompt message as the middleware sees it (`LanguageModelV3Prompt` / `V4Prompt` element). */
export interface PromptMessage {
  readonly role: string
  readonly content: unknown
}

/** What the middleware reads from `LanguageModelV3CallOptions` / `V4CallOptions`. */
export interface ModelCallParams {
  readonly prompt: readonly PromptMessage[]
  readonly tools?: readonly { readonly name?: string }[] | undefined
  readonly responseFormat?: { readonly type: string } | undefined
}

/** Token usage: nested in spec v3/v4, flat numbers in older specs. */
export interface ModelUsage {
  readonly inputTokens?:
    | number
    | { readonly total?: number | undefined; readonly cacheRead?: number | undefined }
    | undefined
  readonly outputTokens?:
    | number
    | { readonly total?: number | undefined; readonly reasoning?: number | undefined }
    | undefined
  readonly totalTokens?: number | undefined
}

/** A finish reason: `{ unified, raw }` in spec v3/v4, a string before. */
export type ModelFinishReason = string | { readonly unified: string; readonly raw?: string | undefined }

/** One content part of a generate result (text, reasoning, tool-call, …). */
export interface ContentPart {
  readonly type: string
  readonly toolCallId?: string
  readonly toolName?: string
  readonly text?: string
  readonly input?: unknown
}

export interface GenerateResult {
  readonly content: readonly ContentPart[]
  readonly finishReason: ModelFinishReason
  readonly usage: ModelUsage
  readonly response?: { readonly modelId?: string | undefined } | undefined
}

/** One part of a model stream (`text-delta`, `tool-call`, `finish`, `error`, …). */
export interface StreamPart {
  readonly type: string
  readonly id?: string
  readonly delta?: string
  readonly toolCallId?: string
  readonly toolName?: string
  readonly input?: unknown
  readonly modelId?: string
  readonly usage?: ModelUsage
  readonly finishReason?: ModelFinishReason
  readonly error?: unknown
}

export interface StreamResult {
  readonly stream: ReadableStream<StreamPart>
}

/** The model the middleware wraps. */
export interface WrappedModel {
  readonly modelId: string
  readonly provider: string
}

export interface EmbedParams {
  readonly values: readonly unknown[]
}

export interface EmbedResult {
  readonly embeddings: readonly (readonly number[])[]
  readonly usage?: { readonly tokens: number } | undefined
}
