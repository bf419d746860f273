import { randomUUID } from 'node:crypto'
import type { Queryable } from '../storage/database'

/** One server event (`approval.requested`, `approval.decided`, `approval.expired`, …). */
export interface ServerEvent {
  /** Unique event id (SSE `id:`, webhook delivery id). */
  readonly id: string
  readonly type: string
  readonly workspaceId: string
  /** ISO-8601. */
  readonly occurredAt: string
  /** A small JSON object (kept under PostgreSQL's 8000-byte NOTIFY limit). */
  readonly data: Readonly<Record<string, unknown>>
}

/** Receives events. */
export type EventListener = (event: ServerEvent) => void

/**
 * Runs inside the transaction that raises an event, before it commits: a consumer writes its own
 * durable rows (webhook deliveries) there, so they commit with the change or not at all.
 */
export type TransactionalSink = (transaction: Queryable, event: ServerEvent) => Promise<void> | void

/**
 * The in-process event bus that webhooks, long-polls and SSE streams subscribe to. On PostgreSQL
 * it is also fed by LISTEN/NOTIFY, so subscribers on one replica see events raised on another.
 */
export interface EventBus {
  /**
   * Records `event` inside the transaction that produced it: runs the transactional sinks (both
   * backends) and, on PostgreSQL, queues it for other replicas (`pg_notify`, delivered only if the
   * transaction commits). Call {@link EventBus.publish} after the commit as well.
   */
  notifyInTransaction(transaction: Queryable, event: ServerEvent): Promise<void>
  /** Adds a {@link TransactionalSink}; returns the remover. */
  addTransactionalSink(sink: TransactionalSink): () => void
  /** Delivers `event` to this process's subscribers (call after the transaction committed). */
  publish(event: ServerEvent): void
  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void
  /** Stops listening to PostgreSQL. */
  close(): Promise<void>
}

/** A minimal `pg.Client`-like connection used for LISTEN. */
export interface NotificationConnection {
  connect(): Promise<unknown>
  query(sql: string): Promise<unknown>
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  end(): Promise<void>
}

/** Options for {@link createEventBus}. */
export interface EventBusOptions {
  /**
   * Opens a dedicated PostgreSQL connection for LISTEN (omit on PGlite: events stay in-process).
   * Called again to reconnect after the connection drops.
   */
  connectListener?: () => NotificationConnection
  /** The channel, unique per schema so servers on other schemas of one database do not mix. */
  channel?: string
  /** Reports listener connection problems. */
  onError?: (error: unknown) => void
}

/** Builds a new event with a fresh id and the current time. */
export function createServerEvent(
  type: string,
  workspaceId: string,
  data: Record<string, unknown>,
): ServerEvent {
  return { id: randomUUID(), type, workspaceId, occurredAt: new Date().toISOString(), data }
}

/** The NOTIFY channel for a schema (`mima_events` on the default schema). */
export function eventChannel(schema: string | undefined): string {
  return schema === undefined ? 'mima_events' : `mima_events_${schema}`.slice(0, 63)
}

/** Creates the event bus (see {@link EventBus}). */
export function createEventBus(options: EventBusOptions = {}): EventBus {
  const origin = randomUUID()
  const listeners = new Set<EventListener>()
  const sinks = new Set<TransactionalSink>()
  const channel = options.channel ?? 'mima_events'
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid event channel "${channel}".`)
  let connection: NotificationConnection | undefined
  let closed = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  const deliver = (event: ServerEvent): void => {
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (error) {
        options.onError?.(error)
      }
    }
  }

  const listen = (attempt: number): void => {
    if (closed || !options.connectListener) return
    const client = options.connectListener()
    connection = client
    let failed = false
    const retry = (error: unknown): void => {
      if (failed || closed) return
      failed = true
      options.onError?.(error)
      client.end().catch(() => undefined)
      retryTimer = setTimeout(() => listen(attempt + 1), Math.min(100 * 2 ** attempt, 5000))
      retryTimer.unref?.()
    }
    client.on('error', retry)
    client.on('notification', (message) => {
      if (message.channel !== channel || !message.payload) return
      try {
        const parsed = JSON.parse(message.payload) as { origin?: string; event?: ServerEvent }
        if (parsed.origin !== origin && parsed.event) deliver(parsed.event)
      } catch (error) {
        options.onError?.(error)
      }
    })
    client
      .connect()
      .then(() => {
        // A listening connection must not keep the process alive on its own.
        ;(client as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.()
        return client.query(`listen ${channel}`)
      })
      .catch(retry)
  }
  listen(0)

  return {
    async notifyInTransaction(transaction, event) {
      // A sink's failure fails the transaction: the change and its durable side rows go together.
      for (const sink of [...sinks]) await sink(transaction, event)
      if (!options.connectListener) return
      await transaction.query('select pg_notify($1, $2)', [channel, JSON.stringify({ origin, event })])
    },
    publish: deliver,
    addTransactionalSink(sink) {
      sinks.add(sink)
      return () => {
        sinks.delete(sink)
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    async close() {
      closed = true
      if (retryTimer) clearTimeout(retryTimer)
      listeners.clear()
      sinks.clear()
      await connection?.end().catch(() => undefined)
    },
  }
}

/**
 * Resolves with the first event `match` accepts, or `undefined` after `timeoutMs` or when `signal`
 * aborts. Subscribe first, then re-read state, then await: no decision slips between the two.
 */
export function waitForEvent(
  bus: EventBus,
  match: (event: ServerEvent) => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): { promise: Promise<ServerEvent | undefined>; cancel: () => void } {
  let finish: (event: ServerEvent | undefined) => void = () => {}
  const promise = new Promise<ServerEvent | undefined>((resolve) => {
    finish = resolve
  })
  let done = false
  const stop = (event: ServerEvent | undefined): void => {
    if (done) return
    done = true
    unsubscribe()
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    finish(event)
  }
  const unsubscribe = bus.subscribe((event) => {
    if (match(event)) stop(event)
  })
  const timer = setTimeout(() => stop(undefined), Math.max(0, timeoutMs))
  const onAbort = (): void => stop(undefined)
  if (signal?.aborted) stop(undefined)
  else signal?.addEventListener('abort', onAbort, { once: true })
  return { promise, cancel: () => stop(undefined) }
}
