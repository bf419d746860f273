export type { Approval, ApprovalStatus } from './client/approval'
export type { ApprovalsConnection } from './client/approvals-http'
export {
  type Approvals,
  type ApprovalsOptions,
  createApprovals,
  type DecideApprovalOptions,
  type GetApprovalOptions,
  type ListApprovalsOptions,
  type RequireApprovalOptions,
  requireApproval,
} from './client/create-approvals'
export type { ApprovalsSource } from './client/resolve-connection'
export {
  ApprovalCancelledError,
  ApprovalDeniedError,
  type ApprovalErrorOptions,
  ApprovalTimeoutError,
} from './errors/approval-errors'
export {
  buildOversightEvidence,
  type OversightEvidence,
  type OversightEvidenceInput,
  type OversightPayload,
} from './evidence/oversight-evidence'
export {
  ApprovalToken,
  type ApprovalTokenInit,
  TimeoutToken,
  type TimeoutTokenInit,
} from './token/approval-token'
export {
  APPROVAL_TOKEN_PREFIX,
  type ApprovalTokenClaims,
  decodeApprovalToken,
} from './token/decode-approval-token'
export { VERSION } from './version'
