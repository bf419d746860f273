import type { Queryable } from '../storage/database'
import { roundUsd, windowArguments } from './budget-counters'
import type { CallScope } from './budget-definitions'

// Settlements: what calls really cost moves from their lease's reservation (or straight onto the
// applicable budgets) to the spent counters, per model; the alert thresholds crossed are recorded
// on the counters (`alert_level`) in the same statement and raised as events after the commit
// (budget-alerts.ts).

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

/** The settlements as `mima_budget_settle_many` and `mima_budget_lease` take them (064). */
export function settlementsOf(settlements: readonly Settlement[]): object[] | null {
  if (settlements.length === 0) return null
  return settlements.map((settlement) => ({
    lease: settlement.leaseId ?? null,
    system: settlement.scope.systemName,
    agent: settlement.scope.agentName ?? null,
    user: settlement.scope.user ?? null,
    session: settlement.scope.sessionId ?? null,
    model: settlement.model,
    usd: roundUsd(settlement.usd),
    tokens: settlement.tokens,
    calls: settlement.calls,
  }))
}

/**
 * Records what calls really cost: moves the amount from the lease's reservation (when it still
 * holds one) to the spent counters, or adds it to the applicable budgets' counters directly
 * (usage tracked without a check). Returns the alert thresholds crossed (already recorded).
 */
export async function settleUsage(
  transaction: Queryable,
  workspaceId: string,
  settlements: readonly Settlement[],
  now: Date,
): Promise<ThresholdCrossing[]> {
  const list = settlementsOf(settlements)
  if (list === null) return []
  const [day, month] = windowArguments(now)
  const { rows } = await transaction.query<{ crossings: ThresholdCrossing[] }>(
    'select mima_budget_settle_many($1, $2, $3, $4) as crossings',
    [workspaceId, JSON.stringify(list), day, month],
  )
  return toCrossings(rows[0]?.crossings ?? [])
}

/** Crossings as the functions return them (JSON numbers), typed. */
export function toCrossings(raw: readonly ThresholdCrossing[]): ThresholdCrossing[] {
  return raw.map((crossing) => ({
    ...crossing,
    threshold: Number(crossing.threshold),
    spent_usd: Number(crossing.spent_usd),
    limit_usd: crossing.limit_usd === null ? null : Number(crossing.limit_usd),
    spent_tokens: Number(crossing.spent_tokens),
    limit_tokens: crossing.limit_tokens === null ? null : Number(crossing.limit_tokens),
  }))
}
