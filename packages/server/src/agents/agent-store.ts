import type { ServerEvent } from '../events/event-bus'
import type { Queryable } from '../storage/database'

/** How an instance is doing: from its last heartbeat and the state it reported. */
export type Presence = 'live' | 'idle' | 'unresponsive' | 'closed'

/** One running (or recently running) process of an agent. */
export interface AgentInstance {
  instance_id: string
  session_id: string | null
  presence: Presence
  metadata: Record<string, unknown>
  started_at: string
  last_seen_at: string
}

/** An agent as listed: kill-switch status, the best presence of its instances, the instances. */
export interface AgentSummary {
  agent_name: string
  status: 'active' | 'killed'
  reason: string | null
  changed_by: string | null
  changed_at: string | null
  presence: Presence | 'unknown'
  instances: AgentInstance[]
}

/** A heartbeat from one instance. */
export interface Heartbeat {
  agentName: string
  instanceId: string
  sessionId?: string | undefined
  state: 'live' | 'idle' | 'closed'
  metadata: Record<string, unknown>
}

const PRESENCE_RANK: Record<Presence | 'unknown', number> = {
  live: 4,
  idle: 3,
  unresponsive: 2,
  closed: 1,
  unknown: 0,
}

function presenceOf(state: string, lastSeen: Date, now: Date, unresponsiveAfterMs: number): Presence {
  if (state === 'closed') return 'closed'
  if (now.getTime() - lastSeen.getTime() > unresponsiveAfterMs) return 'unresponsive'
  return state === 'idle' ? 'idle' : 'live'
}

/** Records a heartbeat; returns whether the agent is killed (and why). */
export async function recordHeartbeat(
  database: Queryable,
  workspaceId: string,
  heartbeat: Heartbeat,
): Promise<{ killed: boolean; reason: string | null }> {
  await database.query(
    `insert into agent_instances (workspace_id, agent_name, instance_id, session_id, state, metadata)
     values ($1, $2, $3, $4, $5, $6::jsonb)
     on conflict (workspace_id, agent_name, instance_id) do update set
       session_id = coalesce(excluded.session_id, agent_instances.session_id), state = excluded.state,
       metadata = excluded.metadata, last_seen_at = now()`,
    [
      workspaceId,
      heartbeat.agentName,
      heartbeat.instanceId,
      heartbeat.sessionId ?? null,
      heartbeat.state,
      JSON.stringify(heartbeat.metadata),
    ],
  )
  const { rows } = await database.query<{ status: string; reason: string | null }>(
    `insert into agents (workspace_id, agent_name) values ($1, $2)
     on conflict (workspace_id, agent_name) do update set agent_name = excluded.agent_name
     returning status, reason`,
    [workspaceId, heartbeat.agentName],
  )
  const row = rows[0]
  return { killed: row?.status === 'killed', reason: row?.reason ?? null }
}

/** Kills or revives an agent (the row is created when the agent was never seen). */
export async function setAgentStatus(
  database: Queryable,
  workspaceId: string,
  agentName: string,
  status: 'active' | 'killed',
  reason: string | null,
  changedBy: string,
): Promise<void> {
  await database.query(
    `insert into agents (workspace_id, agent_name, status, reason, changed_by, changed_at)
     values ($1, $2, $3, $4, $5, now())
     on conflict (workspace_id, agent_name) do update set status = excluded.status, reason = excluded.reason,
       changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
    [workspaceId, agentName, status, reason, changedBy],
  )
}

/** The killed agents of a workspace. */
export async function listKilledAgents(
  database: Queryable,
  workspaceId: string,
): Promise<{ agent_name: string; reason: string | null; changed_at: string | null }[]> {
  const { rows } = await database.query<{
    agent_name: string
    reason: string | null
    changed_at: Date | null
  }>(
    `select agent_name, reason, changed_at from agents where workspace_id = $1 and status = 'killed' order by agent_name`,
    [workspaceId],
  )
  return rows.map((row) => ({
    agent_name: row.agent_name,
    reason: row.reason,
    changed_at: row.changed_at === null ? null : new Date(row.changed_at).toISOString(),
  }))
}

/** Every agent with its presence (instances seen in the last day), or one agent when `agentName` is set. */
export async function listAgents(
  database: Queryable,
  workspaceId: string,
  options: { unresponsiveAfterSeconds: number; agentName?: string | undefined },
): Promise<AgentSummary[]> {
  const now = new Date()
  const agents = await database.query<{
    agent_name: string
    status: 'active' | 'killed'
    reason: string | null
    changed_by: string | null
    changed_at: Date | null
  }>(
    `select agent_name, status, reason, changed_by, changed_at from agents
     where workspace_id = $1 and ($2::text is null or agent_name = $2) order by agent_name limit 1000`,
    [workspaceId, options.agentName ?? null],
  )
  const instances = await database.query<{
    agent_name: string
    instance_id: string
    session_id: string | null
    state: string
    metadata: Record<string, unknown>
    started_at: Date
    last_seen_at: Date
  }>(
    `select agent_name, instance_id, session_id, state, metadata, started_at, last_seen_at from agent_instances
     where workspace_id = $1 and ($2::text is null or agent_name = $2) and last_seen_at > now() - interval '1 day'
     order by agent_name, last_seen_at desc limit 10000`,
    [workspaceId, options.agentName ?? null],
  )
  const byAgent = new Map<string, AgentInstance[]>()
  for (const row of instances.rows) {
    const list = byAgent.get(row.agent_name) ?? []
    list.push({
      instance_id: row.instance_id,
      session_id: row.session_id,
      presence: presenceOf(
        row.state,
        new Date(row.last_seen_at),
        now,
        options.unresponsiveAfterSeconds * 1000,
      ),
      metadata: row.metadata,
      started_at: new Date(row.started_at).toISOString(),
      last_seen_at: new Date(row.last_seen_at).toISOString(),
    })
    byAgent.set(row.agent_name, list)
  }
  return agents.rows.map((row) => {
    const list = byAgent.get(row.agent_name) ?? []
    let presence: Presence | 'unknown' = 'unknown'
    for (const instance of list)
      if (PRESENCE_RANK[instance.presence] > PRESENCE_RANK[presence]) presence = instance.presence
    return {
      agent_name: row.agent_name,
      status: row.status,
      reason: row.reason,
      changed_by: row.changed_by,
      changed_at: row.changed_at === null ? null : new Date(row.changed_at).toISOString(),
      presence,
      instances: list,
    }
  })
}

/** Keeps an event for `GET …/events`, `mima tail` and the dashboard. */
export async function storeAgentEvent(database: Queryable, event: ServerEvent): Promise<void> {
  const data = event.data as { agent_name?: unknown; session_id?: unknown }
  await database.query(
    `insert into agent_events (workspace_id, event_id, type, agent_name, session_id, data, occurred_at)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7) on conflict do nothing`,
    [
      event.workspaceId,
      event.id,
      event.type,
      typeof data.agent_name === 'string' ? data.agent_name : null,
      typeof data.session_id === 'string' ? data.session_id : null,
      JSON.stringify(event.data),
      event.occurredAt,
    ],
  )
}

/** Recent agent events, newest first. */
export async function listAgentEvents(
  database: Queryable,
  workspaceId: string,
  options: {
    since?: string | undefined
    type?: string | undefined
    agentName?: string | undefined
    limit: number
  },
): Promise<{ id: string; type: string; occurred_at: string; data: Record<string, unknown> }[]> {
  const { rows } = await database.query<{
    event_id: string
    type: string
    occurred_at: Date
    data: Record<string, unknown>
  }>(
    `select event_id, type, occurred_at, data from agent_events
     where workspace_id = $1 and ($2::timestamptz is null or occurred_at >= $2) and ($3::text is null or type = $3)
       and ($4::text is null or agent_name = $4)
     order by occurred_at desc, event_id desc limit ${options.limit}`,
    [workspaceId, options.since ?? null, options.type ?? null, options.agentName ?? null],
  )
  return rows.map((row) => ({
    id: row.event_id,
    type: row.type,
    occurred_at: new Date(row.occurred_at).toISOString(),
    data: row.data,
  }))
}
