import { requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { integerQuery, stringQuery } from '../http/query'
import type { Queryable } from '../storage/database'

/** One runtime AI call as `mima scan --runtime server` joins it with the static call sites. */
export interface RuntimeEventRow {
  call: string
  call_site: string | null
  attested: boolean
  ts: string | null
}

/** A page of guard events, oldest first, with the cursor of the next page. */
export async function listRuntimeEvents(
  database: Queryable,
  workspaceId: string,
  options: { limit: number; cursor?: string | undefined; since?: string | undefined },
): Promise<{ events: RuntimeEventRow[]; next_cursor: string | null }> {
  const { rows } = await database.query<{
    event_id: string
    call: string
    unattested: boolean
    event_ts: string | null
    call_site: string | null
  }>(
    `select event_id, call, unattested, event_ts, event->>'call_site' as call_site
     from guard_events
     where workspace_id = $1 and ($2::text is null or event_id > $2) and ($3::timestamptz is null or received_at >= $3)
     order by event_id
     limit $4`,
    [workspaceId, options.cursor ?? null, options.since ?? null, options.limit + 1],
  )
  const page = rows.slice(0, options.limit)
  return {
    events: page.map((row) => ({
      call: row.call,
      call_site: row.call_site,
      attested: !row.unattested,
      ts: row.event_ts,
    })),
    next_cursor: rows.length > options.limit ? (page[page.length - 1]?.event_id ?? null) : null,
  }
}

/** `GET …/scanner/runtime-events`: the guard's reports for `mima scan --runtime server`. */
export const scannerFeature: ServerFeature = defineFeature({
  name: 'scanner',
  register(api, server) {
    api.get('/workspaces/:ws/scanner/runtime-events', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const limit = integerQuery(c, 'limit', { max: 1000 }) ?? 1000
      if (limit < 1) throw httpError('validation_failed', 'limit must be at least 1.', { field: 'limit' })
      const cursor = stringQuery(c, 'cursor')
      if (cursor !== undefined && !/^[0-9a-f-]{36}$/.test(cursor))
        throw httpError('validation_failed', 'cursor must be the next_cursor of a previous page.', {
          field: 'cursor',
        })
      const since = stringQuery(c, 'since')
      if (since !== undefined && (!/^\d{4}-\d{2}-\d{2}/.test(since) || Number.isNaN(Date.parse(since))))
        throw httpError('validation_failed', 'since must be an ISO-8601 date or time.', { field: 'since' })
      return c.json(await listRuntimeEvents(server.database, workspaceId, { limit, cursor, since }))
    })
  },
})
