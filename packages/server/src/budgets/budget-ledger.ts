import { randomBytes } from 'node:crypto'
import type { Queryable } from '../storage/database'
import { applicableBudgets, type BudgetDefinition, type CallScope, windowKey } from './budget-definitions'

/** A lease request: `units` calls of `unit_usd` / `unit_tokens` each, at least `minUnits`. */
export interface LeaseRequest {
  scope: CallScope
  unitUsd: number
  unitTokens: number
  units: number
  minUnits: number
  ttlSeconds: number
}

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

/** What a lease request got. `granted` 0 means refused (`denied_by` says which budget). */
export interface LeaseGrant {
  lease_id: string | null
  granted: number
  usd: number
  tokens: number
  expires_at: string
  /** No budget applies to the scope: the caller may spend freely until `expires_at`. */
  unlimited: boolean
  budgets: BudgetState[]
  denied_by?: { budget_id: string; reason: 'limit_usd' | 'limit_tokens' | 'session_time' } | undefined
}

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

interface CounterRow {
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

const COUNTER_COLUMNS =
  'budget_id, window_key, spent_usd, reserved_usd, spent_tokens, reserved_tokens, calls, alert_level, started_at'
const EPSILON = 1e-9

function state(budget: BudgetDefinition, counter: CounterRow): BudgetState {
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
async function lockCounters(
  transaction: Queryable,
  workspaceId: string,
  budgets: readonly BudgetDefinition[],
  now: Date,
  sessionId: string | undefined,
): Promise<Map<string, CounterRow>> {
  const keys = budgets.map((budget) => ({ b: budget.budget_id, w: windowKey(budget.period, now, sessionId) }))
  const json = JSON.stringify(keys)
  await transaction.query(
    `insert into budget_counters (workspace_id, budget_id, window_key)
     select $1, k.b, k.w from json_to_recordset($2::json) as k(b text, w text)
     on conflict do nothing`,
    [workspaceId, json],
  )
  const { rows } = await transaction.query<CounterRow>(
    `select ${COUNTER_COLUMNS} from budget_counters c
     where c.workspace_id = $1 and (c.budget_id, c.window_key) in (select k.b, k.w from json_to_recordset($2::json) as k(b text, w text))
     order by c.budget_id, c.window_key for update`,
    [workspaceId, json],
  )
  return new Map(rows.map((row) => [row.budget_id, row]))
}

/** Returns expired leases' remainders to their counters. */
export async function expireLeases(transaction: Queryable, workspaceId: string, now: Date): Promise<void> {
  const { rows } = await transaction.query<{ lease_id: string }>(
    `select distinct lease_id from budget_leases where workspace_id = $1 and expires_at <= $2 limit 1000`,
    [workspaceId, now.toISOString()],
  )
  for (const row of rows) await releaseLease(transaction, workspaceId, row.lease_id)
}

/** Returns a lease's unspent remainder to its counters and forgets it (a no-op when unknown). */
export async function releaseLease(
  transaction: Queryable,
  workspaceId: string,
  leaseId: string,
): Promise<void> {
  const { rows } = await transaction.query<{
    budget_id: string
    window_key: string
    usd: string
    tokens: string
  }>(
    `delete from budget_leases where workspace_id = $1 and lease_id = $2 returning budget_id, window_key, usd, tokens`,
    [workspaceId, leaseId],
  )
  for (const part of rows) {
    await transaction.query(
      `update budget_counters set reserved_usd = greatest(0, reserved_usd - $4::numeric),
         reserved_tokens = greatest(0, reserved_tokens - $5::bigint), updated_at = now()
       where workspace_id = $1 and budget_id = $2 and window_key = $3`,
      [workspaceId, part.budget_id, part.window_key, part.usd, part.tokens],
    )
  }
}

/**
 * Returns part of a lease's reservation (what its holder will not spend) to the counters, keeping
 * the rest reserved for the calls still in flight on it.
 */
export async function returnLeasePortion(
  transaction: Queryable,
  workspaceId: string,
  portion: { leaseId: string; usd: number; tokens: number },
): Promise<void> {
  const { rows } = await transaction.query<{
    budget_id: string
    window_key: string
    usd: string
    tokens: string
  }>(
    `select budget_id, window_key, usd, tokens from budget_leases where workspace_id = $1 and lease_id = $2
     order by budget_id for update`,
    [workspaceId, portion.leaseId],
  )
  for (const part of rows) {
    const usd = Math.min(Number(part.usd), portion.usd)
    const tokens = Math.min(Number(part.tokens), portion.tokens)
    await transaction.query(
      `update budget_leases set usd = usd - $4::numeric, tokens = tokens - $5::bigint
       where workspace_id = $1 and lease_id = $2 and budget_id = $3`,
      [workspaceId, portion.leaseId, part.budget_id, usd, tokens],
    )
    await transaction.query(
      `update budget_counters set reserved_usd = greatest(0, reserved_usd - $4::numeric),
         reserved_tokens = greatest(0, reserved_tokens - $5::bigint), updated_at = now()
       where workspace_id = $1 and budget_id = $2 and window_key = $3`,
      [workspaceId, part.budget_id, part.window_key, usd, tokens],
    )
  }
}

/**
 * Reserves up to `units` calls' projected cost on every budget that applies, atomically: the
 * counters are locked in a fixed order, the grant is what the tightest budget allows (at most a
 * quarter of what is left once that is more than one call, so processes share a budget near its
 * end), and the reservation is recorded as a lease that settles or expires.
 */
export async function acquireLease(
  transaction: Queryable,
  workspaceId: string,
  request: LeaseRequest,
  now: Date,
): Promise<LeaseGrant> {
  const budgets = await applicableBudgets(transaction, workspaceId, request.scope)
  let expires = now.getTime() + request.ttlSeconds * 1000
  if (budgets.length === 0) {
    return {
      lease_id: null,
      granted: request.units,
      usd: request.unitUsd * request.units,
      tokens: request.unitTokens * request.units,
      expires_at: new Date(expires).toISOString(),
      unlimited: true,
      budgets: [],
    }
  }
  const counters = await lockCounters(transaction, workspaceId, budgets, now, request.scope.sessionId)
  let available = request.units
  let deniedBy: LeaseGrant['denied_by']
  const states: BudgetState[] = []
  for (const budget of budgets) {
    const counter = counters.get(budget.budget_id) as CounterRow
    const current = state(budget, counter)
    states.push(current)
    const limit = (
      remaining: number | null,
      unit: number,
      spent: number,
      cap: number | null,
      reason: 'limit_usd' | 'limit_tokens',
    ): void => {
      if (remaining === null || cap === null) return
      const fits = unit > 0 ? Math.floor(remaining / unit + EPSILON) : spent < cap ? request.units : 0
      if (fits < available) {
        available = Math.max(0, fits)
        if (available < request.minUnits) deniedBy ??= { budget_id: budget.budget_id, reason }
      }
    }
    limit(current.remaining_usd, request.unitUsd, current.spent_usd, budget.limit_usd, 'limit_usd')
    limit(
      current.remaining_tokens,
      request.unitTokens,
      current.spent_tokens,
      budget.limit_tokens,
      'limit_tokens',
    )
    if (budget.period === 'session' && budget.max_session_seconds !== null) {
      const ends = new Date(counter.started_at).getTime() + budget.max_session_seconds * 1000
      if (ends <= now.getTime()) {
        available = 0
        deniedBy ??= { budget_id: budget.budget_id, reason: 'session_time' }
      }
      expires = Math.min(expires, ends)
    }
  }
  const share = available <= 1 ? available : Math.max(1, Math.ceil(available / 4))
  const granted = Math.min(request.units, share)
  if (granted < request.minUnits || granted === 0) {
    return {
      lease_id: null,
      granted: 0,
      usd: 0,
      tokens: 0,
      expires_at: new Date(now).toISOString(),
      unlimited: false,
      budgets: states,
      denied_by: deniedBy ?? { budget_id: budgets[0]?.budget_id ?? '', reason: 'limit_usd' },
    }
  }
  const leaseId = `lease_${randomBytes(12).toString('base64url')}`
  const usd = request.unitUsd * granted
  const tokens = request.unitTokens * granted
  const expiresAt = new Date(expires).toISOString()
  const parts = budgets.map((budget) => ({
    b: budget.budget_id,
    w: (counters.get(budget.budget_id) as CounterRow).window_key,
  }))
  await transaction.query(
    `update budget_counters c set reserved_usd = reserved_usd + $3::numeric, reserved_tokens = reserved_tokens + $4::bigint,
       updated_at = now()
     from json_to_recordset($2::json) as k(b text, w text)
     where c.workspace_id = $1 and c.budget_id = k.b and c.window_key = k.w`,
    [workspaceId, JSON.stringify(parts), usd, tokens],
  )
  await transaction.query(
    `insert into budget_leases (workspace_id, lease_id, budget_id, window_key, usd, tokens, expires_at)
     select $1, $2, k.b, k.w, $3::numeric, $4::bigint, $5::timestamptz from json_to_recordset($6::json) as k(b text, w text)`,
    [workspaceId, leaseId, usd, tokens, expiresAt, JSON.stringify(parts)],
  )
  for (const current of states) {
    current.reserved_usd += usd
    current.reserved_tokens += tokens
    if (current.remaining_usd !== null) current.remaining_usd -= usd
    if (current.remaining_tokens !== null) current.remaining_tokens -= tokens
  }
  return { lease_id: leaseId, granted, usd, tokens, expires_at: expiresAt, unlimited: false, budgets: states }
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
      const { rows } = await transaction.query<CounterRow>(
        `update budget_counters set spent_usd = spent_usd + $4::numeric, spent_tokens = spent_tokens + $5::bigint,
           reserved_usd = greatest(0, reserved_usd - $6::numeric), reserved_tokens = greatest(0, reserved_tokens - $7::bigint),
           calls = calls + $8, updated_at = now()
         where workspace_id = $1 and budget_id = $2 and window_key = $3
         returning ${COUNTER_COLUMNS}`,
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

async function crossedThreshold(
  transaction: Queryable,
  workspaceId: string,
  counter: CounterRow,
): Promise<ThresholdCrossing | undefined> {
  const { rows } = await transaction.query<{
    scope_kind: string
    scope_value: string
    period: string
    limit_usd: string | null
    limit_tokens: string | null
    alert_thresholds: number[]
  }>(
    `select scope_kind, scope_value, period, limit_usd, limit_tokens, alert_thresholds from budgets
     where workspace_id = $1 and budget_id = $2`,
    [workspaceId, counter.budget_id],
  )
  const budget = rows[0]
  if (budget === undefined) return undefined
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
      ...state(budget, counter),
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
