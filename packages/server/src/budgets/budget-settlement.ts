import type { Queryable } from '../storage/database'
import { type CounterRow, EPSILON, roundUsd, scopeArguments } from './budget-counters'
import type { CallScope } from './budget-definitions'

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
    // One call moves the cost from the lease (or onto the applicable budgets) and returns each
    // counter updated, with its budget's limits and thresholds: no second read to check them.
    const { rows } = await transaction.query<CounterWithBudget>(
      'select * from mima_budget_settle($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
      [
        workspaceId,
        settlement.leaseId ?? null,
        ...scopeArguments(settlement.scope, now),
        settlement.model,
        roundUsd(settlement.usd),
        settlement.tokens,
        settlement.calls,
      ],
    )
    for (const counter of rows) {
      const crossing = await crossedThreshold(transaction, workspaceId, counter)
      if (crossing !== undefined) crossings.push(crossing)
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
