import type { Queryable } from '../storage/database'

/** A webhook as the API lists it (the secret never leaves the server). */
export interface WebhookView {
  id: string
  url: string
  events: string[]
  has_secret: boolean
  created_by: string
  created_at: string
  last_delivery_at: string | null
  /** HTTP status of the last attempt, `"error"` when no response came (see `last_delivery_error`), null before any. */
  last_delivery_status: number | 'error' | null
  last_delivery_error: string | null
}

/** A stored webhook with its sealed secret (server side only). */
export interface WebhookTarget {
  webhookId: string
  url: string
  events: string[]
  secretSealed: string | null
}

interface WebhookRow {
  webhook_id: string
  url: string
  events: string[]
  secret_sealed: string | null
  created_by: string
  created_at: Date | string
  last_delivery_at: Date | string | null
  last_delivery_status: number | null
  last_delivery_error: string | null
}

const iso = (value: Date | string): string => new Date(value).toISOString()

function toView(row: WebhookRow): WebhookView {
  return {
    id: row.webhook_id,
    url: row.url,
    events: [...row.events],
    has_secret: row.secret_sealed !== null,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    last_delivery_at: row.last_delivery_at === null ? null : iso(row.last_delivery_at),
    last_delivery_status:
      row.last_delivery_at === null
        ? null
        : row.last_delivery_status === null
          ? 'error'
          : Number(row.last_delivery_status),
    last_delivery_error: row.last_delivery_error,
  }
}

/** The workspace's webhooks, oldest first. */
export async function listWebhooks(database: Queryable, workspaceId: string): Promise<WebhookView[]> {
  const { rows } = await database.query<WebhookRow>(
    'select * from webhooks where workspace_id = $1 order by created_at, webhook_id',
    [workspaceId],
  )
  return rows.map(toView)
}

/** How many webhooks the workspace has. */
export async function countWebhooks(database: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await database.query<{ count: number | string }>(
    'select count(*) as count from webhooks where workspace_id = $1',
    [workspaceId],
  )
  return Number(rows[0]?.count ?? 0)
}

/** Stores a new webhook. */
export async function insertWebhook(
  database: Queryable,
  webhook: {
    workspaceId: string
    webhookId: string
    url: string
    events: readonly string[]
    secretSealed: string | null
    createdBy: string
    createdAt: Date
    /** Subscribed to ledger events: start reading the ledger at its current size. */
    followLedger: boolean
  },
): Promise<WebhookView> {
  const { rows } = await database.query<WebhookRow>(
    `insert into webhooks (workspace_id, webhook_id, url, events, secret_sealed, created_by, created_at, ledger_cursor)
     values ($1, $2, $3, $4::text[], $5, $6, $7,
             case when $8::boolean then (select tree_size from ledger_heads where workspace_id = $1) end)
     returning *`,
    [
      webhook.workspaceId,
      webhook.webhookId,
      webhook.url,
      [...webhook.events],
      webhook.secretSealed,
      webhook.createdBy,
      webhook.createdAt.toISOString(),
      webhook.followLedger,
    ],
  )
  return toView(rows[0] as WebhookRow)
}

/**
 * Finds a webhook by its id or a unique prefix of at least 8 characters (the Python CLI lists
 * ids shortened to 8). Returns the ids that matched (none, one, or several when ambiguous).
 */
export async function matchWebhookIds(
  database: Queryable,
  workspaceId: string,
  idOrPrefix: string,
): Promise<string[]> {
  const exact = await database.query<{ webhook_id: string }>(
    'select webhook_id from webhooks where workspace_id = $1 and webhook_id = $2',
    [workspaceId, idOrPrefix],
  )
  if (exact.rows.length > 0) return exact.rows.map((row) => row.webhook_id)
  if (!/^[0-9a-f-]{8,36}$/.test(idOrPrefix)) return []
  const { rows } = await database.query<{ webhook_id: string }>(
    `select webhook_id from webhooks where workspace_id = $1 and webhook_id like $2 || '%' order by webhook_id limit 5`,
    [workspaceId, idOrPrefix],
  )
  return rows.map((row) => row.webhook_id)
}

/** Deletes a webhook and its delivery log; false when it did not exist. */
export async function deleteWebhook(
  database: Queryable,
  workspaceId: string,
  webhookId: string,
): Promise<boolean> {
  const deleted = await database.query('delete from webhooks where workspace_id = $1 and webhook_id = $2', [
    workspaceId,
    webhookId,
  ])
  await database.query('delete from webhook_deliveries where workspace_id = $1 and webhook_id = $2', [
    workspaceId,
    webhookId,
  ])
  return deleted.rowCount > 0
}

/** The webhooks of a workspace subscribed to `eventType`. */
export async function subscribedWebhooks(
  database: Queryable,
  workspaceId: string,
  eventType: string,
): Promise<WebhookTarget[]> {
  const { rows } = await database.query<WebhookRow>(
    'select * from webhooks where workspace_id = $1 and $2 = any(events) order by created_at',
    [workspaceId, eventType],
  )
  return rows.map((row) => ({
    webhookId: row.webhook_id,
    url: row.url,
    events: row.events,
    secretSealed: row.secret_sealed,
  }))
}

/** One webhook's target (for a delivery attempt), if it still exists. */
export async function webhookTarget(
  database: Queryable,
  workspaceId: string,
  webhookId: string,
): Promise<WebhookTarget | undefined> {
  const { rows } = await database.query<WebhookRow>(
    'select * from webhooks where workspace_id = $1 and webhook_id = $2',
    [workspaceId, webhookId],
  )
  const row = rows[0]
  return row === undefined
    ? undefined
    : { webhookId: row.webhook_id, url: row.url, events: row.events, secretSealed: row.secret_sealed }
}

/** A delivery as the API lists it. */
export interface DeliveryView {
  delivery_id: string
  event_id: string
  event_type: string
  status: 'pending' | 'delivering' | 'succeeded' | 'failed'
  attempts: number
  last_status: number | null
  last_error: string | null
  created_at: string
  last_attempt_at: string | null
  next_attempt_at: string | null
}

/** The newest deliveries of a webhook. */
export async function listDeliveries(
  database: Queryable,
  workspaceId: string,
  webhookId: string,
  limit: number,
): Promise<DeliveryView[]> {
  const { rows } = await database.query<{
    delivery_id: string
    event_id: string
    event_type: string
    status: DeliveryView['status']
    attempts: number
    last_status: number | null
    last_error: string | null
    created_at: Date | string
    last_attempt_at: Date | string | null
    next_attempt_at: Date | string | null
  }>(
    `select delivery_id, event_id, event_type, status, attempts, last_status, last_error, created_at,
            last_attempt_at, next_attempt_at
       from webhook_deliveries where workspace_id = $1 and webhook_id = $2
      order by created_at desc, delivery_id desc limit $3`,
    [workspaceId, webhookId, Math.max(1, Math.min(Math.floor(limit), 500))],
  )
  return rows.map((row) => ({
    ...row,
    attempts: Number(row.attempts),
    last_status: row.last_status === null ? null : Number(row.last_status),
    created_at: iso(row.created_at),
    last_attempt_at: row.last_attempt_at === null ? null : iso(row.last_attempt_at),
    next_attempt_at:
      row.status === 'pending' && row.next_attempt_at !== null ? iso(row.next_attempt_at) : null,
  }))
}
