import type { Queryable } from '../storage/database'
import type { Migration } from '../storage/migrations'

/**
 * MCP servers (070): what each governing proxy reported of its upstream server (the agent, each
 * tool's definition hash, risk, approval rule, visibility and flags). Calls are the attestations
 * named `mcp.<server>.<tool>`, and the proxy's policy decisions those named `policy.mcp.<server>`,
 * both read with the index added here.
 */
export const MCP_MIGRATIONS: readonly Migration[] = [
  {
    id: '070_mcp_servers',
    sql: `
      create table mcp_servers (
        workspace_id text not null,
        server_name text not null,
        agent_name text not null,
        tools jsonb not null default '[]'::jsonb,
        reported_by text not null,
        first_seen_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (workspace_id, server_name)
      );
      create index attestations_by_tool on attestations (workspace_id, tool_name, attestation_id)
    `,
  },
]

/** One tool as reported, plus the server's own record of the first definition it saw. */
export interface McpTool {
  name: string
  definition_sha256: string
  /** The definition first reported for this tool (the server's pin). */
  first_sha256: string
  /** The definition changed since it was first reported (by the server's pin or the proxy's). */
  changed: boolean
  risk: 'low' | 'medium' | 'high' | 'critical' | null
  requires_approval: boolean
  visible: boolean
  flags: string[]
}

export interface McpServerRow {
  server_name: string
  agent_name: string
  tools: McpTool[]
  reported_by: string
  first_seen_at: string
  updated_at: string
}

/** One governed call, from its attestation. */
export interface McpCall {
  attestation_id: string
  server_name: string
  tool: string
  agent_name: string
  outcome: string
  reasons: string[]
  duration_ms: number | null
  approved: boolean
  executed_at: string | null
  input_hash: string
  output_hash: string
}

export type ReportedTool = Omit<McpTool, 'first_sha256' | 'changed'>

/** Stores a proxy's report, keeping each tool's first definition hash and flagging changes. */
export async function saveMcpServer(
  database: Queryable,
  workspaceId: string,
  report: { serverName: string; agentName: string; tools: readonly ReportedTool[]; reportedBy: string },
): Promise<McpServerRow> {
  const previous = await database.query<{ tools: McpTool[] }>(
    'select tools from mcp_servers where workspace_id = $1 and server_name = $2',
    [workspaceId, report.serverName],
  )
  const known = new Map((previous.rows[0]?.tools ?? []).map((tool) => [tool.name, tool]))
  const tools: McpTool[] = report.tools.map((tool) => {
    const first = known.get(tool.name)?.first_sha256 ?? tool.definition_sha256
    return {
      ...tool,
      first_sha256: first,
      changed: first !== tool.definition_sha256 || tool.flags.includes('description.changed'),
    }
  })
  const result = await database.query<McpServerRow>(
    `insert into mcp_servers (workspace_id, server_name, agent_name, tools, reported_by)
     values ($1, $2, $3, $4::jsonb, $5)
     on conflict (workspace_id, server_name) do update set
       agent_name = excluded.agent_name, tools = excluded.tools, reported_by = excluded.reported_by, updated_at = now()
     returning server_name, agent_name, tools, reported_by, first_seen_at::text, updated_at::text`,
    [workspaceId, report.serverName, report.agentName, JSON.stringify(tools), report.reportedBy],
  )
  return result.rows[0] as McpServerRow
}

export async function listMcpServers(database: Queryable, workspaceId: string): Promise<McpServerRow[]> {
  const result = await database.query<McpServerRow>(
    `select server_name, agent_name, tools, reported_by, first_seen_at::text, updated_at::text
     from mcp_servers where workspace_id = $1 order by server_name`,
    [workspaceId],
  )
  return result.rows
}

/** An attestation record's `metadata` object (empty when it has none). */
const metadataOf = (record: Record<string, unknown>): Record<string, unknown> =>
  typeof record.metadata === 'object' && record.metadata !== null
    ? (record.metadata as Record<string, unknown>)
    : {}

/** The latest governed calls of one server (or of every server), newest first. */
export async function listMcpCalls(
  database: Queryable,
  workspaceId: string,
  options: { serverName?: string | undefined; limit: number },
): Promise<McpCall[]> {
  // `mcp.<server>.` to `mcp.<server>/` is the prefix range ('/' follows '.'), which the index serves.
  const low = options.serverName === undefined ? 'mcp.' : `mcp.${options.serverName}.`
  const high = options.serverName === undefined ? 'mcp/' : `mcp.${options.serverName}/`
  const result = await database.query<{
    attestation_id: string
    tool_name: string
    agent_name: string
    input_hash: string
    output_hash: string
    executed_at: string | null
    record: Record<string, unknown>
  }>(
    `select attestation_id, tool_name, agent_name, input_hash, output_hash, executed_at, record
     from attestations
     where workspace_id = $1 and tool_name >= $2 and tool_name < $3
     order by attestation_id desc limit $4`,
    [workspaceId, low, high, options.limit],
  )
  return result.rows.map((row) => {
    const metadata = metadataOf(row.record)
    const rest = row.tool_name.slice('mcp.'.length)
    const server = typeof metadata.mcp_server === 'string' ? metadata.mcp_server : (rest.split('.')[0] ?? '')
    const approved = typeof row.record.approval_token === 'string'
    return {
      attestation_id: row.attestation_id,
      server_name: server,
      tool: typeof metadata.mcp_tool === 'string' ? metadata.mcp_tool : rest.slice(server.length + 1),
      agent_name: row.agent_name,
      outcome:
        typeof metadata.outcome === 'string'
          ? metadata.outcome
          : row.record.outcome === 'error'
            ? 'error'
            : 'ok',
      reasons: Array.isArray(metadata.reasons)
        ? metadata.reasons.filter((item) => typeof item === 'string')
        : [],
      duration_ms: typeof row.record.duration_ms === 'number' ? row.record.duration_ms : null,
      approved,
      executed_at: row.executed_at,
      input_hash: row.input_hash,
      output_hash: row.output_hash,
    }
  })
}

/** One policy decision of a governing proxy (kill switch, scope, precheck, postcheck), from its attestation. */
export interface McpDecision {
  attestation_id: string
  decision_id: string | null
  server_name: string
  /** The tool as the agent named it (without `mcp.<server>.`). */
  tool: string
  agent_name: string
  decision: string
  direction: string | null
  policy_id: string | null
  policy_version: string | null
  rule_id: string | null
  reasons: string[]
  detector_kinds: string[]
  decided_at: string | null
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null)
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []

/** The latest policy decisions of one server's proxy (or of every server's), newest first. */
export async function listMcpDecisions(
  database: Queryable,
  workspaceId: string,
  options: { serverName?: string | undefined; limit: number },
): Promise<McpDecision[]> {
  // One server: its tool name exactly; every server: the `policy.mcp.` prefix range.
  const low = options.serverName === undefined ? 'policy.mcp.' : `policy.mcp.${options.serverName}`
  const high = options.serverName === undefined ? 'policy.mcp/' : `policy.mcp.${options.serverName}`
  const result = await database.query<{
    attestation_id: string
    tool_name: string
    agent_name: string
    executed_at: string | null
    record: Record<string, unknown>
  }>(
    `select attestation_id, tool_name, agent_name, executed_at, record
     from attestations
     where workspace_id = $1 and tool_name >= $2 and tool_name ${options.serverName === undefined ? '<' : '<='} $3
     order by attestation_id desc limit $4`,
    [workspaceId, low, high, options.limit],
  )
  return result.rows.map((row) => {
    const metadata = metadataOf(row.record)
    const server = row.tool_name.slice('policy.mcp.'.length)
    const qualified = text(metadata.tool) ?? ''
    const prefix = `mcp.${server}.`
    return {
      attestation_id: row.attestation_id,
      decision_id: text(metadata.decision_id),
      server_name: server,
      tool: qualified.startsWith(prefix) ? qualified.slice(prefix.length) : qualified,
      agent_name: text(metadata.agent) ?? row.agent_name,
      decision: text(metadata.decision) ?? 'unknown',
      direction: text(metadata.direction),
      policy_id: text(metadata.policy_id),
      policy_version: text(metadata.policy_version),
      rule_id: text(metadata.rule_id),
      reasons: texts(metadata.reasons),
      detector_kinds: texts(metadata.detector_kinds),
      decided_at: text(metadata.decided_at) ?? row.executed_at,
    }
  })
}
