import type { Migration } from '../storage/migrations'

/**
 * Agents (062): the kill switch (one row per agent, `killed` until revived), presence (one row per
 * running instance, refreshed by heartbeats) and the agent events shown by `mima tail` and the
 * dashboard (kills, revivals, loops). Every key leads with `workspace_id`.
 */
export const AGENT_MIGRATIONS: readonly Migration[] = [
  {
    id: '062_agents',
    sql: `
      create table agents (
        workspace_id text not null,
        agent_name text not null,
        status text not null default 'active' check (status in ('active', 'killed')),
        reason text,
        changed_by text,
        changed_at timestamptz,
        created_at timestamptz not null default now(),
        primary key (workspace_id, agent_name)
      );
      create index agents_killed on agents (workspace_id) where status = 'killed';
      create table agent_instances (
        workspace_id text not null,
        agent_name text not null,
        instance_id text not null,
        session_id text,
        state text not null check (state in ('live', 'idle', 'closed')),
        metadata jsonb not null default '{}'::jsonb,
        started_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        primary key (workspace_id, agent_name, instance_id)
      );
      create index agent_instances_recent on agent_instances (workspace_id, last_seen_at);
      create table agent_events (
        workspace_id text not null,
        event_id text not null,
        type text not null,
        agent_name text,
        session_id text,
        data jsonb not null,
        occurred_at timestamptz not null,
        primary key (workspace_id, event_id)
      );
      create index agent_events_recent on agent_events (workspace_id, occurred_at)
    `,
  },
]
