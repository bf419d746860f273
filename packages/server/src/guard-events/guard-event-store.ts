import { uuidv7 } from '@mima/core'
import type { Queryable } from '../storage/database'

/** One guard event as the daemon forwards it (`{ ts, call, pid }`) plus optional extras. */
export interface GuardEventInput {
  call: string
  ts?: string | number | undefined
  pid?: number | undefined
  /** How many calls the event stands for (report mode counts calls past its site rate); 1 when absent. */
  calls?: number | undefined
  /** `true` when the guard saw the call inside an attested function; absent means unattested. */
  attested?: boolean | undefined
  /** The event as received. */
  event: Record<string, unknown>
}

/** Stores guard events in one statement; returns how many were stored. */
export async function insertGuardEvents(
  database: Queryable,
  workspaceId: string,
  events: readonly GuardEventInput[],
): Promise<number> {
  if (events.length === 0) return 0
  const result = await database.query(
    `insert into guard_events (workspace_id, event_id, call, unattested, pid, event_ts, event, calls)
     select $1, t.id, t.call, t.unattested, t.pid, t.ts, t.event::jsonb, t.calls
     from unnest($2::text[], $3::text[], $4::boolean[], $5::int[], $6::text[], $7::text[], $8::int[])
       as t(id, call, unattested, pid, ts, event, calls)`,
    [
      workspaceId,
      events.map(() => uuidv7()),
      events.map((event) => event.call),
      events.map((event) => event.attested !== true),
      events.map((event) => event.pid ?? null),
      events.map((event) => (event.ts === undefined ? null : String(event.ts))),
      events.map((event) => JSON.stringify(event.event)),
      events.map((event) => event.calls ?? 1),
    ],
  )
  return result.rowCount
}

/**
 * How many unattested AI calls the guard reported (a counted event stands for its `calls`) for a workspace since `since` (default: the
 * last 24 hours). The posture brief reads this as `unattested_24h`.
 *
 * @example
 * ```ts
 * const unattested_24h = await countUnattestedCalls(server.database, workspaceId)
 * ```
 */
export async function countUnattestedCalls(
  database: Queryable,
  workspaceId: string,
  since?: Date,
): Promise<number> {
  const from = since ?? new Date(Date.now() - 24 * 60 * 60 * 1000)
  const { rows } = await database.query<{ count: number }>(
    `select coalesce(sum(calls), 0)::bigint as count from guard_events
      where workspace_id = $1 and unattested and received_at >= $2`,
    [workspaceId, from.toISOString()],
  )
  return Number(rows[0]?.count ?? 0)
}
