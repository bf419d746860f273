/**
 * The approvals logic: requests, long-poll reads, decisions (optionally signed with a person's
 * passkey), expiry, tokens and their redemption. Input parsing lives in `approval-input.ts`, who may
 * decide and the decision's transaction in `approval-decision.ts`, token redemption in
 * `approval-redemption.ts`, held long-polls in `approval-waiters.ts`, the expiry timer in
 * `approval-expiry.ts` and the bus events of each row version in `approval-events.ts`.
 */
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import type { EventBus, ServerEvent } from '../events/event-bus'
import type { Principal } from '../http/context'
import { httpError } from '../http/errors'
import type { Database, Queryable } from '../storage/database'
import {
  cancelApproval,
  type DecideOptions,
  type DecisionContext,
  decideApproval,
  type LedgerLock,
} from './approval-decision'
import { ApprovalEvents } from './approval-events'
import { ApprovalExpiry } from './approval-expiry'
import { approvalCursor, approvalListQueryFrom, approvalRequestFrom, redemptionFrom } from './approval-input'
import { consumeApprovalTokenWith, type Redemption, redeemApprovalTokenWith } from './approval-redemption'
import {
  type ApprovalRow,
  expireApproval,
  expireDueApprovals,
  insertApproval,
  matchApprovalIds,
  selectApproval,
  selectApprovals,
} from './approval-store'
import { signApprovalToken, type TokenSigner } from './approval-token'
import { DEFAULT_APPROVAL_TOKEN_TTL_SECONDS } from './approval-token-ttl'
import { ApprovalWaiters } from './approval-waiters'

export type { DecideOptions, LedgerLock } from './approval-decision'
export { APPROVAL_EVENTS } from './approval-events'
export { decisionRecord } from './approval-record'
export { consumeApprovalTokenWith, type Redemption, redeemApprovalTokenWith } from './approval-redemption'

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
  readonly #expiry: ApprovalExpiry
  readonly #waiters: ApprovalWaiters
  readonly #approvalEvents = new ApprovalEvents()
  readonly #decisions: DecisionContext
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
    this.#decisions = {
      database: this.#database,
      lockLedger: this.#lockLedger,
      events: this.#events,
      event: (type, row) => this.#event(type, row),
      now: this.#now,
      tokenTtlSeconds: this.#tokenTtlSeconds,
    }
    // Every held long-poll and stream listens for shutdown: thousands of listeners are expected.
    setMaxListeners(0, this.#shutdown.signal)
    this.#waiters = new ApprovalWaiters(this.#events, this.#shutdown.signal)
    this.#expiry = new ApprovalExpiry({
      events: this.#events,
      sweep: () => this.sweep(),
      now: this.#now,
      isClosed: () => this.isClosed,
    })
    if (options.loadPendingOnStart ?? true) {
      const start = setTimeout(() => void this.#expiry.loadPending(this.#database).catch(this.#onError), 0)
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
    this.#expiry.close()
    this.#waiters.close()
    this.#shutdown.abort()
    this.#resolveClosed()
    await this.#events.close()
  }

  /** Creates a pending approval request (`POST …/approvals`, reference S5). */
  async create(principal: Principal, body: Record<string, unknown>): Promise<ApprovalRow> {
    const input = approvalRequestFrom(body)
    const requestedAt = this.#now()
    const row = await this.#database.transaction(async (transaction) => {
      const inserted = await insertApproval(transaction, {
        workspaceId: principal.workspaceId,
        approvalId: randomUUID(),
        actionType: input.actionType,
        context: input.context,
        contextHash: input.contextHash,
        description: input.description,
        systemName: input.systemName,
        agentName: input.agentName,
        approverHint: input.approverHint,
        requestedByKeyId: principal.keyId,
        requestedBy: principal.keyName,
        requestedFor: input.requestedFor,
        requestedAt,
        expiresAt: new Date(requestedAt.getTime() + input.timeoutSeconds * 1000),
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
      const waiter = this.#waiters.wait(
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
      const committed = event === undefined ? undefined : this.#approvalEvents.rowOf(event)
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
    const { status, limit, before } = approvalListQueryFrom(options)
    // Expire what is due first, so the pending list never shows overdue requests.
    await this.sweep()
    const rows = await selectApprovals(this.#database, principal.workspaceId, {
      status,
      limit: limit + 1,
      ...(before === undefined ? {} : { before }),
    })
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    return { rows: page, nextCursor: rows.length > limit && last ? approvalCursor(last) : undefined }
  }

  /**
   * Approves or rejects (reference `approvals decide`); the rules are in `approval-decision.ts`.
   */
  decide(
    principal: Principal,
    approvalId: string,
    body: Record<string, unknown>,
    options: DecideOptions = {},
  ): Promise<ApprovalRow> {
    return decideApproval(this.#decisions, principal, approvalId, body, options)
  }

  /** Cancels a pending request: the requesting key or an admin. */
  cancel(principal: Principal, approvalId: string): Promise<ApprovalRow> {
    return cancelApproval(this.#decisions, principal, approvalId)
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
      this.#expiry.afterSweep()
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
    const { toolName, contextHash, redemptionId } = redemptionFrom(body)
    return redeemApprovalTokenWith(this.#signer, this.#database, {
      workspaceId: principal.workspaceId,
      keyId: principal.keyId,
      token: body.token,
      toolName,
      ...(contextHash === undefined ? {} : { contextHash }),
      redemptionId: redemptionId ?? randomUUID(),
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

  #event(type: string, row: ApprovalRow): ServerEvent {
    return this.#approvalEvents.event(type, row)
  }
}
