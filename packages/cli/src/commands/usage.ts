import { RefusedError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { parseEnumText, parseNumberText, stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'
import { ApiError } from '../http/api-client'
import { table } from '../output/format'

const GROUPINGS = ['day', 'month', 'model', 'provider', 'system', 'agent', 'user', 'session', 'tool'] as const
const SCOPES = ['workspace', 'system', 'agent', 'user'] as const
const PERIODS = ['session', 'day', 'month'] as const

interface SpendRow {
  key: string | null
  calls: number
  input_tokens: number
  output_tokens: number
  cached_tokens: number
  cost_usd: number
  unpriced_calls: number
  error_calls: number
}

interface BudgetRow {
  budget_id: string
  scope: string
  scope_value: string
  period: string
  limit_usd: number | null
  limit_tokens: number | null
  max_session_seconds: number | null
  alert_thresholds: number[]
}

const usd = (value: number): string => `$${value < 1 ? value.toFixed(6) : value.toFixed(2)}`
const count = (value: number): string => value.toLocaleString('en-US')

function since(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  const relative = /^(\d+)([dh])$/.exec(text)
  if (relative !== null) {
    const hours = Number(relative[1]) * (relative[2] === 'd' ? 24 : 1)
    return new Date(Date.now() - hours * 3_600_000).toISOString()
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text)))
    throw new UsageError(
      `--since must be a date (2026-12-01), a time or a span like 7d or 12h; got '${text}'`,
    )
  return text
}

async function runUsage(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const grouping = parseEnumText('by', stringValue(values, 'by') ?? 'day', GROUPINGS)
  const csv = values.csv === true
  const session = await openSession(context)
  const query = {
    group_by: grouping,
    since: since(stringValue(values, 'since') ?? '30d'),
    until: stringValue(values, 'until'),
    system_name: stringValue(values, 'system'),
    agent_name: stringValue(values, 'agent'),
    model_id: stringValue(values, 'model'),
    ...(csv ? { format: 'csv' } : {}),
  }
  if (csv) {
    const response = await session.api.requestRaw('GET', session.api.workspacePath('usage'), { query })
    output.raw(await response.text())
    return EXIT_CODES.ok
  }
  const report = await session.api.request<{ rows: SpendRow[]; totals: Omit<SpendRow, 'key'> }>(
    'GET',
    session.api.workspacePath('usage'),
    { query },
  )
  if (output.json) {
    output.printJson(report)
    return EXIT_CODES.ok
  }
  if (report.rows.length === 0) {
    output.line(
      'No model calls with usage in this period. Wrap your clients with wrapOpenAI / wrapAnthropic.',
    )
    return EXIT_CODES.ok
  }
  const rows = [
    [grouping.toUpperCase(), 'CALLS', 'INPUT', 'OUTPUT', 'CACHED', 'COST', 'UNPRICED'],
    ...report.rows.map((row) => [
      row.key ?? '(none)',
      count(row.calls),
      count(row.input_tokens),
      count(row.output_tokens),
      count(row.cached_tokens),
      usd(row.cost_usd),
      row.unpriced_calls === 0 ? '' : count(row.unpriced_calls),
    ]),
    [
      'TOTAL',
      count(report.totals.calls),
      count(report.totals.input_tokens),
      count(report.totals.output_tokens),
      count(report.totals.cached_tokens),
      usd(report.totals.cost_usd),
      report.totals.unpriced_calls === 0 ? '' : count(report.totals.unpriced_calls),
    ],
  ]
  for (const line of table(rows)) output.line(line)
  if (report.totals.unpriced_calls > 0)
    output.info(
      output.colors.yellow(
        `${report.totals.unpriced_calls} call(s) used a model without a price: their cost is not counted.`,
      ),
    )
  return EXIT_CODES.ok
}

/** `mima usage`. */
export const usageCommand: CommandSpec = {
  name: 'usage',
  summary: 'Spend and token usage per day, model, system, agent or user (CSV with --csv)',
  usage: ['usage [--by day|month|model|provider|system|agent|user|session|tool] [--since 30d] [--csv]'],
  json: true,
  options: {
    by: { type: 'string', valueName: 'GROUP', description: 'Group by', defaultLabel: 'day' },
    since: {
      type: 'string',
      valueName: 'WHEN',
      description: 'From (a date, or 7d, 12h)',
      defaultLabel: '30d',
    },
    until: { type: 'string', valueName: 'WHEN', description: 'Until (a date)' },
    system: { type: 'string', valueName: 'NAME', description: 'Only this AI system' },
    agent: { type: 'string', valueName: 'NAME', description: 'Only this agent' },
    model: { type: 'string', valueName: 'MODEL', description: 'Only this model' },
    csv: { type: 'boolean', description: 'Print CSV (for spreadsheets)' },
  },
  examples: ['mima usage --by model --since 7d', 'mima usage --by agent --csv > spend.csv'],
  run: runUsage,
}

function describeLimit(budget: BudgetRow): string {
  const parts = []
  if (budget.limit_usd !== null) parts.push(usd(budget.limit_usd))
  if (budget.limit_tokens !== null) parts.push(`${count(budget.limit_tokens)} tokens`)
  if (budget.max_session_seconds !== null) parts.push(`${budget.max_session_seconds}s`)
  return parts.join(' / ')
}

async function runBudgetShow(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const session = await openSession(context)
  const system = stringValue(values, 'system')
  if (system !== undefined) {
    const snapshot = await session.api.request<{ budgets: Record<string, unknown>[] }>(
      'GET',
      session.api.workspacePath('budgets/snapshot'),
      {
        query: {
          system_name: system,
          agent_name: stringValue(values, 'agent'),
          user: stringValue(values, 'user'),
          session_id: stringValue(values, 'session'),
        },
      },
    )
    if (output.json) {
      output.printJson(snapshot)
      return EXIT_CODES.ok
    }
    if (snapshot.budgets.length === 0) output.line(`No budget applies to system ${system}.`)
    for (const state of snapshot.budgets as (BudgetRow &
      Record<string, number | null | string> & {
        models: { model: string; cost_usd: number; calls: number }[]
      })[]) {
      output.line(
        `${state.scope}${state.scope_value ? ` ${state.scope_value}` : ''} · ${state.period} ${state.window}: spent ${usd(Number(state.spent_usd))} of ${describeLimit(state)} (${state.calls} calls, ${usd(Number(state.reserved_usd))} reserved)`,
      )
      for (const model of state.models)
        output.line(`    ${model.model}: ${usd(model.cost_usd)} in ${model.calls} calls`)
    }
    return EXIT_CODES.ok
  }
  const list = await session.api.request<{ budgets: BudgetRow[] }>(
    'GET',
    session.api.workspacePath('budgets'),
  )
  if (output.json) {
    output.printJson(list)
    return EXIT_CODES.ok
  }
  if (list.budgets.length === 0) {
    output.line('No budgets. Set one: mima budget set --scope agent --name triage --period day --usd 25')
    return EXIT_CODES.ok
  }
  const rows = [
    ['ID', 'SCOPE', 'NAME', 'PERIOD', 'LIMIT', 'ALERTS'],
    ...list.budgets.map((budget) => [
      budget.budget_id,
      budget.scope,
      budget.scope_value || '-',
      budget.period,
      describeLimit(budget),
      budget.alert_thresholds.map((value) => `${Math.round(value * 100)}%`).join(','),
    ]),
  ]
  for (const line of table(rows)) output.line(line)
  return EXIT_CODES.ok
}

async function runBudgetSet(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const scope = parseEnumText('scope', stringValue(values, 'scope') ?? 'workspace', SCOPES)
  const period = parseEnumText('period', stringValue(values, 'period') ?? 'day', PERIODS)
  const name = stringValue(values, 'name')
  if (scope !== 'workspace' && name === undefined)
    throw new UsageError(`--name is required with --scope ${scope}`)
  const number = (flag: string): number | undefined => {
    const text = stringValue(values, flag)
    return text === undefined ? undefined : parseNumberText(flag, text)
  }
  const body = {
    scope,
    ...(name === undefined ? {} : { scope_value: name }),
    period,
    limit_usd: number('usd') ?? null,
    limit_tokens: number('tokens') ?? null,
    max_session_seconds: number('session-seconds') ?? null,
    ...(stringValue(values, 'alerts') === undefined
      ? {}
      : {
          alert_thresholds: (stringValue(values, 'alerts') as string)
            .split(',')
            .map((item) => parseNumberText('alerts', item.replace('%', '')) / (item.includes('%') ? 100 : 1)),
        }),
  }
  const session = await openSession(context)
  let budget: BudgetRow
  try {
    budget = await session.api.request<BudgetRow>('PUT', session.api.workspacePath('budgets'), { body })
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) throw new UsageError(error.message)
    throw error
  }
  if (output.json) output.printJson(budget)
  else
    output.line(
      `${output.colors.green('✓')} Budget ${budget.budget_id}: ${budget.scope} ${budget.scope_value} · ${budget.period} · ${describeLimit(budget)}`,
    )
  return EXIT_CODES.ok
}

async function runBudgetDelete(context: CommandContext): Promise<ExitCode> {
  const id = context.positionals[0] as string
  const session = await openSession(context)
  try {
    await session.api.requestRaw('DELETE', session.api.workspacePath(`budgets/${encodeURIComponent(id)}`))
  } catch (error) {
    if (error instanceof ApiError && error.status === 404)
      throw new RefusedError(`no budget ${id} in this workspace`, {
        status: 404,
        hint: 'Run `mima budget show`.',
      })
    throw error
  }
  if (context.output.json) context.output.printJson({ deleted: id })
  else context.output.line(`${context.output.colors.green('✓')} Budget ${id} deleted`)
  return EXIT_CODES.ok
}

/** `mima budget`. */
export const budgetCommand: CommandSpec = {
  name: 'budget',
  aliases: ['budgets'],
  summary: 'Show and set spend budgets (USD, tokens, session time) per workspace, system, agent or user',
  usage: [
    'budget [show] [--system S [--agent A] [--user U] [--session ID]]',
    'budget set --scope agent --name N --period day --usd 25',
    'budget delete ID',
  ],
  defaultSubcommand: 'show',
  json: true,
  examples: [
    'mima budget set --scope agent --name triage --period day --usd 25',
    'mima budget show --system support-bot',
  ],
  subcommands: [
    {
      name: 'show',
      aliases: ['list', 'ls'],
      summary: 'List budgets, or the state of the budgets that apply to a system (per model)',
      usage: ['budget show [--system S [--agent A] [--user U] [--session ID]]'],
      json: true,
      options: {
        system: { type: 'string', valueName: 'S', description: 'Show the live state for this system' },
        agent: { type: 'string', valueName: 'A', description: 'and agent' },
        user: { type: 'string', valueName: 'U', description: 'and user' },
        session: { type: 'string', valueName: 'ID', description: 'and session' },
      },
      examples: ['mima budget show', 'mima budget show --system support-bot --agent triage'],
      run: runBudgetShow,
    },
    {
      name: 'set',
      summary: 'Create or replace the budget of a scope and period (admin key)',
      usage: [
        'budget set [--scope workspace|system|agent|user] [--name N] --period session|day|month [--usd X] [--tokens N] [--session-seconds N] [--alerts 50%,80%,100%]',
      ],
      json: true,
      options: {
        scope: {
          type: 'string',
          valueName: 'SCOPE',
          description: 'workspace, system, agent or user',
          defaultLabel: 'workspace',
        },
        name: { type: 'string', valueName: 'N', description: 'The system, agent or user name' },
        period: { type: 'string', valueName: 'P', description: 'session, day or month', defaultLabel: 'day' },
        usd: { type: 'string', valueName: 'X', description: 'Cap in US dollars' },
        tokens: { type: 'string', valueName: 'N', description: 'Cap in tokens' },
        'session-seconds': {
          type: 'string',
          valueName: 'N',
          description: 'Session time cap (session budgets)',
        },
        alerts: {
          type: 'string',
          valueName: 'LIST',
          description: 'Alert thresholds',
          defaultLabel: '50%,80%,100%',
        },
      },
      examples: [
        'mima budget set --scope agent --name triage --period day --usd 25',
        'mima budget set --period month --usd 1000 --alerts 80%,100%',
      ],
      run: runBudgetSet,
    },
    {
      name: 'delete',
      aliases: ['rm'],
      summary: 'Delete a budget (admin key)',
      usage: ['budget delete ID'],
      positionals: { min: 1, max: 1, names: 'ID' },
      json: true,
      examples: ['mima budget delete bud_x1y2z3'],
      run: runBudgetDelete,
    },
  ],
}
