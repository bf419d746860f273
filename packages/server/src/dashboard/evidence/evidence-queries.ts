/** Read-only queries behind the readiness, systems, record and chart pages. */
import { computeReadiness, type FrameworkSlug, resolveControl } from '@mima/grc'
import type { StoredEvidence } from '../../evidence/evidence-store'
import { decodeCursor, encodeCursor } from '../../http/pagination'
import type { Queryable } from '../../storage/database'

const day = (date: Date): string => date.toISOString().slice(0, 10)

/** The last `days` UTC days, oldest first, ending today. */
export function lastDays(days: number, now: Date = new Date()): string[] {
  const result: string[] = []
  for (let offset = days - 1; offset >= 0; offset--) {
    const date = new Date(now)
    date.setUTCDate(date.getUTCDate() - offset)
    result.push(day(date))
  }
  return result
}

/** Readiness per framework at the end of each of the last `days` days. */
export interface ReadinessHistory {
  days: string[]
  overall: number[]
  frameworks: { framework: FrameworkSlug; label: string; scores: number[] }[]
}

/**
 * Readiness over time, recomputed from when each control first got evidence (attested or only
 * inferred): no snapshots are stored, so the history is what the ledgered evidence says.
 */
export async function readinessHistory(
  database: Queryable,
  workspaceId: string,
  options: { days: number; systemName?: string | undefined; now?: Date },
): Promise<ReadinessHistory> {
  const { rows } = await database.query<{ control_id: string; attested: boolean; first_at: Date }>(
    `select control.id as control_id, (e.source <> 'estate_auto') as attested, min(e.received_at) as first_at
       from grc_evidence e, jsonb_array_elements_text(e.mapped_controls) as control(id)
      where e.workspace_id = $1 and ($2::text is null or e.system_name = $2)
      group by 1, 2`,
    [workspaceId, options.systemName ?? null],
  )
  const days = lastDays(options.days, options.now)
  const reports = days.map((date) => {
    const end = new Date(`${date}T00:00:00Z`).getTime() + 86_400_000
    const coverage = new Map<string, boolean>()
    for (const row of rows) {
      if (new Date(row.first_at).getTime() >= end) continue
      coverage.set(row.control_id, (coverage.get(row.control_id) ?? false) || row.attested === true)
    }
    return computeReadiness({
      coverage: [...coverage].map(([controlId, attested]) => ({ controlId, attested })),
    })
  })
  const first = reports[0]
  return {
    days,
    overall: reports.map((report) => report.overall_pct),
    frameworks: (first?.frameworks ?? []).map((framework, index) => ({
      framework: framework.framework,
      label: framework.label,
      scores: reports.map((report) => report.frameworks[index]?.score_pct ?? 0),
    })),
  }
}

/** Attestations per day (verified and declared) over the last `days` days. */
export async function attestationsPerDay(
  database: Queryable,
  workspaceId: string,
  options: { days: number; systemName?: string | undefined; now?: Date },
): Promise<{ days: string[]; verified: number[]; declared: number[] }> {
  const days = lastDays(options.days, options.now)
  const { rows } = await database.query<{ day: string; verified: number; declared: number }>(
    `select to_char(received_at at time zone 'UTC', 'YYYY-MM-DD') as day,
            count(*) filter (where trust_tier = 'verified')::int as verified,
            count(*) filter (where trust_tier <> 'verified')::int as declared
       from attestations
      where workspace_id = $1 and received_at >= $2 and ($3::text is null or system_name = $3)
      group by 1`,
    [workspaceId, `${days[0]}T00:00:00Z`, options.systemName ?? null],
  )
  const byDay = new Map(rows.map((row) => [row.day, row]))
  return {
    days,
    verified: days.map((date) => Number(byDay.get(date)?.verified ?? 0)),
    declared: days.map((date) => Number(byDay.get(date)?.declared ?? 0)),
  }
}

/** Approvals requested per day and the median time to a decision (seconds) per day. */
export async function approvalsPerDay(
  database: Queryable,
  workspaceId: string,
  options: { days: number; now?: Date },
): Promise<{ days: string[]; decided: number[]; undecided: number[]; medianSeconds: (number | null)[] }> {
  const days = lastDays(options.days, options.now)
  const { rows } = await database.query<{
    day: string
    decided: number
    undecided: number
    median: number | null
  }>(
    `select to_char(requested_at at time zone 'UTC', 'YYYY-MM-DD') as day,
            count(*) filter (where decided_at is not null)::int as decided,
            count(*) filter (where decided_at is null)::int as undecided,
            percentile_cont(0.5) within group (order by extract(epoch from decided_at - requested_at))
              filter (where decided_at is not null) as median
       from approvals where workspace_id = $1 and requested_at >= $2 group by 1`,
    [workspaceId, `${days[0]}T00:00:00Z`],
  )
  const byDay = new Map(rows.map((row) => [row.day, row]))
  return {
    days,
    decided: days.map((date) => Number(byDay.get(date)?.decided ?? 0)),
    undecided: days.map((date) => Number(byDay.get(date)?.undecided ?? 0)),
    medianSeconds: days.map((date) => {
      const median = byDay.get(date)?.median
      return median === null || median === undefined ? null : Math.round(Number(median) * 10) / 10
    }),
  }
}

/** An evidence record as a control's page lists it. */
export interface ControlRecord {
  record_id: string
  record_type: string
  system_name: string
  source: string
  client_sig_status: string
  received_at: string
  leaf_index: number
}

/** The records whose mapped controls include `controlId`, newest first, with a cursor. */
export async function recordsForControl(
  database: Queryable,
  workspaceId: string,
  controlId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ records: ControlRecord[]; next_cursor: string | null }> {
  const canonical = resolveControl(controlId)?.id ?? controlId
  const before = options.cursor === undefined ? null : decodeCursor(options.cursor)
  const { rows } = await database.query<ControlRecord & { received_at: Date }>(
    `select record_id, record_type, system_name, source, client_sig_status, received_at, leaf_index
       from grc_evidence
      where workspace_id = $1 and mapped_controls @> jsonb_build_array($2::text)
        and ($3::text is null or record_id < $3)
      order by record_id desc limit $4`,
    [workspaceId, canonical, before, options.limit + 1],
  )
  const page = rows.slice(0, options.limit).map((row) => ({
    ...row,
    received_at: new Date(row.received_at).toISOString(),
    leaf_index: Number(row.leaf_index),
  }))
  const last = page.at(-1)
  return {
    records: page,
    next_cursor: rows.length > options.limit && last !== undefined ? encodeCursor(last.record_id) : null,
  }
}

/** The newest evidence record of a type for a system (its risk assessment, say). */
export async function latestEvidence(
  database: Queryable,
  workspaceId: string,
  recordType: string,
  systemName: string,
): Promise<Pick<StoredEvidence, 'record_id' | 'payload' | 'received_at'> | undefined> {
  const { rows } = await database.query<{
    record_id: string
    payload: Record<string, unknown>
    received_at: Date
  }>(
    `select record_id, payload, received_at from grc_evidence
      where workspace_id = $1 and record_type = $2
        and (system_name = $3 or payload->>'system_name' = $3)
      order by received_at desc, record_id desc limit 1`,
    [workspaceId, recordType, systemName],
  )
  const row = rows[0]
  return row === undefined
    ? undefined
    : { record_id: row.record_id, payload: row.payload, received_at: new Date(row.received_at).toISOString() }
}

/** The models a system's calls used, with counts. */
export async function modelsOfSystem(
  database: Queryable,
  workspaceId: string,
  systemName: string,
): Promise<{ model_id: string; provider: string | null; calls: number; last_at: string }[]> {
  const { rows } = await database.query<{
    model_id: string
    provider: string | null
    calls: number
    last_at: Date
  }>(
    `select model_id, max(provider) as provider, count(*)::int as calls, max(received_at) as last_at
       from attestations where workspace_id = $1 and system_name = $2 and model_id is not null
      group by 1 order by 3 desc, 1 limit 50`,
    [workspaceId, systemName],
  )
  return rows.map((row) => ({
    ...row,
    calls: Number(row.calls),
    last_at: new Date(row.last_at).toISOString(),
  }))
}

/** Unattested calls the guard reported for a system (events naming it), grouped by call site. */
export async function unattestedBySite(
  database: Queryable,
  workspaceId: string,
  systemName: string | undefined,
): Promise<{ call_site: string; call: string; count: number; last_at: string }[]> {
  const { rows } = await database.query<{
    call_site: string | null
    call: string
    count: number
    last_at: Date
  }>(
    `select event->>'call_site' as call_site, call, sum(calls)::bigint as count, max(received_at) as last_at
       from guard_events
      where workspace_id = $1 and unattested and ($2::text is null or event->>'system_name' = $2)
      group by 1, 2 order by 3 desc, 1 limit 50`,
    [workspaceId, systemName ?? null],
  )
  return rows.map((row) => ({
    call_site: row.call_site ?? '(unknown)',
    call: row.call,
    count: Number(row.count),
    last_at: new Date(row.last_at).toISOString(),
  }))
}

/** The day of an ISO time (`2026-12-06`). */
export const dayOf = (value: string): string => value.slice(0, 10)
