import type { Migration } from './migrations'

/** The server's own schema (001–009). Every key leads with `workspace_id`. */
export const SERVER_MIGRATIONS: readonly Migration[] = [
  {
    id: '001_server_core',
    sql: `
      create table server_settings (
        name text primary key,
        value text not null
      );
      create table workspaces (
        workspace_id text primary key,
        name text not null,
        is_root boolean not null default false,
        grc_hmac_key text,
        created_at timestamptz not null default now()
      );
      create table api_keys (
        workspace_id text not null references workspaces (workspace_id),
        key_id text not null,
        name text not null,
        role text not null check (role in ('ingest', 'approver', 'admin')),
        key_hash text not null,
        key_prefix text not null,
        created_at timestamptz not null default now(),
        revoked_at timestamptz,
        primary key (workspace_id, key_id)
      );
      create unique index api_keys_key_hash on api_keys (key_hash);
      create table ledger_heads (
        workspace_id text primary key references workspaces (workspace_id),
        tree_size bigint not null default 0,
        frontier bytea not null default ''::bytea,
        root_hash bytea,
        updated_at timestamptz not null default now()
      );
      create table ledger_leaves (
        workspace_id text not null,
        leaf_index bigint not null,
        leaf_hash bytea not null,
        kind text not null,
        record_id text not null,
        leaf_data text not null,
        primary key (workspace_id, leaf_index)
      );
      create index ledger_leaves_record on ledger_leaves (workspace_id, record_id);
      create table ledger_nodes (
        workspace_id text not null,
        level smallint not null,
        node_index bigint not null,
        hash bytea not null,
        primary key (workspace_id, level, node_index)
      );
      create table idempotency_requests (
        workspace_id text not null,
        idempotency_key text not null,
        route text not null,
        request_hash text not null,
        status integer not null,
        response jsonb not null,
        created_at timestamptz not null default now(),
        primary key (workspace_id, route, idempotency_key)
      );
      create table attestations (
        workspace_id text not null,
        attestation_id text not null,
        leaf_index bigint not null,
        idempotency_key text,
        system_name text not null,
        agent_name text not null,
        tool_name text not null,
        model_id text,
        input_hash text not null,
        output_hash text not null,
        executed_at text,
        trust_tier text not null,
        signature_scheme text,
        record_hash text not null,
        record jsonb not null,
        received_at timestamptz not null default now(),
        primary key (workspace_id, attestation_id)
      );
      create unique index attestations_idempotency on attestations (workspace_id, idempotency_key) where idempotency_key is not null;
      create table grc_evidence (
        workspace_id text not null,
        record_id text not null,
        leaf_index bigint not null,
        idempotency_key text,
        record_type text not null,
        system_name text not null,
        identity text,
        resource text,
        environment text,
        occurred_at text,
        payload jsonb not null,
        client_sig_status text not null,
        mapped_controls jsonb not null,
        source text not null default 'sdk',
        record_hash text not null,
        received_at timestamptz not null default now(),
        primary key (workspace_id, record_id)
      );
      create unique index grc_evidence_idempotency on grc_evidence (workspace_id, idempotency_key) where idempotency_key is not null;
      create index grc_evidence_type on grc_evidence (workspace_id, record_type, received_at);
      create table guard_events (
        workspace_id text not null,
        event_id text not null,
        call text not null,
        unattested boolean not null,
        pid integer,
        event_ts text,
        event jsonb not null,
        received_at timestamptz not null default now(),
        primary key (workspace_id, event_id)
      );
      create index guard_events_received on guard_events (workspace_id, received_at)
    `,
  },
  {
    // Attestations and evidence find their leaf through their own row (leaf_index), so the leaves'
    // record-id index only needs the other kinds: one B-tree insert less per ingested record.
    id: '002_ledger_record_index',
    sql: `
      drop index if exists ledger_leaves_record;
      create index ledger_leaves_record_other on ledger_leaves (workspace_id, record_id)
        where kind not in ('attestation', 'evidence')
    `,
  },
  {
    // The received attestation is kept to be served back, never queried inside: `json` stores the
    // text as sent, where `jsonb` parses it into its binary form on every insert (~20% of
    // PostgreSQL's time per ingested attestation, measured on batches of 100).
    id: '004_attestation_record_json',
    sql: `
      alter table attestations alter column record type json using record::json
    `,
  },
  {
    // Report mode counts an unattested method's calls past its rate of resolved call sites into one
    // event (guard decision 0042): totals and call-site counts add `calls`, not rows.
    id: '005_guard_event_calls',
    sql: `
      alter table guard_events add column calls integer not null default 1 check (calls >= 1)
    `,
  },
]
