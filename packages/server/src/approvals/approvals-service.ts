import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { hashValue, MimaError } from '@mima/core'
import { createServerEvent, type EventBus, type ServerEvent } from '../events/event-bus'
import type { Principal } from '../http/context'
import { httpError } from '../http/errors'
import { parseTimestamp } from '../http/input-guard'
import type { Database, Queryable } from '../storage/database'
import {
  type ApprovalRow,
  type ApprovalStatus,
  expireApproval,
  expireDueApprovals,
  insertApproval,
  linkRedeemed,
  markConsumed,
  markRedeemed,
  matchApprovalIds,
  selectApproval,
  selectApprovals,
  updateDecision,
} from './approval-store'
import {
  type ApprovalTokenClaims,
  signApprovalToken,
  type TokenSigner,
  verifyApprovalToken,
} from './approval-token'
import { DEFAULT_APPROVAL_TOKEN_TTL_SECONDS } from './approval-token-ttl'

/**
 * Locks the workspace's ledger head inside a transaction (taken first, as the attestation ingest
 * path does, so both lock in one order) and appends one leaf.
 */
export type LedgerLock = (
  transaction: Queryable,
  workspaceId: string,
) => Promise<{
  /** The index the next leaf gets. */
  readonly treeSize: number
  append(entry: { kind: string; recordId: string; recordHash: string; acceptedAt: Date }): Promise<number>
}>

/** What the approvals service runs on. */
export interface ApprovalsServiceOptions {
  database: Database
  signer: TokenSigner
  lockLedger: LedgerLock
  events: EventBus
  /**
   * How long an approval token stays valid after the approval, in seconds (default: the
   * `MIMA_APPROVAL_TOKEN_TTL_SECONDS` the feature reads, else 900).
   */
  tokenTtlSeconds?: number
  /** Longest long-poll hold, in seconds (default 60). */
  maxWaitSeconds?: number
  /** Read the pending requests' deadlines at start so they expire on time (default true). */
  loadPendingOnStart?: boolean
  /** The clock (tests). */
  now?: () => Date
  /** Reports background failures (the sweeper). */
  onError?: (error: unknown) => void
}

/** The approval events the bus carries. */
export const APPROVAL_EVENTS: readonly string[] = [
  'approval.requested',
  'approval.decided',
  'approval.expired',
]

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired', 'cancelled']
const MAX_CONTEXT_BYTES = 64 * 1024
const MAX_TIMEOUT_SECONDS = 7 * 24 * 60 * 60

function optionalText(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.length > max) {
    throw httpError('validation_failed', `${field} must be a string of at most ${max} characters.`, { field })
  }
  return value === '' ? undefined : value
}

function sameIdentity(left: string, right: string): boolean {
  return left.trim().toLowerCase() === right.trim().toLowerCase()
}

/** The approvals logic: requests, long-poll reads, decisions, expiry, tokens and their consumption. */
export class ApprovalsService {
  readonly #database: Database
  readonly #signer: TokenSigner
  readonly #lockLedger: LedgerLock
  readonly #events: EventBus
  readonly #tokenTtlSeconds: number
  readonly #maxWaitSeconds: number
  readonly #now: () => Date
  readonly #onError: (error: unknown) => void
  #sweepTimer: ReturnType<typeof setTimeout> | undefined
  #sweepAt = Number.POSITIVE_INFINITY
  readonly #expiries = new Map<string, number>()
  readonly #unsubscribeExpiries: () => void
  #sweeping = false
  readonly #shutdown = new AbortController()
  #resolveClosed: () => void = () => {}
  /** Resolves when {@link ApprovalsService.close} runs (SSE streams end then). */
  readonly closed: Promise<void> = new Promise((resolve) => {
    this.#resolveClosed = resolve
  })

  constructor(options: ApprovalsServiceOptions) {
    this.#database = options.database
    this.#signer = options.signer
    this.#lockLedger = options.lockLedger
    this.#events = options.events
    this.#tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_APPROVAL_TOKEN_TTL_SECONDS
    this.#maxWaitSeconds = options.maxWaitSeconds ?? 60
    this.#now = options.now ?? (() => new Date())
    this.#onError = options.onError ?? (() => {})
    // Every held long-poll and stream listens for shutdown: thousands of listeners are expected.
    setMaxListeners(0, this.#shutdown.signal)
    // Expiry: a timer armed for the earliest pending deadline this process knows of (its own
    // requests, other replicas' through events, and what was pending at start). Reads, lists and
    // decisions also expire overdue requests lazily, so nothing depends on this timer alone.
    this.#unsubscribeExpiries = this.#events.subscribe((event) => {
      if (event.type === 'approval.requested' && typeof event.data.expires_at === 'string') {
        this.#track(
          `${event.workspaceId}\u0000${String(event.data.approval_id)}`,
          Date.parse(event.data.expires_at),
        )
      }
    })
    if (options.loadPendingOnStart ?? true) {
      const start = setTimeout(() => void this.#loadPending(), 0)
      start.unref?.()
    }
  }

  /** The event bus (SSE and webhooks subscribe to it). */
  get events(): EventBus {
    return this.#events
  }

  /** Aborts when the service closes: held long-polls answer at once and SSE streams end. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal
  }

  /** Whether {@link ApprovalsService.close} ran. */
  get isClosed(): boolean {
    return this.#shutdown.signal.aborted
  }

  /** The hold a `?wait=` request actually gets, in seconds. */
  maxWaitFor(waitSeconds: number): number {
    return Math.min(waitSeconds, this.#maxWaitSeconds)
  }

  /**
   * Stops the sweeper, releases held long-polls, ends SSE streams and closes the event bus (its
   * PostgreSQL LISTEN connection); resolves once that connection ended. The approvals feature
   * runs it through `server.onClose`, so a server's `close()` does not wait for held requests.
   */
  async close(): Promise<void> {
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer)
    this.#sweepTimer = undefined
    this.#unsubscribeExpiries()
    this.#unsubscribeWaiters?.()
    this.#expiries.clear()
    this.#shutdown.abort()
    this.#resolveClosed()
    await this.#events.close()
  }

  /** Creates a pending approval request (`POST …/approvals`, reference S5). */
  async create(principal: Principal, body: Record<string, unknown>): Promise<ApprovalRow> {
    const actionType = body.action_type
    if (typeof actionType !== 'string' || actionType.trim() === '' || actionType.length > 200) {
      throw httpError(
        'validation_failed',
        'action_type must be a non-empty string of at most 200 characters.',
        {
          field: 'action_type',
        },
      )
    }
    const context = body.context === undefined || body.context === null ? {} : body.context
    if (typeof context !== 'object' || Array.isArray(context)) {
      throw httpError('validation_failed', 'context must be a JSON object.', { field: 'context' })
    }
    if (JSON.stringify(context).length > MAX_CONTEXT_BYTES) {
      throw httpError('validation_failed', `context must be at most ${MAX_CONTEXT_BYTES} bytes of JSON.`, {
        field: 'context',
      })
    }
    const timeoutSeconds = body.timeout_seconds ?? 300
    if (
      typeof timeoutSeconds !== 'number' ||
      !Number.isInteger(timeoutSeconds) ||
      timeoutSeconds < 1 ||
      timeoutSeconds > MAX_TIMEOUT_SECONDS
    ) {
      throw httpError(
        'validation_failed',
        `timeout_seconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}.`,
        { field: 'timeout_seconds' },
      )
    }
    const approverHint = optionalText(body, 'approver_hint', 200)
    const description = optionalText(body, 'description', 2000)
    const systemName = optionalText(body, 'system_name', 200)
    const agentName = optionalText(body, 'agent_name', 200)
    const requestedFor = optionalText(body, 'requested_for', 256)
    let contextHash: string
    try {
      contextHash = hashValue(context)
    } catch (error) {
      throw httpError('validation_failed', `context cannot be hashed: ${(error as Error).message}`, {
        field: 'context',
      })
    }
    const requestedAt = this.#now()
    const row = await this.#database.transaction(async (transaction) => {
      const inserted = await insertApproval(transaction, {
        workspaceId: principal.workspaceId,
        approvalId: randomUUID(),
        actionType,
        context,
        contextHash,
        description,
        systemName,
        agentName,
        approverHint,
        requestedByKeyId: principal.keyId,
        requestedBy: principal.keyName,
        requestedFor,
        requestedAt,
        expiresAt: new Date(requestedAt.getTime() + timeoutSeconds * 1000),
      })
      await this.#events.notifyInTransaction(transaction, this.#event('approval.requested', inserted))
      return inserted
    })
    this.#events.publish(this.#event('approval.requested', row))
    return row
  }

  /**
   * The full id of the approval `idOrPrefix` names in the caller's workspace: the id itself or a
   * unique prefix of at least 8 characters (what the Python CLI shows and sends). 404 when none
   * matches, 409 `conflict` (with the candidates) when several do.
   */
  async resolveId(principal: Principal, idOrPrefix: string): Promise<string> {
    const ids = await matchApprovalIds(this.#database, principal.workspaceId, idOrPrefix)
    if (ids.length === 0) {
      throw httpError('not_found', `Approval "${idOrPrefix}" not found in this workspace.`)
    }
    if (ids.length > 1) {
      throw httpError(
        'conflict',
        `"${idOrPrefix}" matches several approvals; use more characters or the full id.`,
        {
          matches: ids,
        },
      )
    }
    return ids[0] as string
  }

  /**
   * Reads one approval (reference S6). With `waitSeconds > 0` and a pending request, holds until a
   * decision, the request's expiry, the wait, or `signal` ends it.
   */
  async get(
    principal: Principal,
    approvalId: string,
    options: { waitSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<ApprovalRow> {
    let row = await this.#read(principal.workspaceId, approvalId)
    const waitSeconds = Math.min(options.waitSeconds ?? 0, this.#maxWaitSeconds)
    if (row.status !== 'pending' || waitSeconds <= 0) return row
    const holdUntil = Math.min(this.#now().getTime() + waitSeconds * 1000, row.expires_at.getTime())
    for (;;) {
      const waiter = this.#waitForChange(
        `${principal.workspaceId}\u0000${approvalId}`,
        holdUntil - this.#now().getTime(),
        options.signal,
      )
      // Re-read after subscribing so a decision made in between is not missed.
      row = await this.#read(principal.workspaceId, approvalId)
      if (row.status !== 'pending') {
        waiter.cancel()
        return row
      }
      const event = await waiter.promise
      const committed = event === undefined ? undefined : this.#rowsByEvent.get(event)
      if (committed !== undefined && committed.status !== 'pending') return committed
      if (event === undefined) {
        // The hold ended: expire the request if it is due, then answer what the row says.
        return this.#read(principal.workspaceId, approvalId)
      }
      if (options.signal?.aborted || this.#now().getTime() >= holdUntil) {
        return this.#read(principal.workspaceId, approvalId)
      }
    }
  }

  /** Lists approvals: `pending` by default, `all`, or one status. */
  async list(
    principal: Principal,
    options: { status?: string | undefined; limit?: string | undefined; cursor?: string | undefined },
  ): Promise<{ rows: ApprovalRow[]; nextCursor: string | undefined }> {
    const statusText = options.status ?? 'pending'
    let status: ApprovalStatus | undefined
    if (statusText === 'all') status = undefined
    else if (STATUSES.includes(statusText as ApprovalStatus)) status = statusText as ApprovalStatus
    else {
      throw httpError('validation_failed', `status must be 'all' or one of ${STATUSES.join(', ')}.`, {
        field: 'status',
      })
    }
    const limit = options.limit === undefined ? 100 : Number(options.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw httpError('validation_failed', 'limit must be a whole number from 1 to 500.', { field: 'limit' })
    }
    let before: { requestedAt: Date; approvalId: string } | undefined
    if (options.cursor !== undefined) {
      try {
        const parsed = JSON.parse(Buffer.from(options.cursor, 'base64url').toString('utf8')) as [
          string,
          string,
        ]
        // Same bounds as every date the server reads (years 0001–9999) and a storable id.
        const millis = typeof parsed[0] === 'string' ? parseTimestamp(parsed[0]) : undefined
        if (millis === undefined || typeof parsed[1] !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(parsed[1]))
          throw new Error('bad cursor')
        before = { requestedAt: new Date(millis), approvalId: parsed[1] }
      } catch {
        throw httpError('validation_failed', 'cursor is not a cursor this server returned.', {
          field: 'cursor',
        })
      }
    }
    // Expire what is due first, so the pending list never shows overdue requests.
    await this.sweep()
    const rows = await selectApprovals(this.#database, principal.workspaceId, {
      status,
      limit: limit + 1,
      ...(before === undefined ? {} : { before }),
    })
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    const nextCursor =
      rows.length > limit && last
        ? Buffer.from(JSON.stringify([last.requested_at.toISOString(), last.approval_id])).toString(
            'base64url',
          )
        : undefined
    return { rows: page, nextCursor }
  }

  /**
   * Approves or rejects (reference `approvals decide`). Refused for `ingest` keys, for the
   * requesting key, and for anyone but the hinted approver; the decision is a ledger leaf written
   * in the same transaction.
   */
  async decide(
    principal: Principal,
    approvalId: string,
    body: Record<string, unknown>,
  ): Promise<ApprovalRow> {
    if (principal.role === 'ingest') {
      throw httpError(
        'forbidden',
        'An ingest key can never decide an approval: use an approver or admin key.',
      )
    }
    const decisionText = body.decision
    const decision =
      decisionText === 'approve' || decisionText === 'approved'
        ? 'approved'
        : decisionText === 'reject' || decisionText === 'rejected'
          ? 'rejected'
          : undefined
    if (decision === undefined) {
      throw httpError('validation_failed', "decision must be 'approve' or 'reject'.", { field: 'decision' })
    }
    const reason = optionalText(body, 'reason', 2000)
    const outcome = await this.#database.transaction(async (transaction) => {
      const ledger = await this.#lockLedger(transaction, principal.workspaceId)
      const now = this.#now()
      const current = await selectApproval(transaction, principal.workspaceId, approvalId, {
        forUpdate: true,
      })
      if (current === undefined) return { kind: 'missing' as const }
      if (current.requested_by_key_id === principal.keyId) return { kind: 'self' as const }
      if (current.approver_hint !== null && !sameIdentity(current.approver_hint, principal.keyName)) {
        return { kind: 'not_hinted' as const, hint: current.approver_hint }
      }
      if (current.status === 'pending' && current.expires_at.getTime() <= now.getTime()) {
        const expired = await expireApproval(transaction, principal.workspaceId, approvalId, now)
        if (expired)
          await this.#events.notifyInTransaction(transaction, this.#event('approval.expired', expired))
        return { kind: 'expired' as const, row: expired ?? current }
      }
      if (current.status !== 'pending') return { kind: 'closed' as const, row: current }
      const decided = await updateDecision(transaction, {
        workspaceId: principal.workspaceId,
        approvalId,
        status: decision,
        decidedByKeyId: principal.keyId,
        decidedBy: principal.keyName,
        decidedAt: now,
        reason,
        tokenExpiresAt:
          decision === 'approved' ? new Date(now.getTime() + this.#tokenTtlSeconds * 1000) : undefined,
        decisionLeafIndex: ledger.treeSize,
      })
      if (decided === undefined) return { kind: 'closed' as const, row: current }
      await ledger.append({
        kind: 'approval_decision',
        recordId: approvalId,
        recordHash: hashValue(decisionRecord(decided)),
        acceptedAt: now,
      })
      const row = decided
      await this.#events.notifyInTransaction(transaction, this.#event('approval.decided', row))
      return { kind: 'decided' as const, row }
    })
    switch (outcome.kind) {
      case 'missing':
        throw httpError('not_found', `Approval "${approvalId}" not found in this workspace.`)
      case 'self':
        throw httpError(
          'forbidden',
          'The key that requested an approval can never decide it: ask another approver.',
        )
      case 'not_hinted':
        throw httpError(
          'forbidden',
          `Only the approver "${outcome.hint}" may decide this request; this key is "${principal.keyName}".`,
        )
      case 'expired':
        this.#events.publish(this.#event('approval.expired', outcome.row))
        throw httpError(
          'conflict',
          `Approval "${approvalId}" expired at ${outcome.row.expires_at.toISOString()}; it can no longer be decided.`,
        )
      case 'closed':
        throw httpError(
          'conflict',
          `Approval "${approvalId}" is already ${outcome.row.status}; it can be decided once.`,
        )
      case 'decided':
        this.#events.publish(this.#event('approval.decided', outcome.row))
        return outcome.row
    }
  }

  /** Cancels a pending request: the requesting key or an admin. */
  async cancel(principal: Principal, approvalId: string): Promise<ApprovalRow> {
    const outcome = await this.#database.transaction(async (transaction) => {
      const current = await selectApproval(transaction, principal.workspaceId, approvalId, {
        forUpdate: true,
      })
      if (current === undefined) return { kind: 'missing' as const }
      if (current.requested_by_key_id !== principal.keyId && principal.role !== 'admin') {
        return { kind: 'forbidden' as const }
      }
      if (current.status !== 'pending') return { kind: 'closed' as const, row: current }
      const cancelled = await updateDecision(transaction, {
        workspaceId: principal.workspaceId,
        approvalId,
        status: 'cancelled',
        decidedByKeyId: principal.keyId,
        decidedBy: principal.keyName,
        decidedAt: this.#now(),
        reason: 'cancelled by the requester',
        tokenExpiresAt: undefined,
        decisionLeafIndex: undefined,
      })
      if (cancelled === undefined) return { kind: 'closed' as const, row: current }
      await this.#events.notifyInTransaction(transaction, this.#event('approval.decided', cancelled))
      return { kind: 'cancelled' as const, row: cancelled }
    })
    switch (outcome.kind) {
      case 'missing':
        throw httpError('not_found', `Approval "${approvalId}" not found in this workspace.`)
      case 'forbidden':
        throw httpError('forbidden', 'Only the key that requested an approval (or an admin) can cancel it.')
      case 'closed':
        return outcome.row
      case 'cancelled':
        this.#events.publish(this.#event('approval.decided', outcome.row))
        return outcome.row
    }
  }

  /** Expires every overdue pending request and emits `approval.expired` for each. */
  async sweep(): Promise<void> {
    if (this.#sweeping) return
    this.#sweeping = true
    try {
      const expired = await this.#database.transaction(async (transaction) => {
        const rows = await expireDueApprovals(transaction, this.#now())
        for (const row of rows)
          await this.#events.notifyInTransaction(transaction, this.#event('approval.expired', row))
        return rows
      })
      for (const row of expired) this.#events.publish(this.#event('approval.expired', row))
    } catch (error) {
      this.#onError(error)
    } finally {
      this.#sweeping = false
      // Forget what is due (swept now, or by another replica, or unreachable) and re-arm.
      const now = this.#now().getTime()
      for (const [key, at] of this.#expiries) if (at <= now) this.#expiries.delete(key)
      this.#arm()
    }
  }

  // Held long-polls by approval: one bus subscription dispatches each event to its waiters only.
  readonly #waiters = new Map<string, Set<(event: ServerEvent) => void>>()
  #unsubscribeWaiters: (() => void) | undefined

  #waitForChange(
    key: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): { promise: Promise<ServerEvent | undefined>; cancel: () => void } {
    this.#unsubscribeWaiters ??= this.#events.subscribe((event) => {
      if (event.type === 'approval.requested') return
      const waiting = this.#waiters.get(`${event.workspaceId}\u0000${String(event.data.approval_id)}`)
      if (waiting) for (const wake of [...waiting]) wake(event)
    })
    let resolve: (event: ServerEvent | undefined) => void = () => {}
    const promise = new Promise<ServerEvent | undefined>((done) => {
      resolve = done
    })
    let waiting = this.#waiters.get(key)
    if (waiting === undefined) {
      waiting = new Set()
      this.#waiters.set(key, waiting)
    }
    const set = waiting
    const finish = (event: ServerEvent | undefined): void => {
      if (!set.delete(finish)) return
      if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key)
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      this.#shutdown.signal.removeEventListener('abort', onAbort)
      resolve(event)
    }
    const onAbort = (): void => finish(undefined)
    set.add(finish)
    const timer = setTimeout(onAbort, Math.max(0, timeoutMs))
    if (signal?.aborted || this.isClosed) onAbort()
    else {
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#shutdown.signal.addEventListener('abort', onAbort, { once: true })
    }
    return { promise, cancel: onAbort }
  }

  #track(key: string, expiresAt: number): void {
    if (Number.isNaN(expiresAt) || this.isClosed) return
    this.#expiries.set(key, expiresAt)
    if (expiresAt < this.#sweepAt) this.#arm()
  }

  #arm(): void {
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer)
    this.#sweepTimer = undefined
    this.#sweepAt = Number.POSITIVE_INFINITY
    if (this.isClosed) return
    for (const at of this.#expiries.values()) if (at < this.#sweepAt) this.#sweepAt = at
    if (this.#sweepAt === Number.POSITIVE_INFINITY) return
    // A little after the deadline, so the comparison with expires_at holds.
    const delay = Math.max(0, this.#sweepAt - this.#now().getTime() + 5)
    this.#sweepTimer = setTimeout(() => void this.sweep(), Math.min(delay, 2 ** 31 - 1))
    this.#sweepTimer.unref?.()
  }

  async #loadPending(): Promise<void> {
    try {
      const { rows } = await this.#database.query<{
        workspace_id: string
        approval_id: string
        expires_at: unknown
      }>("select workspace_id, approval_id, expires_at from approvals where status = 'pending'")
      for (const row of rows) {
        const at =
          row.expires_at instanceof Date ? row.expires_at.getTime() : Date.parse(String(row.expires_at))
        this.#track(`${row.workspace_id}\u0000${row.approval_id}`, at)
      }
    } catch (error) {
      this.#onError(error)
    }
  }

  /** The server-signed token of an approved request (deterministic: the same row gives the same token). */
  tokenFor(row: ApprovalRow): string | undefined {
    if (row.status !== 'approved' || row.decided_at === null || row.token_expires_at === null)
      return undefined
    return signApprovalToken(
      {
        aid: row.approval_id,
        ws: row.workspace_id,
        act: row.action_type,
        ctx: row.context_hash,
        by: row.decided_by ?? '',
        iat: Math.floor(row.decided_at.getTime() / 1000),
        exp: Math.floor(row.token_expires_at.getTime() / 1000),
      },
      this.#signer,
    )
  }

  /**
   * Redeems an approval token before its action runs (`POST …/approvals/redeem`): checks it
   * (signature, this workspace, not expired, approved action = `tool_name`, and `context_hash` when
   * given) and consumes it atomically, once. The attestation that follows presents the same token
   * and is linked to the approval (see {@link consumeApprovalTokenWith}). A retry carrying the same
   * `redemption_id` from the same key, before the link, answers the same redemption again.
   */
  async redeem(principal: Principal, body: Record<string, unknown>): Promise<Redemption> {
    const toolName = body.tool_name
    if (typeof toolName !== 'string' || toolName.trim() === '' || toolName.length > 200) {
      throw httpError(
        'validation_failed',
        'tool_name must be a non-empty string of at most 200 characters.',
        {
          field: 'tool_name',
        },
      )
    }
    const contextHash = body.context_hash
    if (
      contextHash !== undefined &&
      contextHash !== null &&
      (typeof contextHash !== 'string' || !/^[0-9a-f]{64}$/.test(contextHash))
    ) {
      throw httpError('validation_failed', 'context_hash must be 64 lowercase hex digits (SHA-256).', {
        field: 'context_hash',
      })
    }
    const redemptionId = body.redemption_id
    if (
      redemptionId !== undefined &&
      redemptionId !== null &&
      (typeof redemptionId !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(redemptionId))
    ) {
      throw httpError('validation_failed', 'redemption_id must be 1 to 100 letters, digits, "_" or "-".', {
        field: 'redemption_id',
      })
    }
    return redeemApprovalTokenWith(this.#signer, this.#database, {
      workspaceId: principal.workspaceId,
      keyId: principal.keyId,
      token: body.token,
      toolName,
      ...(typeof contextHash === 'string' ? { contextHash } : {}),
      redemptionId: typeof redemptionId === 'string' ? redemptionId : randomUUID(),
      now: this.#now(),
    })
  }

  /**
   * Checks and consumes an approval token inside the transaction that stores the attestation
   * presenting it. Exactly one transaction can consume a token; a second use, a forged or expired
   * token, another workspace's token, or a token for another tool is refused with
   * `approval_token_invalid` (and the caller's transaction must roll back).
   */
  async consumeToken(
    transaction: Queryable,
    presented: { workspaceId: string; token: unknown; toolName: string; attestationId: string },
  ): Promise<{ approvalId: string; approvedBy: string; contextHash: string }> {
    return consumeApprovalTokenWith(this.#signer, transaction, { ...presented, now: this.#now() })
  }

  async #read(workspaceId: string, approvalId: string): Promise<ApprovalRow> {
    const row = await selectApproval(this.#database, workspaceId, approvalId)
    if (row === undefined)
      throw httpError('not_found', `Approval "${approvalId}" not found in this workspace.`)
    if (row.status === 'pending' && row.expires_at.getTime() <= this.#now().getTime()) {
      const expired = await this.#database.transaction(async (transaction) => {
        const changed = await expireApproval(transaction, workspaceId, approvalId, this.#now())
        if (changed)
          await this.#events.notifyInTransaction(transaction, this.#event('approval.expired', changed))
        return changed
      })
      if (expired) {
        this.#events.publish(this.#event('approval.expired', expired))
        return expired
      }
      return (await selectApproval(this.#database, workspaceId, approvalId)) ?? row
    }
    return row
  }

  // One event per (row version, type): the NOTIFY to other replicas and the local delivery carry
  // the same id, and a local long-poll answers from the committed row without reading it again.
  readonly #eventsByRow = new WeakMap<ApprovalRow, Map<string, ServerEvent>>()
  readonly #rowsByEvent = new WeakMap<ServerEvent, ApprovalRow>()

  #event(type: string, row: ApprovalRow): ServerEvent {
    let byType = this.#eventsByRow.get(row)
    if (byType === undefined) {
      byType = new Map()
      this.#eventsByRow.set(row, byType)
    }
    const existing = byType.get(type)
    if (existing !== undefined) return existing
    const event = this.#newEvent(type, row)
    byType.set(type, event)
    this.#rowsByEvent.set(event, row)
    return event
  }

  #newEvent(type: string, row: ApprovalRow): ServerEvent {
    return createServerEvent(type, row.workspace_id, {
      approval_id: row.approval_id,
      status: row.status,
      action_type: row.action_type,
      system_name: row.system_name,
      agent_name: row.agent_name,
      approver_hint: row.approver_hint,
      requested_by: row.requested_by,
      requested_for: row.requested_for,
      requested_at: row.requested_at.toISOString(),
      expires_at: row.expires_at.toISOString(),
      decided_by: row.decided_by,
      decided_at: row.decided_at?.toISOString() ?? null,
      reason: row.reason === null ? null : row.reason.slice(0, 500),
    })
  }
}

/** What a decision's ledger leaf commits to (its canonical hash is the leaf's `record_hash`). */
export function decisionRecord(row: ApprovalRow): Record<string, unknown> {
  return {
    approval_id: row.approval_id,
    workspace_id: row.workspace_id,
    action_type: row.action_type,
    context_hash: row.context_hash,
    status: row.status,
    requested_by: row.requested_by,
    requested_at: row.requested_at.toISOString(),
    decided_by: row.decided_by,
    decided_at: row.decided_at?.toISOString() ?? null,
    reason: row.reason,
  }
}

function refuse(message: string, status: number): MimaError {
  return new MimaError('approval_token_invalid', message, { status })
}

/** What a redemption answers. */
export interface Redemption {
  readonly approvalId: string
  readonly redemptionId: string
  readonly actionType: string
  readonly contextHash: string
  readonly approvedBy: string
  readonly redeemedAt: Date
}

/** Checks what every use of a token checks first: signature, shape, workspace and action. */
function checkedClaims(
  signer: TokenSigner,
  presented: { workspaceId: string; token: unknown; toolName: string },
): ApprovalTokenClaims {
  const claims = verifyApprovalToken(presented.token, signer)
  if (claims.ws !== presented.workspaceId) {
    throw refuse('approval_token was issued for another workspace.', 422)
  }
  if (claims.act !== presented.toolName) {
    throw refuse(
      `approval_token approves action '${claims.act}', not tool '${presented.toolName}': an approval is valid only for the action it was requested for.`,
      422,
    )
  }
  return claims
}

function refuseExpired(claims: ApprovalTokenClaims, now: Date): void {
  if (claims.exp * 1000 <= now.getTime()) {
    throw refuse(
      `approval_token expired at ${new Date(claims.exp * 1000).toISOString()}; request a new approval.`,
      422,
    )
  }
}

/** Why a token the conditional update did not take is refused (it always throws). */
async function refuseUnusable(
  database: Queryable,
  workspaceId: string,
  claims: ApprovalTokenClaims,
): Promise<never> {
  const current = await selectApproval(database, workspaceId, claims.aid)
  if (current === undefined)
    throw refuse(`approval_token names approval '${claims.aid}', which does not exist.`, 422)
  if (current.consumed_at !== null) {
    throw refuse(`approval_token for approval '${claims.aid}' was already used; a token is valid once.`, 422)
  }
  if (current.status !== 'approved')
    throw refuse(`approval '${claims.aid}' is ${current.status}, not approved.`, 422)
  if (current.context_hash !== claims.ctx || current.action_type !== claims.act) {
    throw refuse('approval_token does not match the approved action.', 422)
  }
  throw refuse('approval_token has expired.', 422)
}

/**
 * {@link ApprovalsService.redeem} as a function of the signer: checks the token and consumes it
 * with one conditional update (exactly one caller wins), before the action runs.
 */
export async function redeemApprovalTokenWith(
  signer: TokenSigner,
  database: Queryable,
  presented: {
    workspaceId: string
    keyId: string
    token: unknown
    toolName: string
    contextHash?: string
    redemptionId: string
    now?: Date
  },
): Promise<Redemption> {
  const claims = checkedClaims(signer, presented)
  const now = presented.now ?? new Date()
  refuseExpired(claims, now)
  if (presented.contextHash !== undefined && presented.contextHash !== claims.ctx) {
    throw refuse('approval_token approves another context than the one this action runs with.', 422)
  }
  const toRedemption = (row: ApprovalRow): Redemption => ({
    approvalId: row.approval_id,
    redemptionId: row.redemption_id ?? presented.redemptionId,
    actionType: row.action_type,
    contextHash: row.context_hash,
    approvedBy: row.decided_by ?? '',
    redeemedAt: row.redeemed_at ?? now,
  })
  const redeemed = await markRedeemed(database, {
    workspaceId: presented.workspaceId,
    approvalId: claims.aid,
    actionType: claims.act,
    contextHash: claims.ctx,
    keyId: presented.keyId,
    redemptionId: presented.redemptionId,
    now,
  })
  if (redeemed) return toRedemption(redeemed)
  // A retry of the same redemption (its answer was lost): the same key, the same redemption id,
  // and no attestation linked yet. Anything else is a second use.
  const current = await selectApproval(database, presented.workspaceId, claims.aid)
  if (
    current !== undefined &&
    current.redeemed_at !== null &&
    current.consumed_by === null &&
    current.redemption_id === presented.redemptionId &&
    current.redeemed_by_key_id === presented.keyId
  ) {
    return toRedemption(current)
  }
  return refuseUnusable(database, presented.workspaceId, claims)
}

/**
 * {@link ApprovalsService.consumeToken} as a function of the signer (the attestation ingest path
 * uses it). Two ways a token is accepted, each exactly once:
 * - redeemed before the action ran (`POST …/approvals/redeem`, the TypeScript SDK): the attestation
 *   is linked to the approval when the token was redeemed in this workspace for this tool and no
 *   attestation is linked yet. No expiry check then: the gate was the redemption, and the
 *   attestation may arrive later from an outbox.
 * - not redeemed (the Python SDK, `mima.push`): the token is checked and consumed here, as before.
 */
export async function consumeApprovalTokenWith(
  signer: TokenSigner,
  transaction: Queryable,
  presented: { workspaceId: string; token: unknown; toolName: string; attestationId: string; now?: Date },
): Promise<{ approvalId: string; approvedBy: string; contextHash: string }> {
  const claims = checkedClaims(signer, presented)
  const now = presented.now ?? new Date()
  const linked = await linkRedeemed(transaction, {
    workspaceId: presented.workspaceId,
    approvalId: claims.aid,
    actionType: claims.act,
    contextHash: claims.ctx,
    attestationId: presented.attestationId,
  })
  if (linked) return { approvalId: claims.aid, approvedBy: linked.decided_by ?? '', contextHash: claims.ctx }
  refuseExpired(claims, now)
  const consumed = await markConsumed(transaction, {
    workspaceId: presented.workspaceId,
    approvalId: claims.aid,
    actionType: claims.act,
    contextHash: claims.ctx,
    consumedBy: presented.attestationId,
    now,
  })
  if (consumed)
    return { approvalId: claims.aid, approvedBy: consumed.decided_by ?? '', contextHash: claims.ctx }
  return refuseUnusable(transaction, presented.workspaceId, claims)
}
