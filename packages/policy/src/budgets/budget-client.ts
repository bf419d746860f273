import { MimaError } from '@mima/core'
import type { RuntimeConnection } from '../runtime/runtime-connection'
import { BudgetExceededError } from '../runtime/runtime-errors'

/** Who a call is made for: decides which budgets (workspace, system, agent, user, session) apply. */
export interface BudgetScope {
  readonly systemName: string
  readonly agentName?: string | undefined
  readonly user?: string | undefined
  readonly sessionId?: string | undefined
}

/** What a call is projected to cost, before it runs. */
export interface BudgetCheckInput {
  readonly model?: string | undefined
  /** Projected cost in US dollars (from `max_tokens` or a default ceiling and the price table). */
  readonly projectedUsd?: number | undefined
  /** Projected tokens (input + output ceiling). */
  readonly projectedTokens?: number | undefined
}

/** The reservation a checked call holds until its usage is tracked. */
export interface BudgetTicket {
  readonly leaseId: string | null
  readonly projectedUsd: number
  readonly projectedTokens: number
  readonly model: string | undefined
}

/** What a call really used. */
export interface TrackedUsage {
  readonly model?: string | undefined
  readonly costUsd?: number | undefined
  readonly tokens?: number | undefined
}

/** One budget's state, as the server reports it (snake_case, as on the wire). */
export interface BudgetState {
  readonly budget_id: string
  readonly scope: string
  readonly scope_value: string
  readonly period: string
  readonly window: string
  readonly limit_usd: number | null
  readonly limit_tokens: number | null
  readonly spent_usd: number
  readonly reserved_usd: number
  readonly spent_tokens: number
  readonly reserved_tokens: number
  readonly calls: number
  readonly remaining_usd: number | null
  readonly remaining_tokens: number | null
  readonly models?: readonly { model: string; cost_usd: number; tokens: number; calls: number }[]
}

/** Options of {@link createBudgetClient}. */
export interface BudgetClientOptions {
  readonly connection: RuntimeConnection
  readonly scope: BudgetScope
  /** Allow calls when the server cannot be asked (default false: fail closed). */
  readonly failOpen?: boolean | undefined
  /** Calls a lease asks for at a time (default 20); the server gives less near a cap. */
  readonly leaseCalls?: number | undefined
  /** How long a lease lives on the server, in seconds (default 120). */
  readonly leaseTtlSeconds?: number | undefined
  /** How long settlements wait to be sent together, in milliseconds (default 100). */
  readonly flushIntervalMs?: number | undefined
  /** Runs before every check (the kill switch's `assertAlive`). */
  readonly beforeCheck?: (() => void) | undefined
  /** Reports background failures (settlement sends); default `console.warn`. */
  readonly onError?: ((error: unknown) => void) | undefined
  /** Time source in milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /**
   * How long a refusal by an exhausted budget (nothing reserved on it anywhere, so nothing can come
   * back) is answered locally, in milliseconds (default 1000; 0 asks the server every time). A budget
   * change (`invalidate`, pushed as `budget.updated`) and the UTC day's end clear it sooner.
   */
  readonly deniedCacheMs?: number | undefined
}

/**
 * Budgets shared by every process through the server. `checkOrRaise` reserves a call's projected
 * cost from a lease held locally (no round trip while the lease lasts: the server reserved it
 * atomically for this process), `trackUsage` settles the actual cost in the background, batched.
 * Near a cap leases shrink to one call, so no two processes can spend the same dollars.
 */
export interface BudgetClient {
  readonly scope: BudgetScope
  /** Reserves the projected cost or throws {@link BudgetExceededError} (fail closed by default). */
  checkOrRaise(input?: BudgetCheckInput): Promise<BudgetTicket>
  /** The synchronous fast path: a ticket when the local lease covers the call, else undefined. */
  tryCheck(input?: BudgetCheckInput): BudgetTicket | undefined
  /** Gives a ticket's reservation back unused (the call did not run). */
  release(ticket: BudgetTicket): void
  /** Records what a call used (with the ticket from its check, or without one). Never throws. */
  trackUsage(ticket: BudgetTicket | undefined, usage: TrackedUsage): void
  /** The state of every budget that applies to the scope, with spend per model. */
  snapshot(): Promise<BudgetState[]>
  /** Drops the local lease (a budget changed): the next check asks the server. */
  invalidate(): void
  /** Sends the settlements waiting now. */
  flush(): Promise<void>
  /** Flushes and returns the unused lease to the server. */
  close(): Promise<void>
}

interface Lease {
  id: string | null
  unlimited: boolean
  availableUsd: number
  availableTokens: number
  expiresAt: number
  /** Calls the server granted (1 means the budget is near its end: no prefetching then). */
  granted: number
  grantedUsd: number
  grantedTokens: number
  grantedAt: number
}

interface LeaseReturn {
  lease_id: string
  usd: number
  tokens: number
}

interface SettlementWire {
  lease_id: string | null
  scope: Record<string, string>
  model: string
  cost_usd: number
  tokens: number
}

interface LeaseWire {
  lease_id: string | null
  granted: number
  usd: number
  tokens: number
  expires_at: string
  unlimited: boolean
}

const EPSILON = 1e-12
const DAY_MS = 86_400_000

/**
 * A refusal that stays true until the budget changes: the refusing budget had nothing reserved, so
 * what it has left can only shrink (spend only grows) until its limits change or its window rolls.
 * Checks projecting more than that are refused locally; smaller ones still ask the server.
 */
interface Denial {
  remainingUsd: number
  remainingTokens: number
  until: number
  error: MimaError
}

/** The denial a `budget_exceeded` answer allows to keep, if any. */
function stableDenial(error: MimaError, at: number, keepMs: number): Denial | undefined {
  if (keepMs <= 0) return undefined
  const details = error.details as
    | { denied_by?: { budget_id?: unknown; reason?: unknown }; budgets?: unknown }
    | undefined
  const deniedBy = details?.denied_by
  if (!Array.isArray(details?.budgets) || deniedBy === undefined) return undefined
  const state = (details.budgets as Partial<BudgetState>[]).find(
    (budget) => budget.budget_id === deniedBy.budget_id,
  )
  if (state === undefined) return undefined
  // Day and month windows roll at UTC midnight: keep nothing past it.
  const until = Math.min(at + keepMs, (Math.floor(at / DAY_MS) + 1) * DAY_MS)
  const denial = {
    remainingUsd: Number.POSITIVE_INFINITY,
    remainingTokens: Number.POSITIVE_INFINITY,
    until,
    error,
  }
  if (deniedBy.reason === 'session_time') return { ...denial, remainingUsd: -1, remainingTokens: -1 }
  if (deniedBy.reason === 'limit_usd' && state.reserved_usd === 0 && typeof state.remaining_usd === 'number')
    return { ...denial, remainingUsd: state.remaining_usd }
  if (
    deniedBy.reason === 'limit_tokens' &&
    state.reserved_tokens === 0 &&
    typeof state.remaining_tokens === 'number'
  )
    return { ...denial, remainingTokens: state.remaining_tokens }
  return undefined
}

function scopeWire(scope: BudgetScope): Record<string, string> {
  const wire: Record<string, string> = { system_name: scope.systemName }
  if (scope.agentName !== undefined) wire.agent_name = scope.agentName
  if (scope.user !== undefined) wire.user = scope.user
  if (scope.sessionId !== undefined) wire.session_id = scope.sessionId
  return wire
}

/**
 * Creates a {@link BudgetClient} for one scope.
 *
 * @example
 * ```ts
 * const budgets = createBudgetClient({ connection, scope: { systemName: 'support-bot', agentName: 'triage' } })
 * const ticket = await budgets.checkOrRaise({ model: 'gpt-4o', projectedUsd: 0.01, projectedTokens: 1200 })
 * // … the call …
 * budgets.trackUsage(ticket, { model: 'gpt-4o', costUsd: 0.004, tokens: 700 })
 * ```
 */
export function createBudgetClient(options: BudgetClientOptions): BudgetClient {
  const { connection, scope } = options
  const wireScope = scopeWire(scope)
  const now = options.now ?? Date.now
  const leaseCalls = options.leaseCalls ?? 20
  const ttlSeconds = options.leaseTtlSeconds ?? 120
  const flushIntervalMs = options.flushIntervalMs ?? 100
  const onError = options.onError ?? ((error: unknown) => console.warn('[mima budgets]', error))
  const deniedCacheMs = options.deniedCacheMs ?? 1000
  let lease: Lease | undefined
  let denial: Denial | undefined
  let refill: Promise<void> | undefined
  let pending: SettlementWire[] = []
  let pendingReturns: LeaseReturn[] = []
  let leaseUnits = leaseCalls
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let sending: Promise<void> | undefined
  let closed = false

  const valid = (current: Lease | undefined): current is Lease =>
    current !== undefined && current.expiresAt > now()

  const take = (usd: number, tokens: number, model: string | undefined): BudgetTicket | undefined => {
    if (!valid(lease)) return undefined
    if (!lease.unlimited && (lease.availableUsd + EPSILON < usd || lease.availableTokens < tokens))
      return undefined
    const ticket = { leaseId: lease.id, projectedUsd: usd, projectedTokens: tokens, model }
    if (!lease.unlimited) {
      lease.availableUsd -= usd
      lease.availableTokens -= tokens
      maybePrefetch(usd, tokens)
    }
    return ticket
  }

  // Takes a lease out of service and says what to give back: what it holds that no call has taken
  // (zeroed now, so nothing is counted twice; the part reserved for calls in flight stays).
  const retire = (held: Lease | undefined): LeaseReturn | undefined => {
    if (held?.id === null || held === undefined || !valid(held)) return undefined
    const returned = {
      lease_id: held.id,
      usd: Math.max(0, held.availableUsd),
      tokens: Math.max(0, held.availableTokens),
    }
    held.availableUsd = 0
    held.availableTokens = 0
    return returned.usd > 0 || returned.tokens > 0 ? returned : undefined
  }

  /**
   * Asks the server for a new lease. In the foreground (a check is waiting) the current lease is
   * retired at once and its rest returned in the same request; as a prefetch (the lease is half
   * spent, far from any cap) the current lease keeps serving calls until the new one arrives.
   */
  const acquire = (usd: number, tokens: number, prefetch = false): Promise<void> => {
    refill ??= (async () => {
      const previous = lease
      // A lease the server gave in full and that ran out within two seconds was too small for
      // this process's pace: ask for four times as many calls next (the server still caps it).
      if (
        previous !== undefined &&
        !previous.unlimited &&
        previous.granted >= leaseUnits &&
        now() - previous.grantedAt < 2000
      )
        leaseUnits = Math.min(leaseUnits * 4, 100_000)
      const returned = prefetch ? undefined : retire(previous)
      const settlements = pending
      pending = []
      const returns = pendingReturns
      pendingReturns = []
      try {
        const grant = await connection.request<LeaseWire>('POST', 'budgets/leases', {
          scope: wireScope,
          unit_usd: usd,
          unit_tokens: tokens,
          units: leaseUnits,
          min_units: 1,
          ttl_seconds: ttlSeconds,
          settlements,
          ...(returned === undefined ? {} : { return_lease: returned }),
          ...(returns.length === 0 ? {} : { return_leases: returns }),
        })
        if (prefetch) {
          const rest = retire(previous)
          if (rest !== undefined) {
            pendingReturns.push(rest)
            scheduleFlush()
          }
        }
        lease = {
          id: grant.lease_id,
          unlimited: grant.unlimited,
          availableUsd: grant.usd,
          availableTokens: grant.tokens,
          expiresAt: Math.min(Date.parse(grant.expires_at), now() + ttlSeconds * 1000) - 1000,
          granted: grant.granted,
          grantedUsd: grant.usd,
          grantedTokens: grant.tokens,
          grantedAt: now(),
        }
      } catch (error) {
        const answered = MimaError.isInstance(error) && error.status !== undefined && error.status < 500
        if (!answered) {
          // Nothing reached the server: keep the settlements and returns, and the lease as it was.
          pending = settlements.concat(pending)
          pendingReturns = returns.concat(pendingReturns)
          if (returned !== undefined && previous !== undefined) {
            previous.availableUsd += returned.usd
            previous.availableTokens += returned.tokens
          }
        }
        throw error
      } finally {
        refill = undefined
      }
    })()
    return refill
  }

  const maybePrefetch = (usd: number, tokens: number): void => {
    const current = lease
    if (refill !== undefined || closed || current === undefined || current.unlimited || current.granted <= 1)
      return
    const half =
      current.availableUsd < current.grantedUsd / 2 || current.availableTokens < current.grantedTokens / 2
    if (half) acquire(usd, tokens, true).catch(() => undefined)
  }

  const sendPending = (): Promise<void> => {
    if (flushTimer !== undefined) clearTimeout(flushTimer)
    flushTimer = undefined
    if (pending.length === 0 && pendingReturns.length === 0) return sending ?? Promise.resolve()
    const batch = pending
    pending = []
    const returns = pendingReturns
    pendingReturns = []
    const previous = sending ?? Promise.resolve()
    const next: Promise<void> = previous
      .then(() =>
        connection.request('POST', 'budgets/settle', {
          settlements: batch,
          ...(returns.length === 0 ? {} : { return_leases: returns }),
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          // Kept for the next send unless the server refused the batch itself.
          if (!(MimaError.isInstance(error) && error.status !== undefined && error.status < 500)) {
            pending = batch.concat(pending)
            pendingReturns = returns.concat(pendingReturns)
          }
          onError(error)
        },
      )
      .finally(() => {
        if (sending === next) sending = undefined
      })
    sending = next
    return next
  }

  const scheduleFlush = (): void => {
    if (closed) return
    if (pending.length >= 500) {
      void sendPending()
      return
    }
    if (flushTimer !== undefined) return
    flushTimer = setTimeout(() => void sendPending(), flushIntervalMs)
    ;(flushTimer as { unref?: () => void }).unref?.()
  }

  const client: BudgetClient = {
    scope,
    tryCheck(input = {}) {
      options.beforeCheck?.()
      return take(input.projectedUsd ?? 0, input.projectedTokens ?? 0, input.model)
    },
    async checkOrRaise(input = {}) {
      options.beforeCheck?.()
      const usd = input.projectedUsd ?? 0
      const tokens = input.projectedTokens ?? 0
      if (!Number.isFinite(usd) || usd < 0 || !Number.isFinite(tokens) || tokens < 0)
        throw new MimaError(
          'validation_failed',
          'projectedUsd and projectedTokens must be non-negative numbers.',
        )
      for (let attempt = 0; attempt < 50; attempt++) {
        const ticket = take(usd, tokens, input.model)
        if (ticket !== undefined) return ticket
        const refused = denial
        if (refused !== undefined) {
          if (refused.until <= now()) denial = undefined
          else if (usd > refused.remainingUsd + EPSILON || tokens > refused.remainingTokens)
            throw new BudgetExceededError(refused.error.message, {
              cause: refused.error,
              ...(refused.error.details ? { details: refused.error.details } : {}),
            })
        }
        const waiting = refill
        try {
          // Another check is refilling: wait for it, then try the new lease before asking again.
          if (waiting !== undefined) await waiting.catch(() => undefined)
          else await acquire(usd, tokens)
        } catch (error) {
          if (MimaError.isInstance(error) && error.code === 'budget_exceeded') {
            denial = stableDenial(error, now(), deniedCacheMs)
            throw new BudgetExceededError(error.message, {
              cause: error,
              ...(error.details ? { details: error.details } : {}),
            })
          }
          if (options.failOpen === true)
            return { leaseId: null, projectedUsd: usd, projectedTokens: tokens, model: input.model }
          throw new BudgetExceededError(
            'The budget could not be checked (the Mima server did not answer), so the call was refused. Pass failOpen: true to allow calls then.',
            { cause: error, retryable: true },
          )
        }
      }
      throw new BudgetExceededError('The budget lease kept running out; the call was refused.')
    },
    release(ticket) {
      if (lease !== undefined && ticket.leaseId === lease.id && !lease.unlimited) {
        lease.availableUsd += ticket.projectedUsd
        lease.availableTokens += ticket.projectedTokens
      }
    },
    trackUsage(ticket, usage) {
      const cost = usage.costUsd ?? 0
      const tokens = usage.tokens ?? 0
      if (ticket !== undefined && lease !== undefined && ticket.leaseId === lease.id && !lease.unlimited) {
        // What the call did not use goes back to the local lease (it is still reserved for us).
        lease.availableUsd += ticket.projectedUsd - cost
        lease.availableTokens += ticket.projectedTokens - tokens
      } else if (ticket?.leaseId) {
        // The ticket's lease was retired meanwhile: what the call did not use goes back to the server.
        const usd = Math.max(0, ticket.projectedUsd - cost)
        const unused = Math.max(0, ticket.projectedTokens - tokens)
        if (usd > 0 || unused > 0) pendingReturns.push({ lease_id: ticket.leaseId, usd, tokens: unused })
      }
      if (ticket?.leaseId === null && lease?.unlimited && valid(lease)) return // no budget applies
      pending.push({
        lease_id: ticket?.leaseId ?? null,
        scope: wireScope,
        model: usage.model ?? ticket?.model ?? 'unknown',
        cost_usd: Math.max(0, cost),
        tokens: Math.max(0, Math.round(tokens)),
      })
      scheduleFlush()
    },
    async snapshot() {
      const query = new URLSearchParams(wireScope).toString()
      const answer = await connection.request<{ budgets: BudgetState[] }>('GET', `budgets/snapshot?${query}`)
      return answer.budgets
    },
    invalidate() {
      lease = undefined
      denial = undefined
    },
    flush: () => sendPending(),
    async close() {
      if (closed) return
      closed = true
      await refill?.catch(() => undefined)
      await sendPending()
      await sending
      const held = lease
      lease = undefined
      if (held?.id && valid(held)) {
        await connection
          .request('POST', 'budgets/settle', { settlements: [], release_lease_ids: [held.id] })
          .catch(onError)
      }
    },
  }
  return client
}
