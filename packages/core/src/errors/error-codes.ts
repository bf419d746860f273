/**
 * A stable, machine-readable error code, used by the SDKs, the CLI and the server's JSON
 * errors alike. Add a code here and in {@link ERROR_CODES}: that table is the single source of truth.
 */
export type MimaErrorCode =
  | 'config_missing'
  | 'config_invalid'
  | 'validation_failed'
  | 'network_error'
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'bad_request'
  | 'signature_invalid'
  | 'proof_invalid'
  | 'approval_denied'
  | 'approval_timeout'
  | 'approval_cancelled'
  | 'approval_token_invalid'
  | 'unattested_call'
  | 'policy_denied'
  | 'budget_exceeded'
  | 'kill_switch'
  // policy engine (precheck, policy files, scopes, contracts)
  | 'policy_invalid'
  | 'scope_denied'
  | 'contract_violated'
  // usage, budgets, loops and agents (issue #16)
  | 'loop_detected'
  | 'internal_error'
  // newcomer path: starting a server
  | 'address_in_use'
  | 'data_dir_locked'

/**
 * The error-code table: whether retrying the same request can succeed.
 */
export const ERROR_CODES: Readonly<Record<MimaErrorCode, { readonly retryable: boolean }>> = {
  // configuration and input
  config_missing: { retryable: false },
  config_invalid: { retryable: false },
  validation_failed: { retryable: false },
  // transport and server
  network_error: { retryable: true },
  timeout: { retryable: true },
  rate_limited: { retryable: true },
  server_error: { retryable: true },
  unauthorized: { retryable: false },
  forbidden: { retryable: false },
  not_found: { retryable: false },
  conflict: { retryable: false },
  payload_too_large: { retryable: false },
  bad_request: { retryable: false },
  // integrity
  signature_invalid: { retryable: false },
  proof_invalid: { retryable: false },
  // approvals
  approval_denied: { retryable: false },
  approval_timeout: { retryable: false },
  approval_cancelled: { retryable: false },
  approval_token_invalid: { retryable: false },
  // enforcement
  unattested_call: { retryable: false },
  policy_denied: { retryable: false },
  budget_exceeded: { retryable: false },
  kill_switch: { retryable: false },
  // policy engine (precheck, policy files, scopes, contracts)
  policy_invalid: { retryable: false },
  scope_denied: { retryable: false },
  contract_violated: { retryable: false },
  // usage, budgets, loops and agents (issue #16)
  loop_detected: { retryable: false },
  // anything unforeseen
  internal_error: { retryable: false },
  // newcomer path: starting a server (a port or PGlite data directory another process holds)
  address_in_use: { retryable: false },
  data_dir_locked: { retryable: false },
}

/** Whether `value` is one of the codes in {@link ERROR_CODES}. */
export function isMimaErrorCode(value: unknown): value is MimaErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}
