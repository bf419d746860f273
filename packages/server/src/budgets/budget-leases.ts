import { randomBytes } from 'node:crypto'
import type { Queryable } from '../storage/database'
import { type BudgetState, budgetState, type CounterRow, roundUsd, scopeArguments } from './budget-counters'
import { type CallScope, type DefinitionRow, toDefinition } from './budget-definitions'
import { type Settlement, settlementsOf, type ThresholdCrossing, toCrossings } from './budget-settlement'

// Leases: a reservation of projected cost on every budget that applies, taken atomically, then
// settled (budget-settlement.ts), partly returned, released or left to expire. The grant's
// arithmetic runs in `mima_budget_lease` (budget-lease-function.ts).

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

/** What a lease request carries besides the request itself (all in the same statement). */
export interface LeaseRequestExtras {
  /** Sweep expired leases first (at most once a second per workspace). */
  sweep: boolean
  settlements: readonly Settlement[]
  releaseLeaseId?: string | undefined
  returns: readonly { leaseId: string; usd: number; tokens: number }[]
  /** Take the per-workspace advisory lock (PostgreSQL). */
  lock: boolean
}

interface LeaseRow {
  budgets: (DefinitionRow & CounterRow)[]
  crossings: ThresholdCrossing[]
  granted: number
  usd: string | number
  tokens: string | number
  expires_at: Date | string
  denied_budget?: string
  denied_reason?: 'limit_usd' | 'limit_tokens' | 'session_time'
}

/**
 * A lease request in one statement with one JSON argument, `mima_budget_lease` (064), its own
 * transaction: sweeps expired
 * leases when due, settles what the request carries, releases and returns leases, then reserves up
 * to `units` calls' projected cost on every budget that applies. The counters are locked in a fixed
 * order, the grant is what the tightest budget allows (at most a quarter of what is left once that
 * is more than one call, so processes share a budget near its end), and the reservation is recorded
 * as a lease that settles or expires. Returns the grant and the alert thresholds the settlements
 * crossed (recorded, not yet raised).
 */
export async function requestLease(
  database: Queryable,
  workspaceId: string,
  request: LeaseRequest,
  extras: LeaseRequestExtras,
  now: Date,
): Promise<{ grant: LeaseGrant; crossings: ThresholdCrossing[] }> {
  const leaseId = `lease_${randomBytes(12).toString('base64url')}`
  const expires = new Date(now.getTime() + request.ttlSeconds * 1000).toISOString()
  const [system, agent, user, session, day, month] = scopeArguments(request.scope, now)
  const { rows } = await database.query<{ lease: LeaseRow }>('select mima_budget_lease($1) as lease', [
    JSON.stringify({
      ws: workspaceId,
      lock: extras.lock,
      sweep: extras.sweep ? now.toISOString() : null,
      settlements: settlementsOf(extras.settlements),
      release: extras.releaseLeaseId ?? null,
      returns:
        extras.returns.length === 0
          ? null
          : extras.returns.map((portion) => ({
              lease: portion.leaseId,
              usd: roundUsd(portion.usd),
              tokens: portion.tokens,
            })),
      system,
      agent,
      user,
      session,
      day,
      month,
      lease: leaseId,
      unit_usd: request.unitUsd,
      unit_tokens: request.unitTokens,
      units: request.units,
      min_units: request.minUnits,
      now: now.toISOString(),
      expires,
    }),
  ])
  const row = rows[0]?.lease as LeaseRow
  const crossings = toCrossings(row.crossings)
  const states = row.budgets.map((budget) => budgetState(toDefinition(budget), budget))
  if (states.length === 0) {
    const grant: LeaseGrant = {
      lease_id: null,
      granted: request.units,
      usd: request.unitUsd * request.units,
      tokens: request.unitTokens * request.units,
      expires_at: expires,
      unlimited: true,
      budgets: [],
    }
    return { grant, crossings }
  }
  const granted = Number(row.granted)
  if (granted === 0) {
    const grant: LeaseGrant = {
      lease_id: null,
      granted: 0,
      usd: 0,
      tokens: 0,
      expires_at: now.toISOString(),
      unlimited: false,
      budgets: states,
      denied_by: { budget_id: row.denied_budget ?? '', reason: row.denied_reason ?? 'limit_usd' },
    }
    return { grant, crossings }
  }
  const usd = Number(row.usd)
  const tokens = Number(row.tokens)
  for (const current of states) {
    current.reserved_usd += usd
    current.reserved_tokens += tokens
    if (current.remaining_usd !== null) current.remaining_usd -= usd
    if (current.remaining_tokens !== null) current.remaining_tokens -= tokens
  }
  const grant: LeaseGrant = {
    lease_id: leaseId,
    granted,
    usd,
    tokens,
    expires_at: new Date(row.expires_at).toISOString(),
    unlimited: false,
    budgets: states,
  }
  return { grant, crossings }
}
