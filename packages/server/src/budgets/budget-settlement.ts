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
    const parts =
      settlement.leaseId === undefined
        ? []
        : (
            await transaction.query<{ budget_id: string; window_key: string; usd: string; tokens: string }>(
              `select budget_id, window_key, usd, tokens from budget_leases where workspace_id = $1 and lease_id = $2
               order by budget_id for update`,
              [workspaceId, settlement.leaseId],
            )
          ).rows
    let targets: { budgetId: string; window: string; fromLeaseUsd: number; fromLeaseTokens: number }[]
    if (parts.length > 0) {
      targets = parts.map((part) => ({
        budgetId: part.budget_id,
        window: part.window_key,
        fromLeaseUsd: Math.min(Number(part.usd), settlement.usd),
        fromLeaseTokens: Math.min(Number(part.tokens), settlement.tokens),
      }))
      for (const target of targets) {
        await transaction.query(
          `update budget_leases set usd = usd - $4::numeric, tokens = tokens - $5::bigint
           where workspace_id = $1 and lease_id = $2 and budget_id = $3`,
          [workspaceId, settlement.leaseId, target.budgetId, target.fromLeaseUsd, target.fromLeaseTokens],
        )
      }
    } else {
      const budgets = await applicableBudgets(transaction, workspaceId, settlement.scope)
      if (budgets.length === 0) continue
      const counters = await lockCounters(transaction, workspaceId, budgets, now, settlement.scope.sessionId)
      targets = budgets.map((budget) => ({
        budgetId: budget.budget_id,
        window: (counters.get(budget.budget_id) as CounterRow).window_key,
        fromLeaseUsd: 0,
        fromLeaseTokens: 0,
      }))
    }
    for (const target of targets) {
      // The budget's limits and thresholds come back with the counter: no second read to check them.
      const { rows } = await transaction.query<CounterWithBudget>(
        `update budget_counters c set spent_usd = c.spent_usd + $4::numeric, spent_tokens = c.spent_tokens + $5::bigint,
           reserved_usd = greatest(0, c.reserved_usd - $6::numeric), reserved_tokens = greatest(0, c.reserved_tokens - $7::bigint),
           calls = c.calls + $8, updated_at = now()
         from budgets b
         where c.workspace_id = $1 and c.budget_id = $2 and c.window_key = $3
           and b.workspace_id = c.workspace_id and b.budget_id = c.budget_id
         returning ${COUNTER_COLUMNS.split(', ')
           .map((column) => `c.${column}`)
           .join(
             ', ',
           )}, b.scope_kind, b.scope_value, b.period, b.limit_usd, b.limit_tokens, b.alert_thresholds`,
        [
          workspaceId,
          target.budgetId,
          target.window,
          settlement.usd,
          settlement.tokens,
          target.fromLeaseUsd,
          target.fromLeaseTokens,
          settlement.calls,
        ],
      )
      await transaction.query(
        `insert into budget_model_usage (workspace_id, budget_id, window_key, model, cost_usd, tokens, calls)
         values ($1, $2, $3, $4, $5::numeric, $6::bigint, $7)
         on conflict (workspace_id, budget_id, window_key, model) do update set
           cost_usd = budget_model_usage.cost_usd + excluded.cost_usd, tokens = budget_model_usage.tokens + excluded.tokens,
           calls = budget_model_usage.calls + excluded.calls`,
        [
          workspaceId,
          target.budgetId,
          target.window,
          settlement.model,
          settlement.usd,
          settlement.tokens,
          settlement.calls,
        ],
      )
      const counter = rows[0]
      if (counter !== undefined) {
        const crossing = await crossedThreshold(transaction, workspaceId, counter)
        if (crossing !== undefined) crossings.push(crossing)
      }
    }
  }
  return crossings
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
