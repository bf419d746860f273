import type { Migration } from '../storage/migrations'

/** The policy feature's schema (050–059). Every key leads with `workspace_id`. */
export const POLICY_MIGRATIONS: readonly Migration[] = [
  {
    id: '050_policy_versions',
    sql: `
      create table policy_versions (
        workspace_id text not null,
        name text not null,
        version integer not null,
        document jsonb not null,
        source text not null,
        content_hash text not null,
        created_by text not null,
        created_at timestamptz not null default now(),
        primary key (workspace_id, name, version)
      );
      create table policy_settings (
        workspace_id text primary key,
        commitment_key text not null
      )
    `,
  },
  {
    id: '051_policy_decisions',
    sql: `
      create table policy_decisions (
        workspace_id text not null,
        decision_id text not null,
        policy_name text not null,
        policy_version text not null,
        rule_id text not null,
        decision text not null,
        direction text not null,
        tool text,
        agent text,
        reasons jsonb not null,
        detector_kinds jsonb not null,
        findings integer not null,
        text_commitment text,
        correlation_id text,
        source text not null,
        decided_at timestamptz not null,
        received_at timestamptz not null default now(),
        primary key (workspace_id, decision_id)
      );
      create index policy_decisions_recent on policy_decisions (workspace_id, policy_name, received_at desc)
    `,
  },
  {
    id: '052_policy_registry',
    sql: `
      create table policy_agent_scopes (
        workspace_id text not null,
        agent text not null,
        allowed_tools jsonb not null,
        allowed_apis jsonb not null,
        hidden_tools jsonb not null,
        updated_by text not null,
        updated_at timestamptz not null default now(),
        primary key (workspace_id, agent)
      );
      create table policy_tools (
        workspace_id text not null,
        name text not null,
        description text,
        category text,
        risk_level text,
        requires_approval boolean not null default false,
        metadata jsonb not null,
        updated_by text not null,
        updated_at timestamptz not null default now(),
        primary key (workspace_id, name)
      )
    `,
  },
]
