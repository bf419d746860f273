import { MimaError } from '@mima/core'
import type { Context } from 'hono'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import { createServerEvent, type ServerEvent } from '../events/event-bus'
import { type AppEnv, readJsonObject, requireWorkspace, type ServerContext } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { stringQuery } from '../http/query'
import { isObject } from '../http/validation'
import type { Queryable } from '../storage/database'
import { createBudgetAlerts } from './budget-alerts'
import { deleteBudget, listBudgets, parseBudgetInput, parseCallScope, putBudget } from './budget-definitions'
import { BUDGET_FUNCTION_MIGRATIONS } from './budget-functions'
import { BUDGET_LEASE_FUNCTION_MIGRATIONS } from './budget-lease-function'
import { type LeaseGrant, releaseLease, requestLease, returnLeasePortion } from './budget-leases'
import { BUDGET_MIGRATIONS } from './budget-migrations'
import { type Settlement, settleUsage } from './budget-settlement'
import { budgetSnapshot } from './budget-snapshot'

const BASE = '/workspaces/:ws/budgets'
const WRITERS = ['ingest', 'admin', 'approver'] as const

function numberField(
  body: Record<string, unknown>,
  field: string,
  options: { integer?: boolean; max?: number; fallback?: number },
): number {
  const value = body[field] ?? options.fallback
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    value > (options.max ?? 1e12) ||
    (options.integer === true && !Number.isSafeInteger(value))
  ) {
    throw httpError(
      'validation_failed',
      `${field} must be a non-negative ${options.integer ? 'integer' : 'number'}.`,
      {
        field,
      },
    )
  }
  return value
}

function parseSettlements(value: unknown): Settlement[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > 1000)
    throw httpError('validation_failed', 'settlements must be an array of at most 1000 items.', {
      field: 'settlements',
    })
  return value.map((item) => {
    if (!isObject(item))
      throw httpError('validation_failed', 'Each settlement must be an object.', { field: 'settlements' })
    const leaseId = item.lease_id
    if (leaseId !== undefined && leaseId !== null && (typeof leaseId !== 'string' || leaseId.length > 100))
      throw httpError('validation_failed', 'settlements[].lease_id must be a string.', {
        field: 'settlements',
      })
    const model = item.model ?? 'unknown'
    if (typeof model !== 'string' || model.length === 0 || model.length > 200)
      throw httpError('validation_failed', 'settlements[].model must be a string.', { field: 'settlements' })
    return {
      leaseId: typeof leaseId === 'string' ? leaseId : undefined,
      scope: parseCallScope(item.scope),
      model,
      usd: numberField(item, 'cost_usd', { fallback: 0 }),
      tokens: numberField(item, 'tokens', { integer: true, fallback: 0 }),
      calls: numberField(item, 'calls', { integer: true, fallback: 1, max: 1e9 }),
    }
  })
}

function parseReturn(value: unknown): { leaseId: string; usd: number; tokens: number } | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value) || typeof value.lease_id !== 'string' || value.lease_id.length > 100)
    throw httpError('validation_failed', 'return_lease must be { lease_id, usd, tokens }.', {
      field: 'return_lease',
    })
  return {
    leaseId: value.lease_id,
    usd: numberField(value, 'usd', { fallback: 0 }),
    tokens: numberField(value, 'tokens', { integer: true, fallback: 0 }),
  }
}

function parseReturns(value: unknown): { leaseId: string; usd: number; tokens: number }[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || value.length > 1000)
    throw httpError('validation_failed', 'return_leases must be an array of { lease_id, usd, tokens }.', {
      field: 'return_leases',
    })
  return value.map((item) => parseReturn(item) as { leaseId: string; usd: number; tokens: number })
}

/** Runs `work` in a transaction, raising its events on the bus in it and publishing them after commit. */
async function withEvents<T>(
  server: ServerContext,
  workspaceId: string,
  work: (transaction: Queryable, raise: (event: ServerEvent) => Promise<void>) => Promise<T>,
): Promise<T> {
  const bus = approvalsServiceOf(server)?.events
  const raised: ServerEvent[] = []
  const result = await server.database.transaction(async (transaction) => {
    raised.length = 0
    // One budget transaction at a time per workspace: leases, settlements and expiries touch
    // several counters each, and this order-free lock rules out deadlocks between them. PGlite runs
    // one transaction at a time already (a single connection), so it needs no lock.
    if (server.database.kind !== 'pglite')
      await transaction.query("select pg_advisory_xact_lock(hashtext('mima_budgets:' || $1))", [workspaceId])
    return work(transaction, async (event) => {
      raised.push(event)
      await bus?.notifyInTransaction(transaction, event)
    })
  })
  for (const event of raised) bus?.publish(event)
  return result
}

function exceeded(grant: LeaseGrant): MimaError {
  const denied = grant.denied_by
  const budget = grant.budgets.find((state) => state.budget_id === denied?.budget_id)
  const what =
    denied?.reason === 'session_time'
      ? 'its session time is up'
      : `the ${budget?.period ?? ''} ${denied?.reason === 'limit_tokens' ? 'token' : 'USD'} budget of ${budget?.scope ?? 'the scope'}${budget?.scope_value ? ` "${budget.scope_value}"` : ''} has too little left`
  return new MimaError('budget_exceeded', `The call was refused: ${what}.`, {
    status: 402,
    details: { denied_by: denied, budgets: grant.budgets },
  })
}

const EXPIRY_SWEEP_MS = 1000

/** Options for {@link createBudgetsFeature}. */
export interface BudgetsFeatureOptions {
  /**
   * How often threshold crossings recorded but never raised (a crash right after the settlement)
   * are looked for, in milliseconds (default 10 000). Also once at start.
   */
  alertSweepMs?: number
}

/**
 * Budgets: definitions (`PUT/GET/DELETE …/budgets`), leases that reserve projected cost
 * atomically across processes (`POST …/budgets/leases`), batched settlements of actual cost
 * (`POST …/budgets/settle`) and the state of a scope per model (`GET …/budgets/snapshot`).
 * Crossing an alert threshold raises `budget.threshold`; a change raises `budget.updated`.
 */
export function createBudgetsFeature(options: BudgetsFeatureOptions = {}): ServerFeature {
  return defineFeature({
    name: 'budgets',
    migrations: [...BUDGET_MIGRATIONS, ...BUDGET_FUNCTION_MIGRATIONS, ...BUDGET_LEASE_FUNCTION_MIGRATIONS],
    register(api, server) {
      const alerts = createBudgetAlerts(server, () => approvalsServiceOf(server)?.events)
      const sweepAlerts = (): void => {
        alerts.sweep().catch((error: unknown) => {
          server.logger.warn('budget alert sweep failed', { error: String(error) })
        })
      }
      sweepAlerts()
      const alertTimer = setInterval(sweepAlerts, options.alertSweepMs ?? 10_000)
      alertTimer.unref?.()
      server.onClose(async () => {
        clearInterval(alertTimer)
        await alerts.close()
      })
      // Expired leases are swept at most once a second per workspace (a lease request need not
      // pay for the sweep each time): an expired reservation returns within a second of expiring.
      const lastSweep = new Map<string, number>()
      const sweepDue = (workspaceId: string, now: Date): boolean => {
        const last = lastSweep.get(workspaceId)
        if (last !== undefined && now.getTime() - last < EXPIRY_SWEEP_MS && now.getTime() >= last)
          return false
        if (lastSweep.size > 10_000) lastSweep.clear()
        lastSweep.set(workspaceId, now.getTime())
        return true
      }
      const upsert = async (c: Context<AppEnv>) => {
        const { workspaceId } = requireWorkspace(c, { roles: ['admin'] })
        const input = parseBudgetInput(await readJsonObject(c))
        const budget = await withEvents(server, workspaceId, async (transaction, raise) => {
          const stored = await putBudget(transaction, workspaceId, input)
          await raise(
            createServerEvent('budget.updated', workspaceId, {
              workspace_id: workspaceId,
              budget_id: stored.budget_id,
            }),
          )
          return stored
        })
        return c.json(budget, 200)
      }
      api.put(BASE, upsert)
      api.post(BASE, upsert)

      api.get(BASE, async (c) => {
        const { workspaceId } = requireWorkspace(c)
        return c.json({ budgets: await listBudgets(server.database, workspaceId) })
      })

      api.get(`${BASE}/snapshot`, async (c) => {
        const { workspaceId } = requireWorkspace(c)
        const systemName = stringQuery(c, 'system_name')
        if (systemName === undefined)
          throw httpError('validation_failed', 'system_name is required.', { field: 'system_name' })
        const scope = parseCallScope({
          system_name: systemName,
          agent_name: stringQuery(c, 'agent_name'),
          user: stringQuery(c, 'user'),
          session_id: stringQuery(c, 'session_id'),
        })
        return c.json({ budgets: await budgetSnapshot(server.database, workspaceId, scope, new Date()) })
      })

      api.post(`${BASE}/leases`, async (c) => {
        const { workspaceId } = requireWorkspace(c, { roles: [...WRITERS] })
        const body = await readJsonObject(c)
        const scope = parseCallScope(body.scope)
        const request = {
          scope,
          unitUsd: numberField(body, 'unit_usd', { fallback: 0 }),
          unitTokens: numberField(body, 'unit_tokens', { integer: true, fallback: 0 }),
          units: numberField(body, 'units', { integer: true, fallback: 1, max: 100_000 }),
          minUnits: numberField(body, 'min_units', { integer: true, fallback: 1, max: 100_000 }),
          ttlSeconds: numberField(body, 'ttl_seconds', { fallback: 30, max: 3600 }),
        }
        if (request.units < 1)
          throw httpError('validation_failed', 'units must be at least 1.', { field: 'units' })
        const release = body.release_lease_id
        if (release !== undefined && release !== null && typeof release !== 'string')
          throw httpError('validation_failed', 'release_lease_id must be a string.', {
            field: 'release_lease_id',
          })
        const settlements = parseSettlements(body.settlements)
        const returned = [
          ...parseReturns(body.return_leases),
          ...(body.return_lease == null ? [] : [parseReturn(body.return_lease)]),
        ]
        const now = new Date()
        // One statement, its own transaction (decision 0063); the threshold events follow the commit.
        const { grant, crossings } = await requestLease(
          server.database,
          workspaceId,
          request,
          {
            sweep: sweepDue(workspaceId, now),
            settlements,
            releaseLeaseId: typeof release === 'string' ? release : undefined,
            returns: returned.filter((portion) => portion !== undefined),
            lock: server.database.kind !== 'pglite',
          },
          now,
        )
        if (crossings.length > 0) void alerts.notify(workspaceId, crossings)
        if (grant.granted === 0) throw exceeded(grant)
        return c.json(grant, 201)
      })

      api.post(`${BASE}/settle`, async (c) => {
        const { workspaceId } = requireWorkspace(c, { roles: [...WRITERS] })
        const body = await readJsonObject(c)
        const settlements = parseSettlements(body.settlements)
        const returned = parseReturns(body.return_leases)
        const releases = body.release_lease_ids ?? []
        if (!Array.isArray(releases) || releases.some((id) => typeof id !== 'string'))
          throw httpError('validation_failed', 'release_lease_ids must be an array of lease ids.', {
            field: 'release_lease_ids',
          })
        const crossings = await withEvents(server, workspaceId, async (transaction) => {
          const found = await settleUsage(transaction, workspaceId, settlements, new Date())
          for (const portion of returned) await returnLeasePortion(transaction, workspaceId, portion)
          for (const id of releases as string[]) await releaseLease(transaction, workspaceId, id)
          return found
        })
        // Raised before the answer: a caller that settles and then looks finds the event raised.
        await alerts.notify(workspaceId, crossings)
        return c.json({ settled: settlements.length, released: releases.length, thresholds: crossings })
      })

      api.delete(`${BASE}/:id`, async (c) => {
        const { workspaceId } = requireWorkspace(c, { roles: ['admin'] })
        const id = c.req.param('id')
        const deleted = await withEvents(server, workspaceId, async (transaction, raise) => {
          const found = await deleteBudget(transaction, workspaceId, id)
          if (found)
            await raise(
              createServerEvent('budget.updated', workspaceId, { workspace_id: workspaceId, budget_id: id }),
            )
          return found
        })
        if (!deleted) throw httpError('not_found', `No budget "${id}" in this workspace.`)
        return c.body(null, 204)
      })
    },
  })
}

/** The budgets feature with its defaults. */
export const budgetsFeature: ServerFeature = createBudgetsFeature()
