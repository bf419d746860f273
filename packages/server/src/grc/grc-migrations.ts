import type { Migration } from '../storage/migrations'

/** The GRC feature's schema (010–019): gates and framework validations. Evidence lives in `grc_evidence`. */
export const GRC_MIGRATIONS: readonly Migration[] = [
  {
    id: '010_grc_gates',
    sql: `
      create table grc_gates (
        workspace_id text not null,
        gate_id text not null,
        framework text not null,
        scope text not null,
        mode text not null check (mode in ('required', 'advisory')),
        threshold_pct integer not null check (threshold_pct between 0 and 100),
        created_by text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (workspace_id, gate_id)
      );
      create unique index grc_gates_framework_scope on grc_gates (workspace_id, framework, scope)
    `,
  },
  {
    id: '011_grc_framework_validations',
    sql: `
      create table grc_framework_validations (
        workspace_id text not null,
        framework text not null,
        validated_at timestamptz not null,
        validated_by text not null,
        note text,
        primary key (workspace_id, framework)
      )
    `,
  },
]
