import { randomBytes } from 'node:crypto'
import { httpError } from '../http/errors'
import { isObject } from '../http/validation'
import type { Queryable } from '../storage/database'

/** What a budget applies to. */
export type BudgetScopeKind = 'workspace' | 'system' | 'agent' | 'user'
/** The window a budget's counter covers: one session, one UTC day, one UTC month. */
export type BudgetPeriod = 'session' | 'day' | 'month'

/** A budget as stored and served. */
export interface BudgetDefinition {
  budget_id: string
  scope: BudgetScopeKind
  /** The system, agent or user name (`""` for the workspace). */
  scope_value: string
  period: BudgetPeriod
  limit_usd: number | null
  limit_tokens: number | null
  /** Session budgets only: how long a session may run. */
  max_session_seconds: number | null
  /** Fractions of a limit at which `budget.threshold` is raised, e.g. `[0.5, 0.8, 1]`. */
  alert_thresholds: number[]
  created_at: string
  updated_at: string
}

/** The call a lease or a settlement is for: which budgets apply follows from it. */
export interface CallScope {
  systemName: string
  agentName?: string | undefined
  user?: string | undefined
  sessionId?: string | undefined
}

export interface DefinitionRow {
  budget_id: string
  scope_kind: BudgetScopeKind
  scope_value: string
  period: BudgetPeriod
  limit_usd: string | number | null
  limit_tokens: string | number | null
  max_session_seconds: number | null
  alert_thresholds: number[]
  created_at: Date
  updated_at: Date
}

const COLUMNS =
  'budget_id, scope_kind, scope_value, period, limit_usd, limit_tokens, max_session_seconds, alert_thresholds, created_at, updated_at'

const nullableNumber = (value: string | number | null): number | null =>
  value === null ? null : Number(value)

export function toDefinition(row: DefinitionRow): BudgetDefinition {
  return {
    budget_id: row.budget_id,
    scope: row.scope_kind,
    scope_value: row.scope_value,
    period: row.period,
    limit_usd: nullableNumber(row.limit_usd),
    limit_tokens: nullableNumber(row.limit_tokens),
    max_session_seconds: row.max_session_seconds,
    alert_thresholds: row.alert_thresholds,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  }
}

const SCOPES: readonly BudgetScopeKind[] = ['workspace', 'system', 'agent', 'user']
const PERIODS: readonly BudgetPeriod[] = ['session', 'day', 'month']

function invalid(field: string, message: string): never {
  throw httpError('validation_failed', message, { field })
}

function optionalLimit(body: Record<string, unknown>, field: string, integer: boolean): number | null {
  const value = body[field]
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1e12)
    invalid(field, `${field} must be a non-negative number.`)
  if (integer && !Number.isSafeInteger(value)) invalid(field, `${field} must be a whole number.`)
  return value
}

/** A validated budget definition from a request body (422 with the field otherwise). */
export function parseBudgetInput(
  body: Record<string, unknown>,
): Omit<BudgetDefinition, 'budget_id' | 'created_at' | 'updated_at'> {
  const scope = (body.scope ?? 'workspace') as BudgetScopeKind
  if (!SCOPES.includes(scope)) invalid('scope', `scope must be one of ${SCOPES.join(', ')}.`)
  const rawValue = body.scope_value ?? ''
  if (typeof rawValue !== 'string' || rawValue.length > 500)
    invalid('scope_value', 'scope_value must be a string.')
  if (scope !== 'workspace' && rawValue.trim() === '')
    invalid('scope_value', `scope_value must name the ${scope} this budget applies to.`)
  const period = body.period as BudgetPeriod
  if (!PERIODS.includes(period)) invalid('period', `period must be one of ${PERIODS.join(', ')}.`)
  const limitUsd = optionalLimit(body, 'limit_usd', false)
  const limitTokens = optionalLimit(body, 'limit_tokens', true)
  const maxSession = optionalLimit(body, 'max_session_seconds', true)
  if (maxSession !== null && period !== 'session')
    invalid('max_session_seconds', 'max_session_seconds applies to session budgets only.')
  if (limitUsd === null && limitTokens === null && maxSession === null)
    invalid('limit_usd', 'A budget needs limit_usd, limit_tokens or max_session_seconds.')
  let thresholds = [0.5, 0.8, 1]
  if (body.alert_thresholds !== undefined) {
    const raw = body.alert_thresholds
    if (
      !Array.isArray(raw) ||
      raw.length > 10 ||
      raw.some((item) => typeof item !== 'number' || !(item > 0) || item > 10)
    )
      invalid(
        'alert_thresholds',
        'alert_thresholds must be up to 10 fractions of the limit, e.g. [0.5, 0.8, 1].',
      )
    thresholds = [...new Set(raw as number[])].sort((left, right) => left - right)
  }
  return {
    scope,
    scope_value: scope === 'workspace' ? '' : rawValue.trim(),
    period,
    limit_usd: limitUsd,
    limit_tokens: limitTokens,
    max_session_seconds: maxSession,
    alert_thresholds: thresholds,
  }
}

/** A validated {@link CallScope} from a request body's `scope` object. */
export function parseCallScope(value: unknown): CallScope {
  if (!isObject(value)) invalid('scope', 'scope must be an object with system_name.')
  const text = (field: string, required: boolean): string | undefined => {
    const item = value[field]
    if (item === undefined || item === null || item === '') {
      if (required) invalid(`scope.${field}`, `scope.${field} is required.`)
      return undefined
    }
    if (typeof item !== 'string' || item.length > 500)
      invalid(`scope.${field}`, `scope.${field} must be a string.`)
    return item
  }
  return {
    systemName: text('system_name', true) as string,
    agentName: text('agent_name', false),
    user: text('user', false),
    sessionId: text('session_id', false),
  }
}

/** Creates or replaces the budget of one scope and period; returns it. */
export async function putBudget(
  database: Queryable,
  workspaceId: string,
  input: ReturnType<typeof parseBudgetInput>,
): Promise<BudgetDefinition> {
  const id = `bud_${randomBytes(9).toString('base64url')}`
  const { rows } = await database.query<DefinitionRow>(
    `insert into budgets (workspace_id, budget_id, scope_kind, scope_value, period, limit_usd, limit_tokens,
       max_session_seconds, alert_thresholds)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
     on conflict (workspace_id, scope_kind, scope_value, period) do update set
       limit_usd = excluded.limit_usd, limit_tokens = excluded.limit_tokens,
       max_session_seconds = excluded.max_session_seconds, alert_thresholds = excluded.alert_thresholds,
       updated_at = now()
     returning ${COLUMNS}`,
    [
      workspaceId,
      id,
      input.scope,
      input.scope_value,
      input.period,
      input.limit_usd,
      input.limit_tokens,
      input.max_session_seconds,
      JSON.stringify(input.alert_thresholds),
    ],
  )
  return toDefinition(rows[0] as DefinitionRow)
}

/** Every budget of the workspace. */
export async function listBudgets(database: Queryable, workspaceId: string): Promise<BudgetDefinition[]> {
  const { rows } = await database.query<DefinitionRow>(
    `select ${COLUMNS} from budgets where workspace_id = $1 order by scope_kind, scope_value, period`,
    [workspaceId],
  )
  return rows.map(toDefinition)
}

/** Deletes a budget with its counters and leases; false when there was none. */
export async function deleteBudget(
  database: Queryable,
  workspaceId: string,
  budgetId: string,
): Promise<boolean> {
  const { rowCount } = await database.query(
    'delete from budgets where workspace_id = $1 and budget_id = $2',
    [workspaceId, budgetId],
  )
  if (rowCount === 0) return false
  for (const table of ['budget_counters', 'budget_leases', 'budget_model_usage']) {
    await database.query(`delete from ${table} where workspace_id = $1 and budget_id = $2`, [
      workspaceId,
      budgetId,
    ])
  }
  return true
}

/** The budgets that apply to a call (session budgets only when the call names its session). */
export async function applicableBudgets(
  database: Queryable,
  workspaceId: string,
  scope: CallScope,
): Promise<BudgetDefinition[]> {
  const { rows } = await database.query<DefinitionRow>(
    `select ${COLUMNS} from budgets where workspace_id = $1 and (scope_kind = 'workspace'
       or (scope_kind = 'system' and scope_value = $2) or (scope_kind = 'agent' and scope_value = $3)
       or (scope_kind = 'user' and scope_value = $4))
     order by budget_id`,
    [workspaceId, scope.systemName, scope.agentName ?? scope.systemName, scope.user ?? null],
  )
  return rows
    .map(toDefinition)
    .filter((budget) => budget.period !== 'session' || scope.sessionId !== undefined)
}

/** The counter window of a budget at `now`: `YYYY-MM-DD`, `YYYY-MM` (UTC) or the session id. */
export function windowKey(period: BudgetPeriod, now: Date, sessionId: string | undefined): string {
  if (period === 'session') return `session:${sessionId ?? ''}`
  const iso = now.toISOString()
  return period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7)
}
