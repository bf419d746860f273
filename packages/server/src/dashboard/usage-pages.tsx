import type { Context, Hono } from 'hono'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { type AgentSummary, listAgentEvents, listAgents } from '../agents/agent-store'
import { changeAgentStatus } from '../agents/agents-feature'
import { type BudgetDefinition, listBudgets } from '../budgets/budget-definitions'
import type { AppEnv, ServerContext } from '../http/context'
import { type SpendRow, spendReport } from '../usage/spend-report'
import { DataTable, Layout, Notice, Time } from './dashboard-layout'
import type { DashboardSession } from './session-store'

type DashboardContext = Context<AppEnv>

/** What the dashboard feature lends these pages. */
export interface UsagePageHelpers {
  page(
    render: (c: DashboardContext, session: DashboardSession) => Promise<Response>,
  ): (c: DashboardContext) => Promise<Response>
  html(c: DashboardContext, element: JSX.Element, status?: number): Response
  refuseCrossSite(c: DashboardContext): Response | undefined
  sessionOf(c: DashboardContext): Promise<DashboardSession | undefined>
}

const usd = (value: number): string => `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`

/** A bar chart as inline SVG (presentation attributes only: the CSP allows no inline style). */
function BarChart(props: {
  id: string
  label: string
  rows: readonly { key: string; value: number }[]
}): JSX.Element {
  const width = 720
  const barHeight = 22
  const labelWidth = 170
  const max = Math.max(...props.rows.map((row) => row.value), 0)
  const height = props.rows.length * (barHeight + 6) + 6
  return (
    <svg
      id={props.id}
      role="img"
      aria-label={props.label}
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      preserveAspectRatio="xMinYMin meet"
    >
      {props.rows.map((row, index) => {
        const y = 6 + index * (barHeight + 6)
        const length = max === 0 ? 0 : Math.max(1, ((width - labelWidth - 90) * row.value) / max)
        return (
          <g data-key={row.key}>
            <text x="0" y={y + 15} font-size="12" fill="currentColor">
              {row.key.length > 26 ? `${row.key.slice(0, 25)}…` : row.key}
            </text>
            <rect x={labelWidth} y={y} width={length} height={barHeight} rx="3" fill="#4f6bed" />
            <text x={labelWidth + length + 6} y={y + 15} font-size="12" fill="currentColor">
              {usd(row.value)}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

/** Spend over time as columns, one per day. */
function DailyChart(props: { rows: readonly SpendRow[] }): JSX.Element {
  const width = 720
  const height = 180
  const max = Math.max(...props.rows.map((row) => row.cost_usd), 0)
  const column = props.rows.length === 0 ? 0 : Math.min(40, (width - 20) / props.rows.length)
  return (
    <svg
      id="spend-per-day"
      role="img"
      aria-label="Spend per day"
      viewBox={`0 0 ${width} ${height + 30}`}
      width="100%"
    >
      <line x1="0" y1={height} x2={width} y2={height} stroke="currentColor" stroke-opacity="0.3" />
      {props.rows.map((row, index) => {
        const barHeight = max === 0 ? 0 : Math.max(1, ((height - 20) * row.cost_usd) / max)
        const x = 10 + index * column
        return (
          <g data-key={row.key ?? ''}>
            <title>{`${row.key}: ${usd(row.cost_usd)} in ${row.calls} calls`}</title>
            <rect
              x={x}
              y={height - barHeight}
              width={Math.max(2, column - 4)}
              height={barHeight}
              rx="2"
              fill="#4f6bed"
            />
            {index === 0 || index === props.rows.length - 1 ? (
              <text x={x} y={height + 16} font-size="11" fill="currentColor">
                {(row.key ?? '').slice(5)}
              </text>
            ) : null}
          </g>
        )
      })}
    </svg>
  )
}

function SpendTable(props: { title: string; rows: readonly SpendRow[] }): JSX.Element {
  return (
    <DataTable
      headings={['{props.title}', 'Calls', 'Input tokens', 'Output tokens', 'Cost', 'Unpriced']}
      rows={props.rows}
      row={(row) => (
        <tr>
          <td>{row.key ?? '(none)'}</td>
          <td>{row.calls}</td>
          <td>{row.input_tokens}</td>
          <td>{row.output_tokens}</td>
          <td>{usd(row.cost_usd)}</td>
          <td>{row.unpriced_calls === 0 ? '' : row.unpriced_calls}</td>
        </tr>
      )}
    />
  )
}

function describeBudget(budget: BudgetDefinition): string {
  const limits = [
    budget.limit_usd === null ? undefined : usd(budget.limit_usd),
    budget.limit_tokens === null ? undefined : `${budget.limit_tokens} tokens`,
    budget.max_session_seconds === null ? undefined : `${budget.max_session_seconds} s per session`,
  ].filter((item) => item !== undefined)
  return `${budget.scope}${budget.scope_value ? ` ${budget.scope_value}` : ''} · per ${budget.period} · ${limits.join(' / ')}`
}

/** Spend: totals, spend per day and per model (charts), per agent, and the budgets. */
export function SpendPage(props: {
  session: DashboardSession
  days: number
  perDay: readonly SpendRow[]
  perModel: readonly SpendRow[]
  perAgent: readonly SpendRow[]
  totals: Omit<SpendRow, 'key'>
  budgets: readonly BudgetDefinition[]
}): JSX.Element {
  return (
    <Layout session={props.session} section="spend" title="Spend">
      <h1>Spend</h1>
      <p class="muted">{`Model calls recorded in the last ${props.days} days (server receipt time, UTC). CSV: GET /api/workspaces/…/usage?format=csv`}</p>
      <div class="stats">
        <div class="stat">
          <div class="value" id="spend-total">
            {usd(props.totals.cost_usd)}
          </div>
          <div class="label">spent</div>
        </div>
        <div class="stat">
          <div class="value">{props.totals.calls}</div>
          <div class="label">model calls</div>
        </div>
        <div class="stat">
          <div class="value">{props.totals.input_tokens + props.totals.output_tokens}</div>
          <div class="label">tokens</div>
        </div>
        <div class="stat">
          <div class="value">{props.totals.unpriced_calls}</div>
          <div class="label">calls without a price</div>
        </div>
      </div>
      {props.totals.calls === 0 ? (
        <Notice kind="info">
          No model calls with usage yet. Wrap your clients with wrapOpenAI or wrapAnthropic.
        </Notice>
      ) : (
        <>
          <section class="card">
            <h2>Spend per day</h2>
            <DailyChart rows={props.perDay} />
          </section>
          <section class="card">
            <h2>Spend per model</h2>
            <BarChart
              id="spend-per-model"
              label="Spend per model"
              rows={props.perModel.map((row) => ({ key: row.key ?? '(none)', value: row.cost_usd }))}
            />
            <SpendTable title="Model" rows={props.perModel} />
          </section>
          <section class="card">
            <h2>Spend per agent</h2>
            <SpendTable title="Agent" rows={props.perAgent} />
          </section>
        </>
      )}
      <section class="card" id="budgets">
        <h2>Budgets</h2>
        {props.budgets.length === 0 ? (
          <p class="muted">No budgets. Set one with `mima budget set`.</p>
        ) : (
          <ul>
            {props.budgets.map((budget) => (
              <li>{describeBudget(budget)}</li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  )
}

/** Agents: kill-switch status, presence, instances, recent events, kill and revive. */
export function AgentsPage(props: {
  session: DashboardSession
  agents: readonly AgentSummary[]
  events: readonly { id: string; type: string; occurred_at: string; data: Record<string, unknown> }[]
  notice?: string | undefined
}): JSX.Element {
  return (
    <Layout session={props.session} section="agents" title="Agents">
      <h1>Agents</h1>
      {props.notice === undefined ? null : <Notice kind="ok">{props.notice}</Notice>}
      {props.agents.length === 0 ? (
        <Notice kind="info">
          No agents yet: they appear once they send heartbeats (createRuntimeControls).
        </Notice>
      ) : (
        <DataTable
          id="agents"
          headings={['Agent', 'Status', 'Presence', 'Instances', 'Last seen', '']}
          rows={props.agents}
          row={(agent) => (
            <tr data-agent={agent.agent_name}>
              <td>{agent.agent_name}</td>
              <td class={agent.status === 'killed' ? 'fail' : undefined}>
                {agent.status === 'killed' ? `killed${agent.reason ? ` (${agent.reason})` : ''}` : 'active'}
              </td>
              <td>{agent.presence}</td>
              <td>{agent.instances.filter((instance) => instance.presence !== 'closed').length}</td>
              <td>
                <Time value={agent.instances[0]?.last_seen_at ?? null} />
              </td>
              <td>
                <form
                  method="post"
                  action={`/dashboard/agents/${encodeURIComponent(agent.agent_name)}/${agent.status === 'killed' ? 'revive' : 'kill'}`}
                >
                  {agent.status === 'killed' ? null : (
                    <input
                      type="text"
                      name="reason"
                      placeholder="reason"
                      aria-label={`Why kill ${agent.agent_name}`}
                    />
                  )}{' '}
                  <button type="submit" class={agent.status === 'killed' ? undefined : 'danger'}>
                    {agent.status === 'killed' ? 'Revive' : 'Kill'}
                  </button>
                </form>
              </td>
            </tr>
          )}
        />
      )}
      <section class="card">
        <h2>Recent events</h2>
        {props.events.length === 0 ? (
          <p class="muted">No kills, revivals or loops yet.</p>
        ) : (
          <ul id="agent-events">
            {props.events.map((event) => (
              <li>
                <Time value={event.occurred_at} /> <strong>{event.type}</strong>{' '}
                {String(event.data.agent_name ?? '')}{' '}
                {event.type === 'loop.detected'
                  ? `${String(event.data.tool_name)}: ${String(event.data.calls)} calls in ${String(event.data.window_seconds)} s`
                  : typeof event.data.reason === 'string'
                    ? event.data.reason
                    : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  )
}

/** Registers `/dashboard/spend`, `/dashboard/agents` and the kill and revive forms. */
export function registerUsagePages(
  api: Hono<AppEnv>,
  server: ServerContext,
  helpers: UsagePageHelpers,
): void {
  const { database } = server
  api.get(
    '/dashboard/spend',
    helpers.page(async (c, session) => {
      const { workspaceId } = session.principal
      const requested = Number(c.req.query('days') ?? 30)
      const days = Number.isInteger(requested) && requested > 0 && requested <= 366 ? requested : 30
      const since = new Date(Date.now() - days * 86_400_000).toISOString()
      const [perDay, perModel, perAgent, budgets] = await Promise.all([
        spendReport(database, workspaceId, 'day', { since }),
        spendReport(database, workspaceId, 'model', { since }),
        spendReport(database, workspaceId, 'agent', { since }),
        listBudgets(database, workspaceId),
      ])
      return helpers.html(
        c,
        <SpendPage
          session={session}
          days={days}
          perDay={perDay.rows}
          perModel={perModel.rows}
          perAgent={perAgent.rows}
          totals={perDay.totals}
          budgets={budgets}
        />,
      )
    }),
  )

  const renderAgents = async (
    c: DashboardContext,
    session: DashboardSession,
    notice?: string,
  ): Promise<Response> => {
    const { workspaceId } = session.principal
    const [agents, events] = await Promise.all([
      listAgents(database, workspaceId, { unresponsiveAfterSeconds: 60 }),
      listAgentEvents(database, workspaceId, { limit: 30 }),
    ])
    return helpers.html(c, <AgentsPage session={session} agents={agents} events={events} notice={notice} />)
  }
  api.get(
    '/dashboard/agents',
    helpers.page((c, session) => renderAgents(c, session)),
  )
  for (const action of ['kill', 'revive'] as const) {
    api.post(`/dashboard/agents/:name/${action}`, async (c) => {
      const refused = helpers.refuseCrossSite(c)
      if (refused !== undefined) return refused
      const session = await helpers.sessionOf(c)
      if (session === undefined) return c.redirect('/dashboard/login', 303)
      const agentName = c.req.param('name')
      if (agentName.length === 0 || agentName.length > 500) return c.text('The agent name is not valid.', 400)
      const form = await c.req.parseBody()
      const reason =
        typeof form.reason === 'string' && form.reason.trim() !== ''
          ? form.reason.trim().slice(0, 1000)
          : null
      await changeAgentStatus(server, {
        workspaceId: session.principal.workspaceId,
        agentName,
        status: action === 'kill' ? 'killed' : 'active',
        reason,
        changedBy: session.principal.keyName,
      })
      return renderAgents(
        c,
        session,
        action === 'kill' ? `Agent ${agentName} killed.` : `Agent ${agentName} revived.`,
      )
    })
  }
}
