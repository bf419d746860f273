import type { EventBus, ServerEvent } from '../events/event-bus'

/**
 * Held long-polls, by approval: one bus subscription dispatches each decision or expiry event to
 * the requests waiting on that approval only.
 */
export class ApprovalWaiters {
  readonly #events: EventBus
  readonly #shutdown: AbortSignal
  readonly #waiters = new Map<string, Set<(event: ServerEvent) => void>>()
  #unsubscribe: (() => void) | undefined

  constructor(events: EventBus, shutdown: AbortSignal) {
    this.#events = events
    this.#shutdown = shutdown
  }

  /**
   * Waits for the next event about `key` (`workspace\0approval`): resolves with it, or with
   * undefined when `timeoutMs` passes, `signal` aborts or the service shuts down.
   */
  wait(
    key: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): { promise: Promise<ServerEvent | undefined>; cancel: () => void } {
    this.#unsubscribe ??= this.#events.subscribe((event) => {
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
      this.#shutdown.removeEventListener('abort', onAbort)
      resolve(event)
    }
    const onAbort = (): void => finish(undefined)
    set.add(finish)
    const timer = setTimeout(onAbort, Math.max(0, timeoutMs))
    if (signal?.aborted || this.#shutdown.aborted) onAbort()
    else {
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#shutdown.addEventListener('abort', onAbort, { once: true })
    }
    return { promise, cancel: onAbort }
  }

  /** Stops listening to the bus (the shutdown signal releases the held waits). */
  close(): void {
    this.#unsubscribe?.()
  }
}
