export {
  type AgentApprovalDecision,
  type AgentApprovalOptions,
  type GateApprovedToolOptions,
  type GatedToolLike,
  gateApprovedTool,
  type InterruptedRunLike,
  resolveAgentApprovals,
  type ToolApprovalItemLike,
} from './agent-approvals'
export {
  createMimaTracingProcessor,
  type MimaTracingProcessor,
  type MimaTracingProcessorOptions,
  type SpanLike,
  type TraceLike,
} from './mima-tracing-processor'
export { VERSION } from './version'
