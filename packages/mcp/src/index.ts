export { governMcpClient } from './client/govern-mcp-client'
export {
  loadMcpConfig,
  type McpConfig,
  type McpConfigIssue,
  type McpConfigMima,
  type McpConfigServer,
  parseMcpConfig,
} from './config/mcp-config'
export {
  type ConfiguredProxy,
  type ConfiguredProxyOptions,
  startConfiguredProxy,
} from './config/start-configured-proxy'
export {
  createMcpGovernance,
  type McpCallAnswer,
  type McpCallOutcome,
  type McpGovernance,
  type McpGovernanceEvent,
  type McpGovernanceOptions,
  type McpToolCall,
  type McpToolInventoryEntry,
  type McpToolRule,
} from './governance/mcp-governance'
export {
  type McpCallResult,
  REFUSAL_META_KEY,
  type RefusalCode,
  refusalOf,
  refusalResult,
} from './governance/refusal'
export {
  type DescriptionCheck,
  defaultDescriptionCheck,
  type McpToolDefinition,
  toolDefinitionSha256,
} from './governance/tool-definition'
export { createToolPins, type ToolPins } from './governance/tool-pins'
export {
  createMcpProxy,
  type McpDownstream,
  type McpProxy,
  type McpProxyOptions,
} from './proxy/create-mcp-proxy'
export type { HttpDownstreamOptions } from './proxy/http-downstream'
export type { HttpUpstream, McpUpstream, StdioUpstream } from './proxy/upstream'
export {
  createToolCallInterceptor,
  type ToolCallInterceptor,
  type ToolCallInterceptorOptions,
} from './transport/tool-call-interceptor'
export { VERSION } from './version'
