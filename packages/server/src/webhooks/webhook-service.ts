import { randomUUID } from 'node:crypto'
import { signWebhookPayload } from '@mima/core'
import type { ServerEvent } from '../events/event-bus'
import { derivedId } from '../http/ids'
import type { Logger } from '../server/logger'
import type { Database, Queryable } from '../storage/database'
import { VERSION } from '../version'
import { postWebhook } from './post-webhook'
import { LEDGER_EVENTS, WEBHOOK_TEST_EVENT } from './webhook-events'
import type { SecretBox } from './webhook-secret-box'
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
  /** How often new ledger leaves are turned into `evidence.created`/`attestation.created` events. */
  ledgerPollIntervalMs: number
  /** Finished deliveries older than this many days are deleted (default 30). */
  deliveryRetentionDays?: number
}

const PRUNE_EVERY_MS = 60 * 60 * 1000
const SWEEP_CONCURRENCY = 8

/** Most ledger leaves one webhook's feed reads per poll. */
const LEDGER_BATCH = 200

// A stable event id for a ledger record, so every replica derives the same one.
const ledgerEventId = (workspaceId: string, kind: string, recordId: string): string =>
  derivedId(workspaceId, kind, recordId)

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
  readonly #ledgerTimer: ReturnType<typeof setInterval>
  #polling = false
  #prunedAt = 0
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
    this.#ledgerTimer = setInterval(() => {
      if (this.#polling) return
      this.#polling = true
      this.#track(this.pollLedger().finally(() => (this.#polling = false)))
    }, this.#settings.ledgerPollIntervalMs)
    this.#ledgerTimer.unref?.()
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

  /**
   * Creates the deliveries of `event` (those not written yet) and makes the first attempt at each
   * pending one, including those {@link WebhookService.enqueueInTransaction} wrote; returns the ids
   * of the deliveries this call created.
   */
  async enqueue(event: ServerEvent): Promise<string[]> {
    const targets = await subscribedWebhooks(this.#database, event.workspaceId, event.type)
    if (targets.length === 0) return []
    const ids: string[] = []
    for (const target of targets) {
      const id = await this.#insertDelivery(this.#database, event, target.webhookId)
      if (id !== undefined) ids.push(id)
    }
    const { rows } = await this.#database.query<{ delivery_id: string }>(
      `select delivery_id from webhook_deliveries
        where workspace_id = $1 and event_id = $2 and webhook_id = any($3::text[]) and status = 'pending'`,
      [event.workspaceId, event.id, targets.map((target) => target.webhookId)],
    )
    // `attempt` claims each delivery atomically, so replicas hearing the same event send it once.
    await Promise.all(rows.map((row) => this.attempt(event.workspaceId, row.delivery_id)))
    return ids
  }

  /**
   * Writes the deliveries of `event` inside the transaction that raises it (the event bus's
   * transactional sink): they commit with the change, so a crash right after the commit loses no
   * event; {@link WebhookService.enqueue} (after the commit) or the sweep sends them.
   */
  async enqueueInTransaction(transaction: Queryable, event: ServerEvent): Promise<void> {
    if (this.#closed) return
    for (const target of await subscribedWebhooks(transaction, event.workspaceId, event.type)) {
      await this.#insertDelivery(transaction, event, target.webhookId)
    }
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
    const id = (await this.#insertDelivery(this.#database, event, webhookId)) as string
    return (await this.attempt(workspaceId, id)) as AttemptResult
  }

  async #insertDelivery(
    database: Queryable,
    event: ServerEvent,
    webhookId: string,
  ): Promise<string | undefined> {
    const payload: WebhookPayload = {
      id: event.id,
      type: event.type,
      workspace_id: event.workspaceId,
      created_at: event.occurredAt,
      data: { ...event.data },
    }
    const now = new Date().toISOString()
    const { rows } = await database.query<{ delivery_id: string }>(
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
   * The ledger feed: for each webhook subscribed to `evidence.created` or `attestation.created`
   * whose workspace's ledger grew past its cursor, reads the new leaves (in ledger order), creates
   * their deliveries, then moves the cursor (compare-and-set, so replicas do not double-read; the
   * deliveries' unique key makes a repeat harmless). The ingest path itself does no extra work.
   * Returns how many deliveries were created.
   */
  async pollLedger(): Promise<number> {
    if (this.#closed) return 0
    const { rows: feeds } = await this.#database.query<{
      workspace_id: string
      webhook_id: string
      events: string[]
      ledger_cursor: number | string
      tree_size: number | string
    }>(
      `select w.workspace_id, w.webhook_id, w.events, w.ledger_cursor, h.tree_size
         from webhooks w join ledger_heads h on h.workspace_id = w.workspace_id
        where w.ledger_cursor is not null and h.tree_size > w.ledger_cursor
        order by w.workspace_id, w.webhook_id limit 100`,
    )
    let created = 0
    for (const feed of feeds) {
      if (this.#closed) break
      const from = Number(feed.ledger_cursor)
      const to = Math.min(from + LEDGER_BATCH, Number(feed.tree_size))
      const kinds = feed.events.flatMap((event) =>
        event in LEDGER_EVENTS ? [LEDGER_EVENTS[event] as string] : [],
      )
      const events = await this.#ledgerEvents(feed.workspace_id, from, to, kinds)
      const ids: string[] = []
      for (const event of events) {
        const id = await this.#insertDelivery(this.#database, event, feed.webhook_id)
        if (id !== undefined) ids.push(id)
      }
      await this.#database.query(
        'update webhooks set ledger_cursor = $4 where workspace_id = $1 and webhook_id = $2 and ledger_cursor = $3',
        [feed.workspace_id, feed.webhook_id, from, to],
      )
      created += ids.length
      for (const id of ids) this.#track(this.attempt(feed.workspace_id, id))
    }
    return created
  }

  async #ledgerEvents(
    workspaceId: string,
    from: number,
    to: number,
    kinds: readonly string[],
  ): Promise<ServerEvent[]> {
    if (kinds.length === 0) return []
    // The leaves' primary key finds the range; the records are then read by their primary keys.
    const { rows: leaves } = await this.#database.query<{ kind: string; record_id: string }>(
      `select kind, record_id from ledger_leaves
        where workspace_id = $1 and leaf_index >= $2 and leaf_index < $3 and kind = any($4::text[])`,
      [workspaceId, from, to, [...kinds]],
    )
    const idsOf = (kind: string): string[] =>
      leaves.filter((leaf) => leaf.kind === kind).map((leaf) => leaf.record_id)
    const events: ServerEvent[] = []
    const evidenceIds = idsOf('evidence')
    if (evidenceIds.length > 0) {
      const { rows } = await this.#database.query<{
        record_id: string
        record_type: string
        system_name: string
        identity: string | null
        mapped_controls: string[]
        client_sig_status: string
        source: string
        leaf_index: number | string
        received_at: Date | string
      }>(
        `select record_id, record_type, system_name, identity, mapped_controls, client_sig_status, source,
                leaf_index, received_at
           from grc_evidence where workspace_id = $1 and record_id = any($2::text[])`,
        [workspaceId, evidenceIds],
      )
      for (const row of rows) {
        const receivedAt = new Date(row.received_at).toISOString()
        events.push({
          id: ledgerEventId(workspaceId, 'evidence', row.record_id),
          type: 'evidence.created',
          workspaceId,
          occurredAt: receivedAt,
          data: { ...row, leaf_index: Number(row.leaf_index), received_at: receivedAt },
        })
      }
    }
    const attestationIds = idsOf('attestation')
    if (attestationIds.length > 0) {
      const { rows } = await this.#database.query<{
        attestation_id: string
        system_name: string
        agent_name: string
        tool_name: string
        model_id: string | null
        trust_tier: string
        record_hash: string
        leaf_index: number | string
        received_at: Date | string
      }>(
        `select attestation_id, system_name, agent_name, tool_name, model_id, trust_tier, record_hash, leaf_index,
                received_at
           from attestations where workspace_id = $1 and attestation_id = any($2::text[])`,
        [workspaceId, attestationIds],
      )
      for (const row of rows) {
        const receivedAt = new Date(row.received_at).toISOString()
        events.push({
          id: ledgerEventId(workspaceId, 'attestation', row.attestation_id),
          type: 'attestation.created',
          workspaceId,
          occurredAt: receivedAt,
          data: { ...row, leaf_index: Number(row.leaf_index), received_at: receivedAt },
        })
      }
    }
    return events.sort((left, right) => Number(left.data.leaf_index) - Number(right.data.leaf_index))
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
    // A few at a time, so one slow receiver does not hold up everyone else's retries.
    const queue = [...rows]
    await Promise.all(
      Array.from({ length: Math.min(SWEEP_CONCURRENCY, queue.length) }, async () => {
        for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
          await this.attempt(row.workspace_id, row.delivery_id)
        }
      }),
    )
    if (Date.now() - this.#prunedAt >= PRUNE_EVERY_MS) await this.prune()
  }

  /** Deletes finished deliveries older than the retention period (at most 5 000 per call). */
  async prune(now: Date = new Date()): Promise<number> {
    this.#prunedAt = Date.now()
    const days = this.#settings.deliveryRetentionDays ?? 30
    const cutoff = new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString()
    const { rowCount } = await this.#database.query(
      `delete from webhook_deliveries where (workspace_id, delivery_id) in (
         select workspace_id, delivery_id from webhook_deliveries
          where status in ('succeeded', 'failed') and created_at < $1 limit 5000)`,
      [cutoff],
    )
    return rowCount
  }

  #schedule(workspaceId: string, deliveryId: string, delayMs: number): void {
    if (this.#closed) return
    // A little slack: a timer may fire a millisecond before the wall clock reaches the due time,
    // and the claim compares with the wall clock.
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.#track(this.attempt(workspaceId, deliveryId))
    }, delayMs + 10)
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
    clearInterval(this.#ledgerTimer)
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    const pending = [...this.#inflight]
    this.#closed = true
    await Promise.allSettled(pending)
  }
}
