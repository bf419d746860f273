import { readJson, requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { integerQuery, stringQuery } from '../http/query'
import type { Queryable } from '../storage/database'
import { insertAiBom, listAiBoms, SCANNER_MIGRATIONS } from './ai-bom-store'

/** One runtime AI call as `mima scan --runtime server` joins it with the static call sites. */
export interface RuntimeEventRow {
  call: string
  call_site: string | null
  attested: boolean
  ts: string | null
  /** How many calls the event stands for (more than 1 when the guard counted calls past its site rate). */
  calls: number
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
    calls: number
  }>(
    `select event_id, call, unattested, event_ts, event->>'call_site' as call_site, calls
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
      calls: Number(row.calls),
    })),
    next_cursor: rows.length > options.limit ? (page[page.length - 1]?.event_id ?? null) : null,
  }
}

/**
 * The scanner's endpoints: `GET …/scanner/runtime-events` (the guard's reports for
 * `mima scan --runtime server`), `POST …/scanner/ai-boms` (a CycloneDX AI bill of materials as
 * evidence for a system, from `mima push ai-bom`) and `GET …/scanner/ai-boms`.
 */
export const scannerFeature: ServerFeature = defineFeature({
  name: 'scanner',
  migrations: SCANNER_MIGRATIONS,
  register(api, server) {
    api.post('/workspaces/:ws/scanner/ai-boms', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['ingest', 'admin'] })
      const body = await readJson(c)
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw httpError('bad_request', 'The request body must be a JSON object { system_name, bom }.')
      const { system_name: systemName, bom } = body as Record<string, unknown>
      if (typeof systemName !== 'string' || systemName.trim() === '' || systemName.length > 200)
        throw httpError(
          'validation_failed',
          'system_name must be a non-empty string of at most 200 characters.',
          {
            field: 'system_name',
          },
        )
      if (typeof bom !== 'object' || bom === null || Array.isArray(bom))
        throw httpError('validation_failed', 'bom must be a CycloneDX JSON object.', { field: 'bom' })
      const document = bom as Record<string, unknown>
      if (document.bomFormat !== 'CycloneDX' || typeof document.specVersion !== 'string')
        throw httpError('validation_failed', 'bom must have bomFormat "CycloneDX" and a specVersion.', {
          field: 'bom',
        })
      const stored = await insertAiBom(server.database, workspaceId, {
        systemName: systemName.trim(),
        bom: document,
        text: JSON.stringify(document),
      })
      return c.json(stored, 201)
    })

    api.get('/workspaces/:ws/scanner/ai-boms', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json({ boms: await listAiBoms(server.database, workspaceId, stringQuery(c, 'system_name')) })
    })

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
