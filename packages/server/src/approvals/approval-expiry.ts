import type { EventBus } from '../events/event-bus'
import type { Queryable } from '../storage/database'

/**
 * The expiry timer: armed for the earliest pending deadline this process knows of (its own
 * requests, other replicas' through events, and what was pending at start). Reads, lists and
 * decisions also expire overdue requests lazily, so nothing depends on this timer alone.
 */
export class ApprovalExpiry {
  readonly #sweep: () => Promise<void>
  readonly #now: () => Date
  readonly #isClosed: () => boolean
  readonly #expiries = new Map<string, number>()
  readonly #unsubscribe: () => void
  #timer: ReturnType<typeof setTimeout> | undefined
  #at = Number.POSITIVE_INFINITY

  constructor(options: {
    events: EventBus
    sweep: () => Promise<void>
    now: () => Date
    isClosed: () => boolean
  }) {
    this.#sweep = options.sweep
    this.#now = options.now
    this.#isClosed = options.isClosed
    this.#unsubscribe = options.events.subscribe((event) => {
      if (event.type === 'approval.requested' && typeof event.data.expires_at === 'string') {
        this.track(
          `${event.workspaceId}\u0000${String(event.data.approval_id)}`,
          Date.parse(event.data.expires_at),
        )
      }
    })
  }

  /** Remembers a pending request's deadline (`key` is `workspace\0approval`). */
  track(key: string, expiresAt: number): void {
    if (Number.isNaN(expiresAt) || this.#isClosed()) return
    this.#expiries.set(key, expiresAt)
    if (expiresAt < this.#at) this.#arm()
  }

  /** After a sweep: forgets what is due (swept now, by another replica, or unreachable) and re-arms. */
  afterSweep(): void {
    const now = this.#now().getTime()
    for (const [key, at] of this.#expiries) if (at <= now) this.#expiries.delete(key)
    this.#arm()
  }

  /** Reads the deadlines of every pending request (at start). */
  async loadPending(database: Queryable): Promise<void> {
    const { rows } = await database.query<{ workspace_id: string; approval_id: string; expires_at: unknown }>(
      "select workspace_id, approval_id, expires_at from approvals where status = 'pending'",
    )
    for (const row of rows) {
      const at =
        row.expires_at instanceof Date ? row.expires_at.getTime() : Date.parse(String(row.expires_at))
      this.track(`${row.workspace_id}\u0000${row.approval_id}`, at)
    }
  }

  /** Stops the timer and the subscription. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#unsubscribe()
    this.#expiries.clear()
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#at = Number.POSITIVE_INFINITY
    if (this.#isClosed()) return
    for (const at of this.#expiries.values()) if (at < this.#at) this.#at = at
    if (this.#at === Number.POSITIVE_INFINITY) return
    // A little after the deadline, so the comparison with expires_at holds.
    const delay = Math.max(0, this.#at - this.#now().getTime() + 5)
    this.#timer = setTimeout(() => void this.#sweep(), Math.min(delay, 2 ** 31 - 1))
    this.#timer.unref?.()
  }
}
