import type { Migration } from '../storage/migrations'

// A usage column computed from the stored record: tolerant by construction (a value of the wrong
// type becomes null), so no record the ingest path accepts can fail the insert.
const text = (field: string, max: number): string =>
  `text generated always as (case when json_typeof(record->'${field}') = 'string' then left(record->>'${field}', ${max}) end) stored`
const tokens = (field: string): string =>
  `bigint generated always as (case when json_typeof(record->'${field}') = 'number' and (record->>'${field}') ~ '^[0-9]{1,15}$' then (record->>'${field}')::bigint end) stored`

/** Usage and cost columns on attestations (060–069 belong to usage, budgets and agents). */
export const USAGE_MIGRATIONS: readonly Migration[] = [
  {
    id: '060_attestation_usage',
    sql: `
      alter table attestations
        add column provider ${text('provider', 200)},
        add column operation ${text('operation', 200)},
        add column input_tokens ${tokens('input_tokens')},
        add column output_tokens ${tokens('output_tokens')},
        add column cached_tokens ${tokens('cached_tokens')},
        add column cost_usd numeric generated always as (case when json_typeof(record->'cost_usd') = 'number' and (record->>'cost_usd') !~ '^-' then (record->>'cost_usd')::numeric end) stored,
        add column session_id text generated always as (coalesce(
          case when json_typeof(record->'session_id') = 'string' then left(record->>'session_id', 500) end,
          case when json_typeof(record->'authorised_by') = 'object' and json_typeof(record->'authorised_by'->'session_id') = 'string' then left(record->'authorised_by'->>'session_id', 500) end)) stored,
        add column user_identity text generated always as (case when json_typeof(record->'authorised_by') = 'object' and json_typeof(record->'authorised_by'->'identity') = 'string' then left(record->'authorised_by'->>'identity', 500) end) stored,
        add column outcome text generated always as (case when record->>'outcome' = 'error' then 'error' else 'ok' end) stored;
      create index attestations_by_session on attestations (workspace_id, session_id, attestation_id) where session_id is not null
    `,
  },
]
