import { httpError } from '../http/errors'
import { timeFilter, WhereBuilder } from '../http/pagination'
import type { Queryable } from '../storage/database'

/** What a spend report groups by. */
export type SpendGrouping =
  | 'day'
  | 'month'
  | 'model'
  | 'provider'
  | 'system'
  | 'agent'
  | 'user'
  | 'session'
  | 'tool'

/** Every grouping `GET …/usage` accepts. */
export const SPEND_GROUPINGS: readonly SpendGrouping[] = [
  'day',
  'month',
  'model',
  'provider',
  'system',
  'agent',
  'user',
  'session',
  'tool',
]

const GROUP_SQL: Record<SpendGrouping, string> = {
  day: `to_char(received_at at time zone 'UTC', 'YYYY-MM-DD')`,
  month: `to_char(received_at at time zone 'UTC', 'YYYY-MM')`,
  model: 'model_id',
  provider: 'provider',
  system: 'system_name',
  agent: 'agent_name',
  user: 'user_identity',
  session: 'session_id',
  tool: 'tool_name',
}

/** Filters of a spend report (all optional). */
export interface SpendFilters {
  since?: string | undefined
  until?: string | undefined
  systemName?: string | undefined
  agentName?: string | undefined
  modelId?: string | undefined
  user?: string | undefined
  sessionId?: string | undefined
}

/** One row of a spend report. `unpriced_calls` had tokens but no cost (model not in the price table). */
export interface SpendRow {
  key: string | null
  calls: number
  input_tokens: number
  output_tokens: number
  cached_tokens: number
  cost_usd: number
  unpriced_calls: number
  error_calls: number
}

/** The totals over every row of a report. */
export type SpendTotals = Omit<SpendRow, 'key'>

/** Parses `group_by` (422 for an unknown grouping). */
export function parseGrouping(value: string | undefined): SpendGrouping {
  const grouping = (value ?? 'day') as SpendGrouping
  if (!SPEND_GROUPINGS.includes(grouping)) {
    throw httpError('validation_failed', `group_by must be one of ${SPEND_GROUPINGS.join(', ')}.`, {
      field: 'group_by',
    })
  }
  return grouping
}

interface Row {
  key: string | null
  calls: number | string
  input_tokens: number | string
  output_tokens: number | string
  cached_tokens: number | string
  cost_usd: string | number
  unpriced_calls: number | string
  error_calls: number | string
}

const toRow = (row: Row): SpendRow => ({
  key: row.key,
  calls: Number(row.calls),
  input_tokens: Number(row.input_tokens),
  output_tokens: Number(row.output_tokens),
  cached_tokens: Number(row.cached_tokens),
  cost_usd: Number(row.cost_usd),
  unpriced_calls: Number(row.unpriced_calls),
  error_calls: Number(row.error_calls),
})

/**
 * Spend and usage of the model calls recorded in attestations (those carrying tokens or a cost),
 * grouped by day, month, model, provider, system, agent, user, session or tool; biggest spend
 * first, except for days and months (oldest first). Time is the server's receipt time, in UTC.
 */
export async function spendReport(
  database: Queryable,
  workspaceId: string,
  grouping: SpendGrouping,
  filters: SpendFilters,
): Promise<{ group_by: SpendGrouping; rows: SpendRow[]; totals: SpendTotals }> {
  const where = new WhereBuilder()
    .add('workspace_id = $?', workspaceId)
    .add('received_at >= $?', timeFilter(filters.since, 'since'))
    .add('received_at < $?', timeFilter(filters.until, 'until'))
    .add('system_name = $?', filters.systemName)
    .add('agent_name = $?', filters.agentName)
    .add('model_id = $?', filters.modelId)
    .add('user_identity = $?', filters.user)
    .add('session_id = $?', filters.sessionId)
  where.clauses.push('(input_tokens is not null or output_tokens is not null or cost_usd is not null)')
  const order = grouping === 'day' || grouping === 'month' ? '1 asc' : 'sum(cost_usd) desc nulls last, 1 asc'
  const { rows } = await database.query<Row>(
    `select ${GROUP_SQL[grouping]} as key, count(*) as calls,
       coalesce(sum(input_tokens), 0) as input_tokens, coalesce(sum(output_tokens), 0) as output_tokens,
       coalesce(sum(cached_tokens), 0) as cached_tokens, coalesce(sum(cost_usd), 0)::text as cost_usd,
       count(*) filter (where cost_usd is null) as unpriced_calls,
       count(*) filter (where outcome = 'error') as error_calls
     from attestations ${where.toSql()} group by 1 order by ${order} limit 10000`,
    where.params,
  )
  const report = rows.map(toRow)
  const totals: SpendTotals = {
    calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cached_tokens: 0,
    cost_usd: 0,
    unpriced_calls: 0,
    error_calls: 0,
  }
  for (const row of report) {
    totals.calls += row.calls
    totals.input_tokens += row.input_tokens
    totals.output_tokens += row.output_tokens
    totals.cached_tokens += row.cached_tokens
    totals.cost_usd += row.cost_usd
    totals.unpriced_calls += row.unpriced_calls
    totals.error_calls += row.error_calls
  }
  totals.cost_usd = Math.round(totals.cost_usd * 1e12) / 1e12
  return { group_by: grouping, rows: report, totals }
}

// A cell a spreadsheet would run as a formula gets a leading apostrophe.
function csvCell(value: string | number | null): string {
  if (value === null) return ''
  let text = String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The report as CSV (RFC 4180, header row first). */
export function spendCsv(grouping: SpendGrouping, rows: readonly SpendRow[]): string {
  const header = [
    grouping,
    'calls',
    'input_tokens',
    'output_tokens',
    'cached_tokens',
    'cost_usd',
    'unpriced_calls',
    'error_calls',
  ]
  const lines = [header.join(',')]
  for (const row of rows) {
    lines.push(
      [
        row.key,
        row.calls,
        row.input_tokens,
        row.output_tokens,
        row.cached_tokens,
        row.cost_usd,
        row.unpriced_calls,
        row.error_calls,
      ]
        .map(csvCell)
        .join(','),
    )
  }
  return `${lines.join('\r\n')}\r\n`
}
