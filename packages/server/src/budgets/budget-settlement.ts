import type { Queryable } from '../storage/database'
import { COUNTER_COLUMNS, type CounterRow, EPSILON, lockCounters } from './budget-counters'
import { applicableBudgets, type CallScope } from './budget-definitions'

// Settlements: what calls really cost moves from their lease's reservation (or straight onto the
// applicable budgets) to the spent counters, per model; crossing an alert threshold is reported.

/** One settlement: what a call (or several, `calls`) really cost. */
export interface Settlement {
  leaseId?: string | undefined
  scope: CallScope
  model: string
  usd: number
  tokens: number
  calls: number
}

/** A threshold crossed by a settlement (raised as `budget.threshold`). */
export interface ThresholdCrossing {
  budget_id: string
  scope: string
  scope_value: string
  period: string
  window: string
  threshold: number
  spent_usd: number
  limit_usd: number | null
  spent_tokens: number
  limit_tokens: number | null
}

/**
 * Records what calls really cost: moves the amount from the lease's reservation (when it still
 * holds one) to the spent counters, or adds it to the applicable budgets' counters directly
 * (usage tracked without a check). Returns the alert thresholds crossed.
 */
export async function settleUsage(
  transaction: Queryable,
  workspaceId: string,
  settlements: readonly Settlement[],
  now: Date,
): Promise<ThresholdCrossing[]> {
  const crossings: ThresholdCrossing[] = []
  for (const settlement of settlements) {
    const counters =
      settlement.leaseId === undefined
        ? undefined
        : await settleFromLease(transaction, workspaceId, settlement)
    for (const counter of counters ?? (await settleDirectly(transaction, workspaceId, settlement, now))) {
      const crossing = await crossedThreshold(transaction, workspaceId, counter)
      if (crossing !== undefined) crossings.push(crossing)
    }
  }
  return crossings
}

const RETURNED_COUNTER = `${COUNTER_COLUMNS.split(', ')
  .map((column) => `c.${column}`)
  .join(', ')}, b.scope_kind, b.scope_value, b.period, b.limit_usd, b.limit_tokens, b.alert_thresholds`

/**
 * Settles against the lease's reservation, in one statement: takes the amount from each part of the
 * lease (at most what the part holds), moves it to spent on that part's counter and adds it to the
 * per-model usage. `undefined` when the lease is unknown (expired and swept, or never held here).
 */
async function settleFromLease(
  transaction: Queryable,
  workspaceId: string,
  settlement: Settlement,
): Promise<CounterWithBudget[] | undefined> {
  const { rows } = await transaction.query<CounterWithBudget & { parts: string | number }>(
    `with held as (
       select budget_id, usd, tokens from budget_leases where workspace_id = $1 and lease_id = $2
       order by budget_id for update
     ), taken as (
       update budget_leases l set usd = l.usd - least(h.usd, $3::numeric), tokens = l.tokens - least(h.tokens, $4::bigint)
       from held h where l.workspace_id = $1 and l.lease_id = $2 and l.budget_id = h.budget_id
       returning l.budget_id, l.window_key, least(h.usd, $3::numeric) as usd, least(h.tokens, $4::bigint) as tokens
     ), spent as (
       update budget_counters c set spent_usd = c.spent_usd + $3::numeric, spent_tokens = c.spent_tokens + $4::bigint,
         reserved_usd = greatest(0, c.reserved_usd - t.usd), reserved_tokens = greatest(0, c.reserved_tokens - t.tokens),
         calls = c.calls + $6, updated_at = now()
       from taken t, budgets b
       where c.workspace_id = $1 and c.budget_id = t.budget_id and c.window_key = t.window_key
         and b.workspace_id = c.workspace_id and b.budget_id = c.budget_id
       returning ${RETURNED_COUNTER}
     ), per_model as (
       insert into budget_model_usage (workspace_id, budget_id, window_key, model, cost_usd, tokens, calls)
       select $1, t.budget_id, t.window_key, $5, $3::numeric, $4::bigint, $6 from taken t
       on conflict (workspace_id, budget_id, window_key, model) do update set
         cost_usd = budget_model_usage.cost_usd + excluded.cost_usd, tokens = budget_model_usage.tokens + excluded.tokens,
         calls = budget_model_usage.calls + excluded.calls
     )
     select (select count(*) from held) as parts, s.* from (select 1) as one left join spent s on true`,
    [workspaceId, settlement.leaseId, settlement.usd, settlement.tokens, settlement.model, settlement.calls],
  )
  if (Number(rows[0]?.parts ?? 0) === 0) return undefined
  return rows.filter((row) => row.budget_id !== null)
}

/** Settles usage tracked without a (known) lease straight onto the budgets that apply. */
async function settleDirectly(
  transaction: Queryable,
  workspaceId: string,
  settlement: Settlement,
  now: Date,
): Promise<CounterWithBudget[]> {
  const budgets = await applicableBudgets(transaction, workspaceId, settlement.scope)
  if (budgets.length === 0) return []
  const counters = await lockCounters(transaction, workspaceId, budgets, now, settlement.scope.sessionId)
  const updated: CounterWithBudget[] = []
  for (const budget of budgets) {
    const window = (counters.get(budget.budget_id) as CounterRow).window_key
    const { rows } = await transaction.query<CounterWithBudget>(
      `update budget_counters c set spent_usd = c.spent_usd + $4::numeric, spent_tokens = c.spent_tokens + $5::bigint,
         calls = c.calls + $6, updated_at = now()
       from budgets b
       where c.workspace_id = $1 and c.budget_id = $2 and c.window_key = $3
         and b.workspace_id = c.workspace_id and b.budget_id = c.budget_id
       returning ${RETURNED_COUNTER}`,
      [workspaceId, budget.budget_id, window, settlement.usd, settlement.tokens, settlement.calls],
    )
    await transaction.query(
      `insert into budget_model_usage (workspace_id, budget_id, window_key, model, cost_usd, tokens, calls)
       values ($1, $2, $3, $4, $5::numeric, $6::bigint, $7)
       on conflict (workspace_id, budget_id, window_key, model) do update set
         cost_usd = budget_model_usage.cost_usd + excluded.cost_usd, tokens = budget_model_usage.tokens + excluded.tokens,
         calls = budget_model_usage.calls + excluded.calls`,
      [
        workspaceId,
        budget.budget_id,
        window,
        settlement.model,
        settlement.usd,
        settlement.tokens,
        settlement.calls,
      ],
    )
    updated.push(...rows)
  }
  return updated
}

/** A counter updated by a settlement, with its budget's limits and alert thresholds. */
interface CounterWithBudget extends CounterRow {
  scope_kind: string
  scope_value: string
  period: string
  limit_usd: string | null
  limit_tokens: string | null
  alert_thresholds: number[]
}

async function crossedThreshold(
  transaction: Queryable,
  workspaceId: string,
  counter: CounterWithBudget,
): Promise<ThresholdCrossing | undefined> {
  const budget = counter
  const limitUsd = budget.limit_usd === null ? null : Number(budget.limit_usd)
  const limitTokens = budget.limit_tokens === null ? null : Number(budget.limit_tokens)
  const spentUsd = Number(counter.spent_usd)
  const spentTokens = Number(counter.spent_tokens)
  const ratio = Math.max(
    limitUsd === null || limitUsd === 0 ? 0 : spentUsd / limitUsd,
    limitTokens === null || limitTokens === 0 ? 0 : spentTokens / limitTokens,
  )
  const level = Number(counter.alert_level)
  const reached = budget.alert_thresholds.filter(
    (threshold) => ratio + EPSILON >= threshold && threshold > level,
  )
  const threshold = reached[reached.length - 1]
  if (threshold === undefined) return undefined
  await transaction.query(
    'update budget_counters set alert_level = $4 where workspace_id = $1 and budget_id = $2 and window_key = $3',
    [workspaceId, counter.budget_id, counter.window_key, threshold],
  )
  return {
    budget_id: counter.budget_id,
    scope: budget.scope_kind,
    scope_value: budget.scope_value,
    period: budget.period,
    window: counter.window_key,
    threshold,
    spent_usd: spentUsd,
    limit_usd: limitUsd,
    spent_tokens: spentTokens,
    limit_tokens: limitTokens,
  }
}
