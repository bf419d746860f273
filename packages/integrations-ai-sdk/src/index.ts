export type { ToolLike } from './attest-tools'
export {
  createMimaAiSdk,
  type MimaAiSdk,
  type MimaAiSdkOptions,
  type ToolApprovalResponseMessage,
  type ToolApprovalStatus,
} from './create-mima-ai-sdk'
export type { MimaEmbeddingModelMiddleware } from './embedding-middleware'
export type { MimaLanguageModelMiddleware } from './language-model-middleware'
export type {
  ContentPart,
  EmbedParams,
  EmbedResult,
  GenerateResult,
  ModelCallParams,
  ModelFinishReason,
  ModelUsage,
  PromptMessage,
  StreamPart,
  StreamResult,
  WrappedModel,
} from './model-types'
export type { ToolApprovalOptions, ToolCallDecision } from './tool-approvals'
export { type UsageMetadata, usageMetadata } from './usage-metadata'
export { VERSION } from './version'
