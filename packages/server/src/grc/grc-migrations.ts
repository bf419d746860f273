import type { Migration } from '../storage/migrations'

/**
 * The GRC feature's schema (010–019): gates, framework validations, and per-control coverage
 * counters that a trigger keeps in step with `grc_evidence` (so readiness reads a few hundred rows
 * instead of unnesting every record's `mapped_controls`). Evidence itself lives in `grc_evidence`.
 */
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
  {
    id: '012_grc_coverage_counters',
    sql: `
      create table grc_control_coverage (
        workspace_id text not null,
        system_name text not null,
        control_id text not null,
        attested_records bigint not null default 0,
        inferred_records bigint not null default 0,
        primary key (workspace_id, system_name, control_id)
      );
      create table grc_framework_records (
        workspace_id text not null,
        system_name text not null,
        framework text not null,
        records bigint not null default 0,
        primary key (workspace_id, system_name, framework)
      );
      create table grc_system_records (
        workspace_id text not null,
        system_name text not null,
        record_type text not null,
        records bigint not null default 0,
        last_received_at timestamptz,
        primary key (workspace_id, system_name, record_type)
      );
      create function grc_apply_evidence_delta(p_rows jsonb, p_delta integer) returns void language plpgsql as $fn$
      begin
        insert into grc_control_coverage (workspace_id, system_name, control_id, attested_records, inferred_records)
          select r.workspace_id, r.system_name, c.control_id,
                 p_delta * count(*) filter (where r.source <> 'estate_auto'),
                 p_delta * count(*) filter (where r.source = 'estate_auto')
            from jsonb_to_recordset(p_rows) as r(workspace_id text, system_name text, source text, mapped_controls jsonb)
           cross join lateral (select distinct jsonb_array_elements_text(r.mapped_controls) as control_id) as c
           group by 1, 2, 3
        on conflict (workspace_id, system_name, control_id) do update
          set attested_records = grc_control_coverage.attested_records + excluded.attested_records,
              inferred_records = grc_control_coverage.inferred_records + excluded.inferred_records;
        insert into grc_framework_records (workspace_id, system_name, framework, records)
          select r.workspace_id, r.system_name, f.framework, p_delta * count(*)
            from jsonb_to_recordset(p_rows) as r(workspace_id text, system_name text, mapped_controls jsonb)
           cross join lateral (
             select distinct split_part(jsonb_array_elements_text(r.mapped_controls), ':', 1) as framework
           ) as f
           group by 1, 2, 3
        on conflict (workspace_id, system_name, framework) do update
          set records = grc_framework_records.records + excluded.records;
        insert into grc_system_records (workspace_id, system_name, record_type, records, last_received_at)
          select r.workspace_id, r.system_name, r.record_type, p_delta * count(*),
                 case when p_delta > 0 then max(r.received_at) end
            from jsonb_to_recordset(p_rows) as r(workspace_id text, system_name text, record_type text, received_at timestamptz)
           group by 1, 2, 3
        on conflict (workspace_id, system_name, record_type) do update
          set records = grc_system_records.records + excluded.records,
              last_received_at = greatest(grc_system_records.last_received_at, excluded.last_received_at);
      end
      $fn$;
      create function grc_evidence_counters_on_insert() returns trigger language plpgsql as $fn$
      begin
        insert into grc_control_coverage (workspace_id, system_name, control_id, attested_records, inferred_records)
          select n.workspace_id, n.system_name, c.control_id,
                 count(*) filter (where n.source <> 'estate_auto'), count(*) filter (where n.source = 'estate_auto')
            from new_rows as n
           cross join lateral (select distinct jsonb_array_elements_text(n.mapped_controls) as control_id) as c
           group by 1, 2, 3
        on conflict (workspace_id, system_name, control_id) do update
          set attested_records = grc_control_coverage.attested_records + excluded.attested_records,
              inferred_records = grc_control_coverage.inferred_records + excluded.inferred_records;
        insert into grc_framework_records (workspace_id, system_name, framework, records)
          select n.workspace_id, n.system_name, f.framework, count(*)
            from new_rows as n
           cross join lateral (
             select distinct split_part(jsonb_array_elements_text(n.mapped_controls), ':', 1) as framework
           ) as f
           group by 1, 2, 3
        on conflict (workspace_id, system_name, framework) do update
          set records = grc_framework_records.records + excluded.records;
        insert into grc_system_records (workspace_id, system_name, record_type, records, last_received_at)
          select n.workspace_id, n.system_name, n.record_type, count(*), max(n.received_at)
            from new_rows as n
           group by 1, 2, 3
        on conflict (workspace_id, system_name, record_type) do update
          set records = grc_system_records.records + excluded.records,
              last_received_at = greatest(grc_system_records.last_received_at, excluded.last_received_at);
        return null;
      end
      $fn$;
      create function grc_evidence_counters() returns trigger language plpgsql as $fn$
      begin
        perform grc_apply_evidence_delta(
          (select jsonb_agg(jsonb_build_object('workspace_id', o.workspace_id, 'system_name', o.system_name,
             'record_type', o.record_type, 'source', o.source, 'mapped_controls', o.mapped_controls,
             'received_at', o.received_at)) from old_rows as o), -1);
        if tg_op = 'UPDATE' then
          perform grc_apply_evidence_delta(
            (select jsonb_agg(jsonb_build_object('workspace_id', n.workspace_id, 'system_name', n.system_name,
               'record_type', n.record_type, 'source', n.source, 'mapped_controls', n.mapped_controls,
               'received_at', n.received_at)) from new_rows as n), 1);
        end if;
        return null;
      end
      $fn$;
      create trigger grc_evidence_counters_insert after insert on grc_evidence
        referencing new table as new_rows for each statement execute function grc_evidence_counters_on_insert();
      create trigger grc_evidence_counters_delete after delete on grc_evidence
        referencing old table as old_rows for each statement execute function grc_evidence_counters();
      create trigger grc_evidence_counters_update after update on grc_evidence
        referencing old table as old_rows new table as new_rows for each statement execute function grc_evidence_counters();
      insert into grc_control_coverage (workspace_id, system_name, control_id, attested_records, inferred_records)
        select e.workspace_id, e.system_name, c.control_id,
               count(*) filter (where e.source <> 'estate_auto'), count(*) filter (where e.source = 'estate_auto')
          from grc_evidence e
         cross join lateral (select distinct jsonb_array_elements_text(e.mapped_controls) as control_id) as c
         group by 1, 2, 3;
      insert into grc_framework_records (workspace_id, system_name, framework, records)
        select e.workspace_id, e.system_name, f.framework, count(*)
          from grc_evidence e
         cross join lateral (select distinct split_part(jsonb_array_elements_text(e.mapped_controls), ':', 1) as framework) as f
         group by 1, 2, 3;
      insert into grc_system_records (workspace_id, system_name, record_type, records, last_received_at)
        select workspace_id, system_name, record_type, count(*), max(received_at)
          from grc_evidence group by 1, 2, 3
    `,
  },
  {
    // The console's range (080–084): every gate check's outcome, for the pass/fail history page.
    id: '084_grc_gate_checks',
    sql: `
      create table grc_gate_checks (
        workspace_id text not null,
        check_id text not null,
        checked_at timestamptz not null,
        system_name text,
        passed boolean not null,
        failing_required integer not null,
        results jsonb not null,
        primary key (workspace_id, check_id)
      );
      create index grc_gate_checks_recent on grc_gate_checks (workspace_id, checked_at desc)
    `,
  },
]
