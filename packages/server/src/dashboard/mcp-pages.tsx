import type { Hono } from 'hono'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { AppEnv, ServerContext } from '../http/context'
import {
  listMcpCalls,
  listMcpDecisions,
  listMcpServers,
  type McpCall,
  type McpDecision,
  type McpServerRow,
} from '../mcp/mcp-store'
import { DataTable, Layout, Notice, ShortId, Time } from './dashboard-layout'
import type { DashboardSession } from './session-store'
import type { UsagePageHelpers } from './usage-pages'

function ToolsTable(props: { server: McpServerRow }): JSX.Element {
  return (
    <DataTable
      class="mcp-tools"
      attributes={{ 'data-server': props.server.server_name }}
      headings={['Tool', 'Risk', 'Approval', 'Visible to the agent', 'Flags', 'Definition']}
      rows={props.server.tools}
      row={(tool) => (
        <tr data-tool={tool.name}>
          <td>{tool.name}</td>
          <td class={tool.risk === 'high' || tool.risk === 'critical' ? 'fail' : undefined}>
            {tool.risk ?? '—'}
          </td>
          <td>{tool.requires_approval ? 'a person approves each call' : 'none'}</td>
          <td>{tool.visible ? 'yes' : 'no'}</td>
          <td class={tool.flags.length > 0 || tool.changed ? 'fail' : undefined}>
            {[
              ...tool.flags,
              ...(tool.changed && !tool.flags.includes('description.changed') ? ['description.changed'] : []),
            ].join(', ')}
          </td>
          <td>
            <ShortId id={tool.definition_sha256} />
          </td>
        </tr>
      )}
    />
  )
}

function CallsTable(props: { calls: readonly McpCall[] }): JSX.Element {
  return (
    <DataTable
      class="mcp-calls"
      headings={['When', 'Server', 'Tool', 'Agent', 'Outcome', 'Duration', 'Attestation']}
      rows={props.calls}
      row={(call) => (
        <tr data-attestation={call.attestation_id}>
          <td>
            <Time value={call.executed_at} />
          </td>
          <td>{call.server_name}</td>
          <td>{call.tool}</td>
          <td>{call.agent_name}</td>
          <td class={call.outcome === 'ok' ? undefined : 'fail'} title={call.reasons.join(', ')}>
            {call.outcome}
            {call.approved ? ' (approved)' : ''}
          </td>
          <td>{call.duration_ms === null ? '—' : `${call.duration_ms.toFixed(1)} ms`}</td>
          <td>
            <ShortId id={call.attestation_id} />
          </td>
        </tr>
      )}
      empty="No calls yet."
    />
  )
}

function DecisionsTable(props: { decisions: readonly McpDecision[] }): JSX.Element {
  return (
    <DataTable
      class="mcp-decisions"
      headings={['When', 'Server', 'Tool', 'Agent', 'Decision', 'Rule', 'Reasons', 'Attestation']}
      rows={props.decisions}
      row={(decision) => (
        <tr data-attestation={decision.attestation_id} data-decision={decision.decision}>
          <td>
            <Time value={decision.decided_at} />
          </td>
          <td>{decision.server_name}</td>
          <td>{decision.tool}</td>
          <td>{decision.agent_name}</td>
          <td class={decision.decision === 'deny' ? 'fail' : undefined}>
            {decision.decision}
            {decision.direction === 'egress' ? ' (result)' : ''}
          </td>
          <td>
            {decision.policy_id ?? '—'}
            {decision.rule_id === null ? '' : ` · ${decision.rule_id}`}
          </td>
          <td>{decision.reasons.join(', ')}</td>
          <td>
            <ShortId id={decision.attestation_id} />
          </td>
        </tr>
      )}
      empty="No decisions yet."
    />
  )
}

function McpPage(props: {
  session: DashboardSession
  servers: readonly McpServerRow[]
  calls: readonly McpCall[]
  decisions: readonly McpDecision[]
}): JSX.Element {
  return (
    <Layout title="MCP servers" section="mcp" session={props.session}>
      <h1>MCP servers</h1>
      <p class="muted">
        Servers behind <code>mima mcp proxy</code>: their tools as the agent sees them, each tool's risk and
        approval rule, and the latest governed calls.
      </p>
      {props.servers.length === 0 ? (
        <Notice kind="info">
          No MCP servers yet: they appear once a governing proxy lists their tools (docs/mcp.md).
        </Notice>
      ) : (
        props.servers.map((server) => (
          <section class="card" id={`mcp-server-${server.server_name}`}>
            <h2>
              {server.server_name} <span class="muted">· agent {server.agent_name}</span>
            </h2>
            <p class="muted">
              Reported by {server.reported_by}, last at <Time value={server.updated_at} />
            </p>
            <ToolsTable server={server} />
          </section>
        ))
      )}
      <section class="card">
        <h2>Recent calls</h2>
        <CallsTable calls={props.calls} />
      </section>
      <section class="card">
        <h2>Recent policy decisions</h2>
        <p class="muted">
          Calls the proxy stopped or changed: kill switch, scope, flagged tools, and the policy's deny, redact
          and confirm on arguments and results.
        </p>
        <DecisionsTable decisions={props.decisions} />
      </section>
    </Layout>
  )
}

/** Registers `/dashboard/mcp`: MCP servers, their tools, risk and approval rules, recent calls and decisions. */
export function registerMcpPages(api: Hono<AppEnv>, server: ServerContext, helpers: UsagePageHelpers): void {
  api.get(
    '/dashboard/mcp',
    helpers.page(async (c, session) => {
      const { workspaceId } = session.principal
      const [servers, calls, decisions] = await Promise.all([
        listMcpServers(server.database, workspaceId),
        listMcpCalls(server.database, workspaceId, { limit: 50 }),
        listMcpDecisions(server.database, workspaceId, { limit: 50 }),
      ])
      return helpers.html(
        c,
        <McpPage session={session} servers={servers} calls={calls} decisions={decisions} />,
      )
    }),
  )
}
