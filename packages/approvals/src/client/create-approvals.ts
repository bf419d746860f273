import { hashValue, MimaError } from '@mima/core'
import { ApprovalCancelledError, ApprovalDeniedError, ApprovalTimeoutError } from '../errors/approval-errors'
import { ApprovalToken, TimeoutToken } from '../token/approval-token'
import { decodeApprovalToken } from '../token/decode-approval-token'
import { type Approval, type ApprovalStatus, type ApprovalWire, parseApproval } from './approval'
import { type ApprovalsConnection, ApprovalsHttp } from './approvals-http'
import { type ApprovalsSource, resolveConnection } from './resolve-connection'

/** What to ask a person to approve, and how long to wait. */
export interface RequireApprovalOptions {
  /** The action to gate. The token is valid only on an attestation whose `toolName` is this value. */
  readonly actionType: string
  /** What the approver sees and what the token is bound to (by its canonical hash). JSON only. */
  readonly context?: Readonly<Record<string, unknown>>
  /** How long a person has to decide, in seconds (default 300). The server expires the request then. */
  readonly timeoutSeconds?: number
  /** Who may decide: only the API key with this name can approve or reject. */
  readonly approver?: string
  /** A sentence for the approver. */
  readonly description?: string
  /**
   * What happens when nobody decides in time: `'raise'` (default) throws {@link ApprovalTimeoutError};
   * `'proceed'` returns a {@link TimeoutToken} (the action may run; no oversight controls are earned).
   */
  readonly onTimeout?: 'raise' | 'proceed'
  /** Aborting stops the wait, cancels the request on the server and throws {@link ApprovalCancelledError}. */
  readonly signal?: AbortSignal
  /**
   * Called once the server created the request, before the wait starts, with its id (to show a
   * link to it, or to check on it later with {@link Approvals.get}).
   */
  readonly onRequested?: (approvalId: string) => void
}

/** Tuning for how the client waits for a decision. */
export interface ApprovalsOptions {
  /**
   * Ask the server to hold each status request until a decision (long-polling, the default). Servers
   * that do not hold are detected and polled with backoff instead.
   */
  readonly longPoll?: boolean
  /** The longest a single long-poll request waits, in seconds (default 25). */
  readonly maxWaitSeconds?: number
  /** Backoff intervals between polls when the server does not hold, in seconds (default 2, 4, 8, 16, 30). */
  readonly pollIntervals?: readonly number[]
  /** Called with the warning text when a timeout proceeds (default: `process.emitWarning` or `console.warn`). */
  readonly onWarning?: (message: string) => void
}

/** Options for {@link Approvals.get}. */
export interface GetApprovalOptions {
  /** Hold the request up to this many seconds for a decision (long-poll). */
  readonly wait?: number
  readonly signal?: AbortSignal
}

/** Options for {@link Approvals.list}. */
export interface ListApprovalsOptions {
  /** `'pending'` (the server's default), one other status, or `'all'`. */
  readonly status?: ApprovalStatus | 'all'
  /** At most this many, newest first (1–500; the server's default is 100). */
  readonly limit?: number
  readonly signal?: AbortSignal
}

/** Options for {@link Approvals.decide}. */
export interface DecideApprovalOptions {
  readonly reason?: string
  readonly signal?: AbortSignal
}

/** The approvals API of one workspace, as one API key sees it. */
export interface Approvals {
  /**
   * Asks a person to approve an action and waits for the decision. Resolves with an
   * {@link ApprovalToken} when approved; throws {@link ApprovalDeniedError} when rejected,
   * {@link ApprovalTimeoutError} when nobody decided in time (unless `onTimeout: 'proceed'`), and
   * {@link ApprovalCancelledError} when `signal` aborts or the request is cancelled.
   */
  requireApproval(
    options: RequireApprovalOptions & { readonly onTimeout: 'proceed' },
  ): Promise<ApprovalToken | TimeoutToken>
  requireApproval(options: RequireApprovalOptions & { readonly onTimeout?: 'raise' }): Promise<ApprovalToken>
  requireApproval(options: RequireApprovalOptions): Promise<ApprovalToken | TimeoutToken>
  /** Reads one approval, optionally holding the request until it is decided. */
  get(approvalId: string, options?: GetApprovalOptions): Promise<Approval>
  /** Lists approvals: pending ones by default. */
  list(options?: ListApprovalsOptions): Promise<Approval[]>
  /** Approves or rejects (needs an `approver` or `admin` key that did not request it). */
  decide(
    approvalId: string,
    decision: 'approve' | 'reject',
    options?: DecideApprovalOptions,
  ): Promise<Approval>
  /** Cancels a pending request (the requesting key, or an admin). */
  cancel(approvalId: string, options?: { readonly signal?: AbortSignal }): Promise<Approval>
}

const DEFAULT_TIMEOUT_SECONDS = 300
const MAX_TIMEOUT_SECONDS = 7 * 24 * 60 * 60
const DEFAULT_POLL_INTERVALS = [2, 4, 8, 16, 30] as const
const LONG_POLL_HEADER = 'mima-long-poll'

function defaultWarning(message: string): void {
  const process = (globalThis as { process?: { emitWarning?: (message: string, type?: string) => void } })
    .process
  if (process?.emitWarning) process.emitWarning(message, 'MimaApprovalWarning')
  else console.warn(message)
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, milliseconds)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function validateRequest(options: RequireApprovalOptions): {
  timeoutSeconds: number
  onTimeout: 'raise' | 'proceed'
} {
  if (typeof options.actionType !== 'string' || options.actionType.trim() === '') {
    throw new MimaError('validation_failed', 'requireApproval: actionType must be a non-empty string.')
  }
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
    throw new MimaError(
      'validation_failed',
      `requireApproval: timeoutSeconds must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got ${String(options.timeoutSeconds)}.`,
    )
  }
  const onTimeout = options.onTimeout ?? 'raise'
  if (onTimeout !== 'raise' && onTimeout !== 'proceed') {
    throw new MimaError(
      'validation_failed',
      `requireApproval: onTimeout must be 'raise' or 'proceed', got ${JSON.stringify(onTimeout)}.`,
    )
  }
  if (
    options.context !== undefined &&
    (typeof options.context !== 'object' || options.context === null || Array.isArray(options.context))
  ) {
    throw new MimaError('validation_failed', 'requireApproval: context must be a JSON object.')
  }
  if (options.approver !== undefined && (typeof options.approver !== 'string' || options.approver === '')) {
    throw new MimaError(
      'validation_failed',
      'requireApproval: approver must be a non-empty string when given.',
    )
  }
  return { timeoutSeconds, onTimeout }
}

/**
 * Creates the approvals client for a core client made by `createMima` (it reuses its base URL, API
 * key, workspace and `fetch`), or for explicit connection options.
 *
 * @example
 * ```ts
 * const mima = createMima({ apiKey, systemName: 'credit-engine' })
 * const approvals = createApprovals(mima)
 * const token = await approvals.requireApproval({
 *   actionType: 'credit_decision',
 *   context: { affected_users: 1200, policy: 'credit_v3' },
 *   approver: 'bob@example.com',
 * })
 * const decide = mima.attest({ toolName: 'credit_decision', approvalToken: token }, makeCreditDecision)
 * ```
 */
export function createApprovals(source: ApprovalsSource, options: ApprovalsOptions = {}): Approvals {
  const connection: ApprovalsConnection = resolveConnection(source)
  const http = new ApprovalsHttp(connection)
  const longPollEnabled = options.longPoll ?? true
  const maxWaitSeconds = options.maxWaitSeconds ?? 25
  const pollIntervals =
    options.pollIntervals && options.pollIntervals.length > 0 ? options.pollIntervals : DEFAULT_POLL_INTERVALS
  const warn = options.onWarning ?? defaultWarning

  async function get(approvalId: string, getOptions: GetApprovalOptions = {}): Promise<Approval> {
    const response = await http.request<ApprovalWire>({
      method: 'GET',
      path: `/${encodeURIComponent(approvalId)}`,
      ...(getOptions.wait === undefined ? {} : { query: { wait: String(getOptions.wait) } }),
      ...(getOptions.signal === undefined ? {} : { signal: getOptions.signal }),
    })
    return parseApproval(response.data)
  }

  async function cancel(
    approvalId: string,
    cancelOptions: { readonly signal?: AbortSignal } = {},
  ): Promise<Approval> {
    const response = await http.request<ApprovalWire>({
      method: 'POST',
      path: `/${encodeURIComponent(approvalId)}/cancel`,
      body: {},
      ...(cancelOptions.signal === undefined ? {} : { signal: cancelOptions.signal }),
    })
    return parseApproval(response.data)
  }

  async function requireApproval(request: RequireApprovalOptions): Promise<ApprovalToken | TimeoutToken> {
    const { timeoutSeconds, onTimeout } = validateRequest(request)
    // The hash the approval (and its token) must be bound to; also rejects non-JSON context early.
    const contextHash = hashValue(request.context ?? {})
    const signal = request.signal
    if (signal?.aborted) throw new ApprovalCancelledError(undefined, undefined, { cause: signal.reason })

    let approvalId: string
    try {
      const created = await http.request<{ approval_id?: unknown; id?: unknown; context_hash?: unknown }>({
        method: 'POST',
        path: '',
        body: {
          action_type: request.actionType,
          context: request.context ?? {},
          timeout_seconds: timeoutSeconds,
          ...(request.approver === undefined ? {} : { approver_hint: request.approver }),
          ...(request.description === undefined ? {} : { description: request.description }),
          ...(connection.systemName === undefined ? {} : { system_name: connection.systemName }),
          ...(connection.agentName === undefined ? {} : { agent_name: connection.agentName }),
          ...(connection.requestedFor === undefined ? {} : { requested_for: connection.requestedFor }),
        },
        ...(signal === undefined ? {} : { signal }),
      })
      const id = created.data.approval_id ?? created.data.id
      if (typeof id !== 'string' || id === '') {
        throw new MimaError(
          'server_error',
          'The server created the approval request but answered no approval_id.',
        )
      }
      approvalId = id
      const serverHash = created.data.context_hash
      if (typeof serverHash === 'string' && serverHash !== contextHash) {
        await cancel(id, { signal: AbortSignal.timeout(2000) }).catch(() => undefined)
        throw new MimaError(
          'server_error',
          `The server bound approval '${id}' to context hash ${serverHash}, not ${contextHash}; the request was cancelled.`,
        )
      }
      request.onRequested?.(id)
    } catch (error) {
      if (signal?.aborted) throw new ApprovalCancelledError(undefined, undefined, { cause: signal.reason })
      throw error
    }

    const deadline = Date.now() + timeoutSeconds * 1000
    let serverHolds = longPollEnabled
    let pollIndex = 0
    let transientFailures = 0

    const outcome = (approval: Approval): ApprovalToken | 'pending' | 'expired' => {
      switch (approval.status) {
        case 'approved':
          if (approval.token === undefined) {
            throw new MimaError(
              'server_error',
              `Approval '${approvalId}' is approved but the server sent no token. Only the requesting key receives it.`,
            )
          }
          {
            // Fail closed unless the server bound the token to exactly what was asked.
            const claims = decodeApprovalToken(approval.token)
            if (
              claims.aid !== approvalId ||
              claims.act !== request.actionType ||
              claims.ctx !== contextHash
            ) {
              throw new MimaError(
                'approval_token_invalid',
                `The server issued a token for another action than approval '${approvalId}' asked for; not proceeding.`,
              )
            }
          }
          return new ApprovalToken({
            token: approval.token,
            approvalId,
            actionType: approval.actionType || request.actionType,
            approvedBy: approval.decidedBy ?? '',
            approvedAt: approval.decidedAt ?? new Date(),
            ...(connection.systemName === undefined ? {} : { systemName: connection.systemName }),
          })
        case 'rejected':
          throw new ApprovalDeniedError(approvalId, approval.decidedBy, approval.reason)
        case 'cancelled':
          throw new ApprovalCancelledError(
            approvalId,
            `Approval '${approvalId}' was cancelled on the server. The action was not taken.`,
          )
        case 'expired':
          return 'expired'
        default:
          return 'pending'
      }
    }

    try {
      for (;;) {
        const remaining = deadline - Date.now()
        const waitSeconds =
          serverHolds && remaining > 0 ? Math.min(maxWaitSeconds, Math.ceil(remaining / 1000)) : 0
        let approval: Approval
        try {
          const response = await http.request<ApprovalWire>({
            method: 'GET',
            path: `/${encodeURIComponent(approvalId)}`,
            ...(waitSeconds > 0 ? { query: { wait: String(waitSeconds) } } : {}),
            ...(signal === undefined ? {} : { signal }),
          })
          if (waitSeconds > 0 && !response.headers.has(LONG_POLL_HEADER)) serverHolds = false
          approval = parseApproval(response.data)
          transientFailures = 0
        } catch (error) {
          if (signal?.aborted) throw error
          if (!(MimaError.isInstance(error) && error.retryable) || Date.now() >= deadline) throw error
          transientFailures += 1
          await sleep(
            Math.min(250 * 2 ** transientFailures, 5000, Math.max(0, deadline - Date.now())),
            signal,
          )
          continue
        }
        const result = outcome(approval)
        if (result instanceof ApprovalToken) return result
        if (result === 'expired' || Date.now() >= deadline) break
        if (!serverHolds) {
          const interval = pollIntervals[Math.min(pollIndex, pollIntervals.length - 1)] ?? 2
          pollIndex += 1
          await sleep(Math.min(interval * 1000, Math.max(0, deadline - Date.now())), signal)
        }
      }
    } catch (error) {
      if (signal?.aborted) {
        await cancel(approvalId, { signal: AbortSignal.timeout(2000) }).catch(() => undefined)
        throw new ApprovalCancelledError(approvalId, undefined, { cause: signal.reason })
      }
      throw error
    }

    if (onTimeout === 'raise') throw new ApprovalTimeoutError(approvalId, timeoutSeconds)
    warn(
      `[mima] Approval '${approvalId}' for '${request.actionType}' was not decided within ${timeoutSeconds}s; ` +
        "proceeding because onTimeout is 'proceed'. The oversight record says timeout_unblocked and earns no eu_ai_act:art_14.",
    )
    return new TimeoutToken({
      approvalId,
      actionType: request.actionType,
      timeoutSeconds,
      ...(connection.systemName === undefined ? {} : { systemName: connection.systemName }),
    })
  }

  return {
    requireApproval: requireApproval as Approvals['requireApproval'],
    get,
    async list(listOptions: ListApprovalsOptions = {}): Promise<Approval[]> {
      const response = await http.request<{ approvals?: unknown }>({
        method: 'GET',
        path: '',
        query: {
          status: listOptions.status,
          limit: listOptions.limit === undefined ? undefined : String(listOptions.limit),
        },
        ...(listOptions.signal === undefined ? {} : { signal: listOptions.signal }),
      })
      if (!Array.isArray(response.data.approvals)) {
        throw new MimaError(
          'server_error',
          'The server answered the approvals list without an approvals array.',
        )
      }
      return response.data.approvals.map((item) => parseApproval(item as ApprovalWire))
    },
    async decide(
      approvalId: string,
      decision: 'approve' | 'reject',
      decideOptions: DecideApprovalOptions = {},
    ): Promise<Approval> {
      if (decision !== 'approve' && decision !== 'reject') {
        throw new MimaError(
          'validation_failed',
          `decide: decision must be 'approve' or 'reject', got ${JSON.stringify(decision)}.`,
        )
      }
      const response = await http.request<ApprovalWire>({
        method: 'POST',
        path: `/${encodeURIComponent(approvalId)}/decide`,
        body: { decision, ...(decideOptions.reason === undefined ? {} : { reason: decideOptions.reason }) },
        ...(decideOptions.signal === undefined ? {} : { signal: decideOptions.signal }),
      })
      return parseApproval(response.data)
    },
    cancel,
  }
}

/**
 * Asks a person to approve an action and waits for the decision (see {@link Approvals.requireApproval}).
 * The same as `createApprovals(mima).requireApproval(options)`.
 *
 * @example
 * ```ts
 * try {
 *   const token = await requireApproval(mima, {
 *     actionType: 'refund',
 *     context: { order: 'A-1042', amount: 120 },
 *     timeoutSeconds: 300,
 *   })
 *   await mima.attest({ toolName: 'refund', approvalToken: token }, issueRefund)('A-1042', 120)
 * } catch (error) {
 *   if (error instanceof ApprovalDeniedError) return { status: 'rejected' }
 *   throw error
 * }
 * ```
 */
export function requireApproval(
  source: ApprovalsSource,
  options: RequireApprovalOptions & { readonly onTimeout: 'proceed' },
): Promise<ApprovalToken | TimeoutToken>
export function requireApproval(
  source: ApprovalsSource,
  options: RequireApprovalOptions & { readonly onTimeout?: 'raise' },
): Promise<ApprovalToken>
export function requireApproval(
  source: ApprovalsSource,
  options: RequireApprovalOptions,
): Promise<ApprovalToken | TimeoutToken>
export function requireApproval(
  source: ApprovalsSource,
  options: RequireApprovalOptions,
): Promise<ApprovalToken | TimeoutToken> {
  return createApprovals(source).requireApproval(options)
}
