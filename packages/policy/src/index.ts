// runtime controls: budgets, kill switch, presence, loop detection (issue #16)
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
export {
  createLoopDetector,
  type DetectedLoop,
  type LoopCall,
  type LoopDetector,
  type LoopDetectorOptions,
} from './loops/loop-detector'
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
export { VERSION } from './version'
