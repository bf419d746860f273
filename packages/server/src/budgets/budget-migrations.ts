import type { Migration } from '../storage/migrations'

/**
 * Budgets (061): definitions, one counter row per budget and window (a UTC day, a month, a
 * session), leases (budget reserved by one client process, settled or released later) and the
 * per-model breakdown of settled spend. Every key leads with `workspace_id`.
 */
export const BUDGET_MIGRATIONS: readonly Migration[] = [
  {
    id: '061_budgets',
    sql: `
      create table budgets (
        workspace_id text not null,
        budget_id text not null,
        scope_kind text not null check (scope_kind in ('workspace', 'system', 'agent', 'user')),
        scope_value text not null default '',
        period text not null check (period in ('session', 'day', 'month')),
        limit_usd numeric,
        limit_tokens bigint,
        max_session_seconds integer,
        alert_thresholds jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (workspace_id, budget_id)
      );
      create unique index budgets_by_scope on budgets (workspace_id, scope_kind, scope_value, period);
      create table budget_counters (
        workspace_id text not null,
        budget_id text not null,
        window_key text not null,
        spent_usd numeric not null default 0,
        reserved_usd numeric not null default 0,
        spent_tokens bigint not null default 0,
        reserved_tokens bigint not null default 0,
        calls bigint not null default 0,
        alert_level numeric not null default 0,
        started_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (workspace_id, budget_id, window_key)
      );
      create table budget_leases (
        workspace_id text not null,
        lease_id text not null,
        budget_id text not null,
        window_key text not null,
        usd numeric not null,
        tokens bigint not null,
        expires_at timestamptz not null,
        primary key (workspace_id, lease_id, budget_id)
      );
      create index budget_leases_by_expiry on budget_leases (workspace_id, expires_at);
      create table budget_model_usage (
        workspace_id text not null,
        budget_id text not null,
        window_key text not null,
        model text not null,
        cost_usd numeric not null default 0,
        tokens bigint not null default 0,
        calls bigint not null default 0,
        primary key (workspace_id, budget_id, window_key, model)
      )
    `,
  },
]
