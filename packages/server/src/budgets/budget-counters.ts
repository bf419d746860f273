import type { Queryable } from '../storage/database'
import { type BudgetDefinition, windowKey } from './budget-definitions'

// The budget counters: one row per (budget, window) holding what was spent and what is reserved.
// Every module that changes them locks them through `lockCounters`, in one fixed order.

/** One budget's state as a lease or a snapshot reports it. */
export interface BudgetState {
  budget_id: string
  scope: string
  scope_value: string
  period: string
  window: string
  limit_usd: number | null
  limit_tokens: number | null
  spent_usd: number
  reserved_usd: number
  spent_tokens: number
  reserved_tokens: number
  calls: number
  /** `limit - spent - reserved` (null without a limit). */
  remaining_usd: number | null
  remaining_tokens: number | null
  session_started_at?: string
  session_ends_at?: string | null
}

/** A `budget_counters` row as the database returns it (numerics may come back as strings). */
export interface CounterRow {
  budget_id: string
  window_key: string
  spent_usd: string | number
  reserved_usd: string | number
  spent_tokens: string | number
  reserved_tokens: string | number
  calls: string | number
  alert_level: string | number
  started_at: Date
}

export const COUNTER_COLUMNS =
  'budget_id, window_key, spent_usd, reserved_usd, spent_tokens, reserved_tokens, calls, alert_level, started_at'
/** Tolerance of the floating-point comparisons against limits and thresholds. */
export const EPSILON = 1e-9

/** A budget's state from its definition and its counter in the current window. */
export function budgetState(budget: BudgetDefinition, counter: CounterRow): BudgetState {
  const spentUsd = Number(counter.spent_usd)
  const reservedUsd = Number(counter.reserved_usd)
  const spentTokens = Number(counter.spent_tokens)
  const reservedTokens = Number(counter.reserved_tokens)
  const result: BudgetState = {
    budget_id: budget.budget_id,
    scope: budget.scope,
    scope_value: budget.scope_value,
    period: budget.period,
    window: counter.window_key,
    limit_usd: budget.limit_usd,
    limit_tokens: budget.limit_tokens,
    spent_usd: spentUsd,
    reserved_usd: reservedUsd,
    spent_tokens: spentTokens,
    reserved_tokens: reservedTokens,
    calls: Number(counter.calls),
    remaining_usd: budget.limit_usd === null ? null : budget.limit_usd - spentUsd - reservedUsd,
    remaining_tokens:
      budget.limit_tokens === null ? null : budget.limit_tokens - spentTokens - reservedTokens,
  }
  if (budget.period === 'session') {
    result.session_started_at = new Date(counter.started_at).toISOString()
    result.session_ends_at =
      budget.max_session_seconds === null
        ? null
        : new Date(new Date(counter.started_at).getTime() + budget.max_session_seconds * 1000).toISOString()
  }
  return result
}

/** Ensures the counters of `budgets` at `now` exist, locks them in a fixed order, returns them. */
export async function lockCounters(
  transaction: Queryable,
  workspaceId: string,
  budgets: readonly BudgetDefinition[],
  now: Date,
  sessionId: string | undefined,
): Promise<Map<string, CounterRow>> {
  const keys = budgets.map((budget) => ({ b: budget.budget_id, w: windowKey(budget.period, now, sessionId) }))
  // One statement creates the missing counters and locks them all (an upsert locks the row it
  // conflicts with), in budget order, so concurrent leases never lock in opposite orders.
  const { rows } = await transaction.query<CounterRow>(
    `insert into budget_counters (workspace_id, budget_id, window_key)
     select $1, k.b, k.w from json_to_recordset($2::json) as k(b text, w text) order by k.b, k.w
     on conflict (workspace_id, budget_id, window_key) do update set budget_id = excluded.budget_id
     returning ${COUNTER_COLUMNS}`,
    [workspaceId, JSON.stringify(keys)],
  )
  return new Map(rows.map((row) => [row.budget_id, row]))
}
