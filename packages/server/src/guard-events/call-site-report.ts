import type { Queryable } from '../storage/database'

/** Unattested calls from one call site (as the guard reported it, else the SDK call). */
export interface UnattestedCallSite {
  callSite: string
  call: string
  count: number
  firstSeen: Date
  lastSeen: Date
}

/** The guard's unattested-call reports since `since`, grouped by call site, busiest first. */
export async function unattestedCallSites(
  database: Queryable,
  workspaceId: string,
  since: Date,
  limit = 200,
): Promise<UnattestedCallSite[]> {
  const { rows } = await database.query<{
    call_site: string
    call: string
    count: number
    first_seen: Date | string
    last_seen: Date | string
  }>(
    `select coalesce(nullif(event->>'call_site', ''), '(no call site reported)') as call_site, call,
            sum(calls)::bigint as count, min(received_at) as first_seen, max(received_at) as last_seen
       from guard_events
      where workspace_id = $1 and unattested and received_at >= $2
      group by 1, 2 order by sum(calls) desc, 1, 2 limit $3`,
    [workspaceId, since.toISOString(), limit],
  )
  const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value))
  return rows.map((row) => ({
    callSite: row.call_site,
    call: row.call,
    count: Number(row.count),
    firstSeen: date(row.first_seen),
    lastSeen: date(row.last_seen),
  }))
}
