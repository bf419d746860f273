// --- PII and secret detectors, redaction, stream redaction (owner: policy-detect) ---

// --- end of policy engine block ---
// runtime controls: budgets, kill switch, presence, loop detection (issue #16)
export type { AliveCheck } from './agents/alive-check'
export { createKillSwitch, type KillSwitch, type KillSwitchOptions } from './agents/kill-switch'
export { createPresence, type Presence, type PresenceOptions } from './agents/presence'
export {
  type BudgetAvailability,
  type BudgetAvailabilityRequest,
  createBudgetChecker,
  type RuntimeBudgetChecker,
} from './budgets/budget-checker'
export {
  type BudgetCheckInput,
  type BudgetClient,
  type BudgetClientOptions,
  type BudgetScope,
  type BudgetState,
  type BudgetTicket,
  createBudgetClient,
  type TrackedUsage,
} from './budgets/budget-client'
// --- end of detectors block ---
// --- policy engine: precheck decisions, policy files, scopes, contracts, evidence (owner: policy-engine) ---
export {
  type CentralPolicy,
  type CentralPolicySummary,
  createPolicyClient,
  type DecisionReporter,
  type PolicyClient,
  type PolicyClientOptions,
  type PolicyFollower,
} from './central/policy-client'
export type { PolicyServerSource } from './central/policy-http'
export type { ApprovalsClient, ConfirmOptions } from './confirm/open-confirmation'
export type {
  BudgetChecker,
  BudgetCheckRequest,
  BudgetCheckResult,
} from './contracts/budget-checker'
export {
  type ApprovalTokenLike,
  type CheckContext,
  type CheckOutcome,
  type Condition,
  type Contract,
  type ContractCall,
  type ContractCheck,
  type Contracts,
  type ContractsOptions,
  ContractViolationError,
  createContracts,
} from './contracts/contracts'
export { basicDetect } from './detection/basic-detect'
export { BUILTIN_KINDS, detect, detectAsync } from './detectors/detect'
export {
  type CompromiseLike,
  createNameAddressDetector,
  type NameAddressDetectorOptions,
} from './detectors/name-address-detector'
export type { DetectOptions, Detector, Finding } from './detectors/types'
export {
  createDecisionAttester,
  type DecisionAttester,
  type DecisionAttesterOptions,
} from './evidence/decision-attestation'
export {
  buildDecisionRecord,
  commitText,
  type DecisionRecord,
  scopeViolationRecord,
} from './evidence/decision-record'
export {
  createLoopDetector,
  type DetectedLoop,
  type LoopCall,
  type LoopDetector,
  type LoopDetectorOptions,
} from './loops/loop-detector'
export {
  type CompiledPolicy,
  compilePolicy,
  normalizeKind,
  type RulePlan,
  type ValueAction,
} from './policy/compile-policy'
export { type ParsePolicyOptions, parsePolicy } from './policy/parse-policy'
export {
  type AllowPii,
  DEFAULT_DENY_TOOLS,
  DEFAULT_NETWORK_SCOPES,
  DEFAULT_NETWORK_TOOLS,
  type DirectionDefaults,
  type PiiAction,
  type PolicyDocument,
  type RuleAction,
  type ToolAccessRule,
} from './policy/policy-document'
export {
  formatField,
  type PolicyIssue,
  PolicyValidationError,
  policyIssues,
  validatePolicy,
} from './policy/validate-policy'
export {
  type ChatMessageCheck,
  type ChatMessageLike,
  createPolicyEngine,
  type EvidenceOptions,
  type PolicyEngine,
  type PolicyEngineOptions,
  type ToolCallCheck,
} from './precheck/create-policy-engine'
export type {
  Confirmation,
  ConfirmationOutcome,
  DetectFunction,
  Direction,
  PolicyDecision,
  PrecheckInput,
  PrecheckMetadata,
  PrecheckResult,
} from './precheck/precheck-types'
export {
  type Redaction,
  type RedactionMode,
  type RedactOptions,
  redact,
  restoreRedacted,
} from './redaction/redact'
export type { RedactionKey } from './redaction/redaction-keys'
export {
  type EventStreamHandle,
  type EventStreamOptions,
  openEventStream,
  type StreamEvent,
} from './runtime/event-stream'
export {
  createRuntimeConnection,
  type RuntimeConnection,
  type RuntimeConnectionOptions,
} from './runtime/runtime-connection'
export {
  createRuntimeControls,
  type RuntimeControls,
  type RuntimeControlsOptions,
} from './runtime/runtime-controls'
export { AgentKilledError, BudgetExceededError, LoopDetectedError } from './runtime/runtime-errors'
export {
  type AgentScope,
  createScopeRegistry,
  type RiskLevel,
  type ScopeDecision,
  type ScopeRegistry,
  type ScopeRegistryOptions,
  type ScopeRequest,
  ScopeViolationError,
  type ToolLike,
  type ToolMetadata,
  toolName,
} from './scope/scope-registry'
export { type RedactStreamOptions, redactStream, type TextChunk } from './streams/redact-stream'
export { emitDecisionSpan, GUARDRAIL_VERDICT } from './telemetry/decision-span'
export { VERSION } from './version'
