import { randomUUID } from 'node:crypto'
import type { ServerEvent } from '../events/event-bus'
import type { Logger } from '../server/logger'
import type { Database } from '../storage/database'
import { VERSION } from '../version'
import { postWebhook } from './post-webhook'
import { WEBHOOK_TEST_EVENT } from './webhook-events'
import type { SecretBox } from './webhook-secret-box'
import { signWebhookPayload } from './webhook-signature'
import { subscribedWebhooks, webhookTarget } from './webhook-store'

/** Delivery settings (see `createWebhooksFeature`). */
export interface WebhookDeliverySettings {
  /** Allow loopback/link-local/private targets. */
  allowPrivate: boolean
  /** Budget of one attempt, in milliseconds. */
  timeoutMs: number
  /** Waits before the 2nd, 3rd, … attempt; attempts stop after `length + 1`. */
  retryDelaysMs: readonly number[]
  /** How often due retries and deliveries orphaned by a crashed process are picked up. */
  sweepIntervalMs: number
}

/** What one attempt came to. */
export interface AttemptResult {
  delivery_id: string
  delivered: boolean
  status: number | null
  error?: string
  attempts: number
  duration_ms: number
  /** Set while another attempt is scheduled. */
  next_attempt_at?: string
}

/** The JSON body of every delivery. */
export interface WebhookPayload {
  /** The event id (the same for every webhook that receives the event). */
  id: string
  type: string
  workspace_id: string
  created_at: string
  data: Record<string, unknown>
}

interface ClaimedRow {
  webhook_id: string
  event_type: string
  body: string
  attempts: number
}

/**
 * Delivers server events to webhooks. Every (webhook, event) pair is claimed with a unique
 * row in `webhook_deliveries`, so replicas that all hear an event through PostgreSQL NOTIFY send
 * it once; attempts are claimed with a lease (`locked_until`), retried with backoff, and a sweep
 * picks up due retries and deliveries a crashed process left behind.
 */
export class WebhookService {
  readonly #database: Database
  readonly #logger: Logger
  readonly #settings: WebhookDeliverySettings
  readonly #secrets: () => Promise<SecretBox>
  readonly #inflight = new Set<Promise<unknown>>()
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  readonly #sweepTimer: ReturnType<typeof setInterval>
  #closed = false

  constructor(options: {
    database: Database
    logger: Logger
    settings: WebhookDeliverySettings
    secrets: () => Promise<SecretBox>
  }) {
    this.#database = options.database
    this.#logger = options.logger
    this.#settings = options.settings
    this.#secrets = options.secrets
    this.#sweepTimer = setInterval(() => this.#track(this.sweep()), this.#settings.sweepIntervalMs)
    this.#sweepTimer.unref?.()
  }

  /** The delivery settings in force. */
  get settings(): WebhookDeliverySettings {
    return this.#settings
  }

  /** Bus listener: queues deliveries of `event` to the subscribed webhooks (never throws). */
  handle(event: ServerEvent): void {
    if (this.#closed) return
    this.#track(this.enqueue(event))
  }

  /** Creates the deliveries of `event` and makes their first attempt; returns the delivery ids. */
  async enqueue(event: ServerEvent): Promise<string[]> {
    const targets = await subscribedWebhooks(this.#database, event.workspaceId, event.type)
    const ids: string[] = []
    for (const target of targets) {
      const id = await this.#insertDelivery(event, target.webhookId)
      if (id !== undefined) ids.push(id)
    }
    await Promise.all(ids.map((id) => this.attempt(event.workspaceId, id)))
    return ids
  }

  /** Sends a `webhook.test` event to one webhook now (one attempt, no retry) and reports it. */
  async sendTest(workspaceId: string, webhookId: string, requestedBy: string): Promise<AttemptResult> {
    const event: ServerEvent = {
      id: randomUUID(),
      type: WEBHOOK_TEST_EVENT,
      workspaceId,
      occurredAt: new Date().toISOString(),
      data: { message: 'Test delivery from Mima.', requested_by: requestedBy },
    }
    const id = (await this.#insertDelivery(event, webhookId)) as string
    return (await this.attempt(workspaceId, id)) as AttemptResult
  }

  async #insertDelivery(event: ServerEvent, webhookId: string): Promise<string | undefined> {
    const payload: WebhookPayload = {
      id: event.id,
      type: event.type,
      workspace_id: event.workspaceId,
      created_at: event.occurredAt,
      data: { ...event.data },
    }
    const now = new Date().toISOString()
    const { rows } = await this.#database.query<{ delivery_id: string }>(
      `insert into webhook_deliveries
         (workspace_id, delivery_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at)
       values ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)
       on conflict (workspace_id, webhook_id, event_id) do nothing
       returning delivery_id`,
      [event.workspaceId, randomUUID(), webhookId, event.id, event.type, JSON.stringify(payload), now],
    )
    return rows[0]?.delivery_id
  }

  /**
   * Makes one attempt at a due delivery if no other process holds it; records the outcome on the
   * delivery and the webhook, and schedules the next attempt after a failure. Returns undefined
   * when the delivery was not due or someone else claimed it.
   */
  async attempt(workspaceId: string, deliveryId: string): Promise<AttemptResult | undefined> {
    if (this.#closed) return undefined
    const started = new Date()
    const lease = new Date(started.getTime() + this.#settings.timeoutMs + 30_000)
    const claimed = await this.#database.query<ClaimedRow>(
      `update webhook_deliveries
          set status = 'delivering', attempts = attempts + 1, locked_until = $3, last_attempt_at = $4
        where workspace_id = $1 and delivery_id = $2 and status = 'pending' and next_attempt_at <= $4
        returning webhook_id, event_type, body, attempts`,
      [workspaceId, deliveryId, lease.toISOString(), started.toISOString()],
    )
    const row = claimed.rows[0]
    if (row === undefined) return undefined
    const attempts = Number(row.attempts)
    const target = await webhookTarget(this.#database, workspaceId, row.webhook_id)
    let outcome: { status?: number | undefined; error?: string | undefined }
    if (target === undefined) {
      outcome = { error: 'the webhook was deleted' }
    } else {
      const timestamp = Math.floor(Date.now() / 1000)
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': `mima-server/${VERSION} (+webhooks)`,
        'x-mima-event': row.event_type,
        'x-mima-delivery': deliveryId,
        'x-mima-timestamp': String(timestamp),
        'x-mima-attempt': String(attempts),
      }
      try {
        if (target.secretSealed !== null) {
          const secret = (await this.#secrets()).open(target.secretSealed)
          headers['x-mima-signature'] = signWebhookPayload({ secret, timestamp, body: row.body })
        }
        outcome = await postWebhook({
          url: target.url,
          headers,
          body: row.body,
          timeoutMs: this.#settings.timeoutMs,
          allowPrivate: this.#settings.allowPrivate,
        })
      } catch (error) {
        outcome = { error: (error as Error).message }
      }
    }
    const delivered = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300
    const error =
      outcome.error ?? (delivered ? undefined : `the receiver answered HTTP ${outcome.status ?? '?'}`)
    const retryable = target !== undefined && row.event_type !== WEBHOOK_TEST_EVENT
    const delay = retryable && !delivered ? this.#settings.retryDelaysMs[attempts - 1] : undefined
    const finished = new Date()
    const nextAttempt = delay === undefined ? undefined : new Date(finished.getTime() + delay)
    const status = delivered ? 'succeeded' : nextAttempt === undefined ? 'failed' : 'pending'
    await this.#database.transaction(async (transaction) => {
      await transaction.query(
        `update webhook_deliveries
            set status = $3, locked_until = null, next_attempt_at = $4, last_status = $5, last_error = $6
          where workspace_id = $1 and delivery_id = $2`,
        [
          workspaceId,
          deliveryId,
          status,
          nextAttempt?.toISOString() ?? null,
          outcome.status ?? null,
          error?.slice(0, 500) ?? null,
        ],
      )
      await transaction.query(
        `update webhooks set last_delivery_at = $3, last_delivery_status = $4, last_delivery_error = $5
          where workspace_id = $1 and webhook_id = $2`,
        [
          workspaceId,
          row.webhook_id,
          finished.toISOString(),
          outcome.status ?? null,
          error?.slice(0, 500) ?? null,
        ],
      )
    })
    if (nextAttempt !== undefined && delay !== undefined) this.#schedule(workspaceId, deliveryId, delay)
    if (!delivered) {
      this.#logger.warn('webhook delivery failed', {
        workspace_id: workspaceId,
        webhook_id: row.webhook_id,
        delivery_id: deliveryId,
        attempt: attempts,
        error,
        next_attempt_at: nextAttempt?.toISOString(),
      })
    }
    return {
      delivery_id: deliveryId,
      delivered,
      status: outcome.status ?? null,
      ...(error === undefined ? {} : { error }),
      attempts,
      duration_ms: finished.getTime() - started.getTime(),
      ...(nextAttempt === undefined ? {} : { next_attempt_at: nextAttempt.toISOString() }),
    }
  }

  /**
   * Picks up what is due: retries whose time came (another replica may have scheduled them) and
   * attempts whose lease ran out because their process died mid-delivery.
   */
  async sweep(): Promise<void> {
    if (this.#closed) return
    const now = new Date().toISOString()
    await this.#database.query(
      `update webhook_deliveries set status = 'pending', locked_until = null, next_attempt_at = $1
        where status = 'delivering' and locked_until < $1`,
      [now],
    )
    const { rows } = await this.#database.query<{ workspace_id: string; delivery_id: string }>(
      `select workspace_id, delivery_id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= $1 order by next_attempt_at limit 100`,
      [now],
    )
    for (const row of rows) await this.attempt(row.workspace_id, row.delivery_id)
  }

  #schedule(workspaceId: string, deliveryId: string, delayMs: number): void {
    if (this.#closed) return
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.#track(this.attempt(workspaceId, deliveryId))
    }, delayMs)
    timer.unref?.()
    this.#timers.add(timer)
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => {
      if (!this.#closed) this.#logger.warn('webhook delivery error', { error: String(error) })
    })
    this.#inflight.add(tracked)
    void tracked.finally(() => this.#inflight.delete(tracked))
  }

  /** Stops timers and waits for attempts under way (their outcome is recorded). */
  async close(): Promise<void> {
    clearInterval(this.#sweepTimer)
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    const pending = [...this.#inflight]
    this.#closed = true
    await Promise.allSettled(pending)
  }
}
