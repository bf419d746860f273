import { randomBytes } from 'node:crypto'
import type { Queryable } from '../storage/database'
import {
  type BudgetState,
  budgetState,
  type CounterRow,
  EPSILON,
  lockApplicable,
  roundUsd,
} from './budget-counters'
import type { CallScope } from './budget-definitions'

// Leases: a reservation of projected cost on every budget that applies, taken atomically, then
// settled (budget-settlement.ts), partly returned, released or left to expire.

/** A lease request: `units` calls of `unit_usd` / `unit_tokens` each, at least `minUnits`. */
export interface LeaseRequest {
  scope: CallScope
  unitUsd: number
  unitTokens: number
  units: number
  minUnits: number
  ttlSeconds: number
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

/** Returns expired leases' remainders to their counters (at most 1000 leases a sweep). */
export async function expireLeases(transaction: Queryable, workspaceId: string, now: Date): Promise<void> {
  await transaction.query('select mima_budget_expire($1, $2)', [workspaceId, now.toISOString()])
}

/** Returns a lease's unspent remainder to its counters and forgets it (a no-op when unknown). */
export async function releaseLease(
  transaction: Queryable,
  workspaceId: string,
  leaseId: string,
): Promise<void> {
  await transaction.query('select mima_budget_release($1, $2)', [workspaceId, leaseId])
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
  await transaction.query('select mima_budget_return($1, $2, $3, $4)', [
    workspaceId,
    portion.leaseId,
    roundUsd(portion.usd),
    portion.tokens,
  ])
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
  const { budgets, counters } = await lockApplicable(transaction, workspaceId, request.scope, now)
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
  let available = request.units
  // Calls of this size the tightest budget still has room for (the quarter rule's base).
  let left = Number.POSITIVE_INFINITY
  let deniedBy: LeaseGrant['denied_by']
  const states: BudgetState[] = []
  for (const budget of budgets) {
    const counter = counters.get(budget.budget_id) as CounterRow
    const current = budgetState(budget, counter)
    states.push(current)
    const limit = (
      remaining: number | null,
      unit: number,
      spent: number,
      cap: number | null,
      reason: 'limit_usd' | 'limit_tokens',
    ): void => {
      if (remaining === null || cap === null) return
      const fits =
        unit > 0
          ? Math.max(0, Math.floor(remaining / unit + EPSILON))
          : spent < cap
            ? Number.POSITIVE_INFINITY
            : 0
      left = Math.min(left, fits)
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
  // A quarter of what is left, so processes share the end of a budget; far from every cap that is
  // more than asked, and the request is granted in full.
  const share = left <= 1 ? available : Math.max(1, Math.ceil(left / 4))
  const granted = Math.min(available, share)
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
  const usd = roundUsd(request.unitUsd * granted)
  const tokens = request.unitTokens * granted
  const expiresAt = new Date(expires).toISOString()
  const parts = budgets.map((budget) => ({
    b: budget.budget_id,
    w: (counters.get(budget.budget_id) as CounterRow).window_key,
  }))
  await transaction.query('select mima_budget_reserve($1, $2, $3, $4, $5, $6)', [
    workspaceId,
    leaseId,
    JSON.stringify(parts),
    usd,
    tokens,
    expiresAt,
  ])
  for (const current of states) {
    current.reserved_usd += usd
    current.reserved_tokens += tokens
    if (current.remaining_usd !== null) current.remaining_usd -= usd
    if (current.remaining_tokens !== null) current.remaining_tokens -= tokens
  }
  return { lease_id: leaseId, granted, usd, tokens, expires_at: expiresAt, unlimited: false, budgets: states }
}
