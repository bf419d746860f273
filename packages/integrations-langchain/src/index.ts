export {
  type ApprovalDecision,
  type ApprovalInterrupt,
  approvalInterrupt,
  resolveApprovalInterrupts,
} from './approval-interrupts'
export {
  createMimaCallbackHandler,
  MimaCallbackHandler,
  type MimaCallbackHandlerOptions,
} from './mima-callback-handler'
export { VERSION } from './version'
