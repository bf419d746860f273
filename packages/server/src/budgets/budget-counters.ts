import { type BudgetDefinition, type CallScope, windowKey } from './budget-definitions'

// The budget counters: one row per (budget, window) holding what was spent and what is reserved.
// Every function that changes them locks them through `mima_budget_lock`, in one fixed order.

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

/**
 * A dollar amount on the grid of 1e-12 USD that every amount is stored on. Amounts arrive as
 * JavaScript numbers (`0.1 * 3` is 0.30000000000000004); stored as they are, a reservation and the
 * settlements that consume it leave dust such as 4e-17 reserved forever. On one grid, the numeric
 * columns add and subtract exactly.
 */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e12) / 1e12
}

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

/** The windows at `now` as the budget functions take them: the UTC day and month keys. */
export function windowArguments(now: Date): [string, string] {
  return [windowKey('day', now, undefined), windowKey('month', now, undefined)]
}

/** The scope's arguments to the budget functions (063): who calls, and the windows at `now`. */
export function scopeArguments(scope: CallScope, now: Date): (string | null)[] {
  return [
    scope.systemName,
    scope.agentName ?? null,
    scope.user ?? null,
    scope.sessionId ?? null,
    ...windowArguments(now),
  ]
}
