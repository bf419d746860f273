import type { Queryable } from '../storage/database'

/** An agent's scope as registered on the server (for the dashboard and other services). */
export interface AgentScopeRow {
  agent: string
  allowed_tools: string[]
  allowed_apis: string[]
  hidden_tools: string[]
  updated_by: string
  updated_at: string
}

/** A registered tool with its metadata. */
export interface ToolRow {
  name: string
  description: string | null
  category: string | null
  risk_level: string | null
  requires_approval: boolean
  metadata: Record<string, unknown>
  updated_by: string
  updated_at: string
}

const iso = (value: Date | string): string => new Date(value).toISOString()
const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T))

/** Registers or replaces an agent's scope. */
export async function upsertAgentScope(
  database: Queryable,
  workspaceId: string,
  scope: Omit<AgentScopeRow, 'updated_at'>,
): Promise<AgentScopeRow> {
  const { rows } = await database.query(
    `insert into policy_agent_scopes (workspace_id, agent, allowed_tools, allowed_apis, hidden_tools, updated_by)
     values ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6)
     on conflict (workspace_id, agent) do update set allowed_tools = excluded.allowed_tools,
       allowed_apis = excluded.allowed_apis, hidden_tools = excluded.hidden_tools,
       updated_by = excluded.updated_by, updated_at = now()
     returning *`,
    [
      workspaceId,
      scope.agent,
      JSON.stringify(scope.allowed_tools),
      JSON.stringify(scope.allowed_apis),
      JSON.stringify(scope.hidden_tools),
      scope.updated_by,
    ],
  )
  return agentRow(rows[0] as Record<string, unknown>)
}

function agentRow(row: Record<string, unknown>): AgentScopeRow {
  return {
    agent: row.agent as string,
    allowed_tools: json<string[]>(row.allowed_tools),
    allowed_apis: json<string[]>(row.allowed_apis),
    hidden_tools: json<string[]>(row.hidden_tools),
    updated_by: row.updated_by as string,
    updated_at: iso(row.updated_at as Date | string),
  }
}

/** Every registered agent scope. */
export async function listAgentScopes(database: Queryable, workspaceId: string): Promise<AgentScopeRow[]> {
  const { rows } = await database.query(
    'select * from policy_agent_scopes where workspace_id = $1 order by agent',
    [workspaceId],
  )
  return rows.map(agentRow)
}

/** Registers or replaces a tool. */
export async function upsertTool(
  database: Queryable,
  workspaceId: string,
  tool: Omit<ToolRow, 'updated_at'>,
): Promise<ToolRow> {
  const { rows } = await database.query(
    `insert into policy_tools (workspace_id, name, description, category, risk_level, requires_approval, metadata, updated_by)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
     on conflict (workspace_id, name) do update set description = excluded.description,
       category = excluded.category, risk_level = excluded.risk_level,
       requires_approval = excluded.requires_approval, metadata = excluded.metadata,
       updated_by = excluded.updated_by, updated_at = now()
     returning *`,
    [
      workspaceId,
      tool.name,
      tool.description,
      tool.category,
      tool.risk_level,
      tool.requires_approval,
      JSON.stringify(tool.metadata),
      tool.updated_by,
    ],
  )
  return toolRow(rows[0] as Record<string, unknown>)
}

function toolRow(row: Record<string, unknown>): ToolRow {
  return {
    name: row.name as string,
    description: (row.description as string | null) ?? null,
    category: (row.category as string | null) ?? null,
    risk_level: (row.risk_level as string | null) ?? null,
    requires_approval: row.requires_approval === true,
    metadata: json<Record<string, unknown>>(row.metadata),
    updated_by: row.updated_by as string,
    updated_at: iso(row.updated_at as Date | string),
  }
}

/** Registered tools, optionally filtered by risk level or `requires_approval`. */
export async function listTools(
  database: Queryable,
  workspaceId: string,
  filter: { riskLevel?: string; requiresApproval?: boolean } = {},
): Promise<ToolRow[]> {
  const { rows } = await database.query(
    `select * from policy_tools where workspace_id = $1
       and ($2::text is null or risk_level = $2) and ($3::boolean is null or requires_approval = $3)
     order by name`,
    [workspaceId, filter.riskLevel ?? null, filter.requiresApproval ?? null],
  )
  return rows.map(toolRow)
}
