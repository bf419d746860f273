import { timeFilter, WhereBuilder } from '../http/pagination'
import type { Queryable } from '../storage/database'

/** The filters every report takes. Times are ISO strings; `until` is exclusive. */
export interface ReportFilters {
  since?: string | undefined
  until?: string | undefined
  systemName?: string | undefined
  agentName?: string | undefined
}

/** What the attestations in scope say about the calls they record. */
export interface CallStats {
  calls: number
  /** Calls whose record names when it ran (`executed_at`). */
  with_executed_at: number
  /** Calls whose record carries a duration (`duration_ms`). */
  with_duration: number
  /** Calls that name the model used. */
  with_model: number
  /** Signature verified by the server (trust tier `verified`). */
  verified: number
  /** Not signed, or signed with a key the server does not know (`declared`). */
  declared: number
  errors: number
  sessions: number
  users: number
  /** Sum of `duration_ms` over the calls that carry one. */
  total_duration_ms: number
  first_at: string | null
  last_at: string | null
  models: { model_id: string; calls: number }[]
  tools: { tool_name: string; calls: number }[]
  agents: { agent_name: string; calls: number }[]
}

const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string).toISOString()

function scoped(
  workspaceId: string,
  filters: ReportFilters,
  columns: { time: string; system?: string; agent?: string },
): WhereBuilder {
  const where = new WhereBuilder()
    .add('workspace_id = $?', workspaceId)
    .add(`${columns.time} >= $?`, timeFilter(filters.since, 'since'))
    .add(`${columns.time} < $?`, timeFilter(filters.until, 'until'))
  if (columns.system !== undefined) where.add(`${columns.system} = $?`, filters.systemName)
  if (columns.agent !== undefined) where.add(`${columns.agent} = $?`, filters.agentName)
  return where
}

/**
 * Counts over the attestations in scope (aggregates only: no row is read into memory). Attested
 * policy decisions are not calls: {@link decisionStats} counts them.
 */
export async function callStats(
  database: Queryable,
  workspaceId: string,
  filters: ReportFilters,
): Promise<CallStats> {
  const where = scoped(workspaceId, filters, {
    time: 'received_at',
    system: 'system_name',
    agent: 'agent_name',
  })
  const sql = `${where.toSql()} and operation is distinct from 'policy.decision'`
  const duration = `case when json_typeof(record->'duration_ms') = 'number' then (record->>'duration_ms')::float8 end`
  const [totals, models, tools, agents] = await Promise.all([
    database.query<Record<string, unknown>>(
      `select count(*)::int as calls,
              count(*) filter (where executed_at is not null and executed_at <> '')::int as with_executed_at,
              count(${duration})::int as with_duration,
              count(*) filter (where model_id is not null and model_id <> '')::int as with_model,
              count(*) filter (where trust_tier = 'verified')::int as verified,
              count(*) filter (where trust_tier <> 'verified')::int as declared,
              count(*) filter (where outcome = 'error')::int as errors,
              count(distinct session_id)::int as sessions,
              count(distinct user_identity)::int as users,
              coalesce(sum(${duration}), 0)::float8 as total_duration_ms,
              min(received_at) as first_at, max(received_at) as last_at
         from attestations ${sql}`,
      where.params,
    ),
    database.query<{ key: string; calls: number }>(
      `select model_id as key, count(*)::int as calls from attestations ${sql} and model_id is not null
        group by 1 order by 2 desc, 1 limit 50`,
      where.params,
    ),
    database.query<{ key: string; calls: number }>(
      `select tool_name as key, count(*)::int as calls from attestations ${sql} group by 1 order by 2 desc, 1 limit 50`,
      where.params,
    ),
    database.query<{ key: string; calls: number }>(
      `select agent_name as key, count(*)::int as calls from attestations ${sql} group by 1 order by 2 desc, 1 limit 50`,
      where.params,
    ),
  ])
  const row = totals.rows[0] ?? {}
  const number = (name: string): number => Number(row[name] ?? 0)
  return {
    calls: number('calls'),
    with_executed_at: number('with_executed_at'),
    with_duration: number('with_duration'),
    with_model: number('with_model'),
    verified: number('verified'),
    declared: number('declared'),
    errors: number('errors'),
    sessions: number('sessions'),
    users: number('users'),
    total_duration_ms: Math.round(number('total_duration_ms') * 1000) / 1000,
    first_at: iso(row.first_at),
    last_at: iso(row.last_at),
    models: models.rows.map((item) => ({ model_id: item.key, calls: Number(item.calls) })),
    tools: tools.rows.map((item) => ({ tool_name: item.key, calls: Number(item.calls) })),
    agents: agents.rows.map((item) => ({ agent_name: item.key, calls: Number(item.calls) })),
  }
}

/** The guard's reports of AI calls in scope. */
export interface GuardStats {
  unattested: number
  attested: number
  /** Whether the guard reported anything at all in the period (coverage can be estimated). */
  reporting: boolean
  /** The call sites with the most unattested calls. */
  call_sites: { call_site: string; call: string; unattested: number }[]
}

/**
 * Guard reports in scope. Events that name their system or agent (`system_name`, `agent_name`)
 * are filtered by them; events that name neither count for the whole workspace.
 */
export async function guardStats(
  database: Queryable,
  workspaceId: string,
  filters: ReportFilters,
): Promise<GuardStats> {
  const where = scoped(workspaceId, filters, { time: 'received_at' })
  for (const [field, value] of [
    ['system_name', filters.systemName],
    ['agent_name', filters.agentName],
  ] as const) {
    if (value === undefined) continue
    where.params.push(value)
    where.clauses.push(`coalesce(event->>'${field}', $${where.params.length}) = $${where.params.length}`)
  }
  const sql = where.toSql()
  const [totals, sites] = await Promise.all([
    database.query<{ unattested: number; attested: number }>(
      `select coalesce(sum(calls) filter (where unattested), 0)::bigint as unattested,
              coalesce(sum(calls) filter (where not unattested), 0)::bigint as attested
         from guard_events ${sql}`,
      where.params,
    ),
    database.query<{ call_site: string | null; call: string; unattested: number }>(
      `select event->>'call_site' as call_site, call, sum(calls)::bigint as unattested
         from guard_events ${sql} and unattested group by 1, 2 order by 3 desc, 1 limit 20`,
      where.params,
    ),
  ])
  const unattested = Number(totals.rows[0]?.unattested ?? 0)
  const attested = Number(totals.rows[0]?.attested ?? 0)
  return {
    unattested,
    attested,
    reporting: unattested + attested > 0,
    call_sites: sites.rows.map((row) => ({
      call_site: row.call_site ?? '(unknown)',
      call: row.call,
      unattested: Number(row.unattested),
    })),
  }
}

/** Human approvals requested in scope. */
export interface ApprovalStats {
  requested: number
  approved: number
  rejected: number
  expired: number
  cancelled: number
  pending: number
  /** Distinct people (or keys) who decided. */
  deciders: string[]
  /** Median and 90th percentile of the time from request to decision, in seconds. */
  median_decision_seconds: number | null
  p90_decision_seconds: number | null
  /** Approved requests whose token an attested action used. */
  consumed: number
}

export async function approvalStats(
  database: Queryable,
  workspaceId: string,
  filters: ReportFilters,
): Promise<ApprovalStats> {
  const where = scoped(workspaceId, filters, {
    time: 'requested_at',
    system: 'system_name',
    agent: 'agent_name',
  })
  const sql = where.toSql()
  const [totals, deciders] = await Promise.all([
    database.query<Record<string, unknown>>(
      `select count(*)::int as requested,
              count(*) filter (where status = 'approved')::int as approved,
              count(*) filter (where status = 'rejected')::int as rejected,
              count(*) filter (where status = 'expired')::int as expired,
              count(*) filter (where status = 'cancelled')::int as cancelled,
              count(*) filter (where status = 'pending')::int as pending,
              count(*) filter (where consumed_at is not null)::int as consumed,
              percentile_cont(0.5) within group (order by extract(epoch from decided_at - requested_at))
                filter (where decided_at is not null) as median_seconds,
              percentile_cont(0.9) within group (order by extract(epoch from decided_at - requested_at))
                filter (where decided_at is not null) as p90_seconds
         from approvals ${sql}`,
      where.params,
    ),
    database.query<{ decided_by: string }>(
      `select distinct decided_by from approvals ${sql} and decided_by is not null order by 1 limit 100`,
      where.params,
    ),
  ])
  const row = totals.rows[0] ?? {}
  const number = (name: string): number => Number(row[name] ?? 0)
  const seconds = (name: string): number | null =>
    row[name] === null || row[name] === undefined ? null : Math.round(Number(row[name]) * 10) / 10
  return {
    requested: number('requested'),
    approved: number('approved'),
    rejected: number('rejected'),
    expired: number('expired'),
    cancelled: number('cancelled'),
    pending: number('pending'),
    consumed: number('consumed'),
    deciders: deciders.rows.map((item) => item.decided_by),
    median_decision_seconds: seconds('median_seconds'),
    p90_decision_seconds: seconds('p90_seconds'),
  }
}

/**
 * Runtime policy decisions in scope: the rows reported to `POST …/policy/decisions` (they name an
 * agent, not a system) and the decisions attested as `policy.decision` attestations (the MCP proxy's,
 * `createDecisionAttester`'s), each decision counted once by its id.
 */
export interface DecisionStats {
  total: number
  by_decision: Record<string, number>
  by_policy: { policy_name: string; decision: string; count: number }[]
}

/** A text field of an attested decision's metadata (NULL when absent or not a string). */
const decisionField = (name: string): string =>
  `case when json_typeof(record->'metadata'->'${name}') = 'string' then record->'metadata'->>'${name}' end`

export async function decisionStats(
  database: Queryable,
  workspaceId: string,
  filters: ReportFilters,
): Promise<DecisionStats> {
  const reported = scoped(workspaceId, filters, { time: 'decided_at', agent: 'agent' })
  // the attested decisions' placeholders number on from the reported ones'
  const attested = new WhereBuilder()
  attested.params.push(...reported.params)
  attested
    .add('workspace_id = $?', workspaceId)
    .add('received_at >= $?', timeFilter(filters.since, 'since'))
    .add('received_at < $?', timeFilter(filters.until, 'until'))
    .add('system_name = $?', filters.systemName)
    .add(`coalesce(${decisionField('agent')}, agent_name) = $?`, filters.agentName)
  const { rows } = await database.query<{ policy_name: string; decision: string; count: number }>(
    `select policy_name, decision, count(*)::int as count from (
       select decision_id, policy_name, decision from policy_decisions ${reported.toSql()}
       union
       select coalesce(${decisionField('decision_id')}, attestation_id),
              coalesce(${decisionField('policy_id')}, tool_name),
              coalesce(${decisionField('decision')}, 'unknown')
         from attestations ${attested.toSql()} and operation = 'policy.decision'
     ) as decisions
     group by 1, 2 order by 3 desc, 1, 2 limit 200`,
    attested.params,
  )
  const byDecision: Record<string, number> = {}
  let total = 0
  for (const row of rows) {
    byDecision[row.decision] = (byDecision[row.decision] ?? 0) + Number(row.count)
    total += Number(row.count)
  }
  return {
    total,
    by_decision: byDecision,
    by_policy: rows.map((row) => ({ ...row, count: Number(row.count) })),
  }
}

/** GRC evidence in scope, per record type: in the period, and ever (up to the period's end). */
export interface EvidenceStats {
  in_period: Record<string, number>
  ever: Record<string, number>
  /** Validated client signatures among the records in the period. */
  signed_in_period: number
  total_in_period: number
}

/** Evidence names a system, never an agent: the agent filter does not apply to it. */
export async function evidenceStats(
  database: Queryable,
  workspaceId: string,
  filters: ReportFilters,
): Promise<EvidenceStats> {
  const since = timeFilter(filters.since, 'since')
  const where = new WhereBuilder()
    .add('workspace_id = $?', workspaceId)
    .add('received_at < $?', timeFilter(filters.until, 'until'))
    .add('system_name = $?', filters.systemName)
  const sinceParam = since ?? null
  where.params.push(sinceParam)
  const sinceIndex = where.params.length
  const { rows } = await database.query<{
    record_type: string
    ever: number
    in_period: number
    signed: number
  }>(
    `select record_type, count(*)::int as ever,
            count(*) filter (where $${sinceIndex}::timestamptz is null or received_at >= $${sinceIndex}::timestamptz)::int as in_period,
            count(*) filter (where ($${sinceIndex}::timestamptz is null or received_at >= $${sinceIndex}::timestamptz)
                               and client_sig_status = 'verified')::int as signed
       from grc_evidence ${where.toSql()} group by 1 order by 1`,
    where.params,
  )
  const inPeriod: Record<string, number> = {}
  const ever: Record<string, number> = {}
  let signed = 0
  let total = 0
  for (const row of rows) {
    ever[row.record_type] = Number(row.ever)
    if (Number(row.in_period) > 0) inPeriod[row.record_type] = Number(row.in_period)
    signed += Number(row.signed)
    total += Number(row.in_period)
  }
  return { in_period: inPeriod, ever, signed_in_period: signed, total_in_period: total }
}
