import type { Queryable } from '../storage/database'
import { type BudgetState, budgetState, COUNTER_COLUMNS, type CounterRow } from './budget-counters'
import { applicableBudgets, type CallScope, windowKey } from './budget-definitions'

/** The state of every budget that applies to a scope now, with its spend per model. */
export async function budgetSnapshot(
  database: Queryable,
  workspaceId: string,
  scope: CallScope,
  now: Date,
): Promise<
  (BudgetState & { models: { model: string; cost_usd: number; tokens: number; calls: number }[] })[]
> {
  const budgets = await applicableBudgets(database, workspaceId, scope)
  const result = []
  for (const budget of budgets) {
    const window = windowKey(budget.period, now, scope.sessionId)
    const { rows } = await database.query<CounterRow>(
      `select ${COUNTER_COLUMNS} from budget_counters where workspace_id = $1 and budget_id = $2 and window_key = $3`,
      [workspaceId, budget.budget_id, window],
    )
    const counter: CounterRow = rows[0] ?? {
      budget_id: budget.budget_id,
      window_key: window,
      spent_usd: 0,
      reserved_usd: 0,
      spent_tokens: 0,
      reserved_tokens: 0,
      calls: 0,
      alert_level: 0,
      started_at: now,
    }
    const models = await database.query<{ model: string; cost_usd: string; tokens: string; calls: string }>(
      `select model, cost_usd, tokens, calls from budget_model_usage
       where workspace_id = $1 and budget_id = $2 and window_key = $3 order by cost_usd desc, model`,
      [workspaceId, budget.budget_id, window],
    )
    result.push({
      ...budgetState(budget, counter),
      models: models.rows.map((row) => ({
        model: row.model,
        cost_usd: Number(row.cost_usd),
        tokens: Number(row.tokens),
        calls: Number(row.calls),
      })),
    })
  }
  return result
}
