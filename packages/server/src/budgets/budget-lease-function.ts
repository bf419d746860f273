import type { Migration } from '../storage/migrations'
import { LOCK_COLUMNS, SCOPE_ARGS } from './budget-functions'

// A lease request as one statement (064, decision 0063): the expiry sweep, the settlements it
// carries (with their alert thresholds), a release, returns, then the grant and its reservation,
// all in `mima_budget_lease`. One statement is its own transaction, so the request costs one
// database round trip and no BEGIN/COMMIT; on PostgreSQL the per-workspace advisory lock is taken
// inside it. The threshold events are raised after the commit (`budget-alerts.ts`): the counter's
// `alert_level` records the crossing in the same statement, `alert_notified` the event raised, so
// a crash between the two loses nothing (the alert sweep raises what is missing).

export const BUDGET_LEASE_FUNCTION_MIGRATIONS: readonly Migration[] = [
  {
    id: '064_budget_lease_function',
    sql: `
      alter table budget_counters add column alert_notified numeric not null default 0;
      update budget_counters set alert_notified = alert_level;
      create index budget_counters_unnotified on budget_counters (workspace_id)
        where alert_level > alert_notified;

      -- The budgets that apply (session budgets only with a session), their counters locked in
      -- budget order: read for update, created first when missing (no dummy update of an existing
      -- row, as 063 did). Every function that changes counters locks them through this one.
      create or replace function mima_budget_lock(p_ws text, ${SCOPE_ARGS})
      returns table (${LOCK_COLUMNS})
      language plpgsql as $fn$
      #variable_conflict use_column
      declare
        d record;
        r record;
      begin
        for d in select b.budget_id, b.scope_kind, b.scope_value, b.period, b.limit_usd, b.limit_tokens,
                        b.max_session_seconds, b.alert_thresholds, b.created_at, b.updated_at,
                        case b.period when 'day' then p_day when 'month' then p_month
                          else 'session:' || coalesce(p_session, '') end as window_key
                   from budgets b
                  where b.workspace_id = p_ws and (b.scope_kind = 'workspace'
                    or (b.scope_kind = 'system' and b.scope_value = p_system)
                    or (b.scope_kind = 'agent' and b.scope_value = coalesce(p_agent, p_system))
                    or (b.scope_kind = 'user' and b.scope_value = p_user))
                    and (b.period <> 'session' or p_session is not null)
                  order by b.budget_id loop
          select c.spent_usd, c.reserved_usd, c.spent_tokens, c.reserved_tokens, c.calls, c.alert_level,
                 c.started_at into r
            from budget_counters c
           where c.workspace_id = p_ws and c.budget_id = d.budget_id and c.window_key = d.window_key
             for update;
          if not found then
            insert into budget_counters (workspace_id, budget_id, window_key)
            values (p_ws, d.budget_id, d.window_key) on conflict do nothing;
            select c.spent_usd, c.reserved_usd, c.spent_tokens, c.reserved_tokens, c.calls, c.alert_level,
                   c.started_at into r
              from budget_counters c
             where c.workspace_id = p_ws and c.budget_id = d.budget_id and c.window_key = d.window_key
               for update;
          end if;
          return query select d.budget_id, d.scope_kind, d.scope_value, d.period, d.limit_usd,
            d.limit_tokens, d.max_session_seconds, d.alert_thresholds, d.created_at, d.updated_at,
            d.window_key, r.spent_usd, r.reserved_usd, r.spent_tokens, r.reserved_tokens, r.calls,
            r.alert_level, r.started_at;
        end loop;
      end
      $fn$;

      -- Settles calls (a JSON array of {lease, system, agent, user, session, model, usd, tokens,
      -- calls}) and returns the alert thresholds crossed, recorded in alert_level.
      create or replace function mima_budget_settle_many(p_ws text, p_settlements json, p_day text,
        p_month text)
      returns jsonb
      language plpgsql as $fn$
      declare
        s record;
        c record;
        v_out jsonb := '[]'::jsonb;
        v_ratio numeric;
        v_threshold numeric;
      begin
        for s in select * from json_to_recordset(p_settlements) as k(lease text, system text, agent text,
                   "user" text, session text, model text, usd numeric, tokens bigint, calls bigint) loop
          for c in select * from mima_budget_settle(p_ws, s.lease, s.system, s.agent, s."user", s.session,
                     p_day, p_month, s.model, s.usd, s.tokens, s.calls) loop
            v_ratio := greatest(
              case when c.limit_usd is null or c.limit_usd = 0 then 0 else c.spent_usd / c.limit_usd end,
              case when c.limit_tokens is null or c.limit_tokens = 0 then 0
                   else c.spent_tokens::numeric / c.limit_tokens end);
            -- The highest threshold reached and not yet recorded (thresholds are stored sorted).
            select max(t.value::numeric) into v_threshold
              from jsonb_array_elements_text(c.alert_thresholds) as t(value)
             where v_ratio + 0.000000001 >= t.value::numeric and t.value::numeric > c.alert_level;
            if v_threshold is not null then
              update budget_counters set alert_level = v_threshold
               where workspace_id = p_ws and budget_id = c.budget_id and window_key = c.window_key;
              v_out := v_out || jsonb_build_object('budget_id', c.budget_id, 'scope', c.scope_kind,
                'scope_value', c.scope_value, 'period', c.period, 'window', c.window_key,
                'threshold', v_threshold, 'spent_usd', c.spent_usd, 'limit_usd', c.limit_usd,
                'spent_tokens', c.spent_tokens, 'limit_tokens', c.limit_tokens);
            end if;
          end loop;
        end loop;
        return v_out;
      end
      $fn$;

      -- One lease request, its arguments in one JSON object (a statement with one parameter is
      -- parsed and planned far faster than one with nineteen, on PGlite as on PostgreSQL). Returns
      -- the budgets as locked (before this reservation), the grant (0 = refused, with the budget
      -- and reason), and the thresholds the settlements crossed, as one JSON object.
      create or replace function mima_budget_lease(p json)
      returns json
      language plpgsql as $fn$
      declare
        p_ws text := p->>'ws';
        p_lock boolean := coalesce((p->>'lock')::boolean, false);
        p_sweep timestamptz := (p->>'sweep')::timestamptz;
        p_settlements json := case when json_typeof(p->'settlements') = 'array' then p->'settlements' end;
        p_release text := p->>'release';
        p_returns json := case when json_typeof(p->'returns') = 'array' then p->'returns' end;
        p_system text := p->>'system';
        p_agent text := p->>'agent';
        p_user text := p->>'user';
        p_session text := p->>'session';
        p_day text := p->>'day';
        p_month text := p->>'month';
        p_lease text := p->>'lease';
        p_unit_usd numeric := (p->>'unit_usd')::numeric;
        p_unit_tokens bigint := (p->>'unit_tokens')::bigint;
        p_units bigint := (p->>'units')::bigint;
        p_min_units bigint := (p->>'min_units')::bigint;
        p_now timestamptz := (p->>'now')::timestamptz;
        d record;
        r record;
        v_crossings jsonb := '[]'::jsonb;
        v_rows jsonb := '[]'::jsonb;
        v_parts jsonb := '[]'::jsonb;
        v_first text;
        v_left numeric := 'Infinity';
        v_available numeric := p_units;
        v_fits numeric;
        v_share numeric;
        v_granted bigint;
        v_usd numeric;
        v_expires timestamptz := (p->>'expires')::timestamptz;
        v_ends timestamptz;
        v_denied_budget text;
        v_denied_reason text;
      begin
        -- PostgreSQL: one budget transaction at a time per workspace (decision 0060). PGlite runs
        -- one transaction at a time anyway.
        if p_lock then
          perform pg_advisory_xact_lock(hashtext('mima_budgets:' || p_ws));
        end if;
        if p_sweep is not null then
          perform mima_budget_expire(p_ws, p_sweep);
        end if;
        if p_settlements is not null then
          v_crossings := mima_budget_settle_many(p_ws, p_settlements, p_day, p_month);
        end if;
        if p_release is not null then
          perform mima_budget_release(p_ws, p_release);
        end if;
        if p_returns is not null then
          for r in select * from json_to_recordset(p_returns) as k(lease text, usd numeric, tokens bigint) loop
            perform mima_budget_return(p_ws, r.lease, r.usd, r.tokens);
          end loop;
        end if;

        -- The budgets that apply, their counters locked (mima_budget_lock). The grant (as
        -- acquireLease computed it before 064): what the tightest budget allows, at most a quarter
        -- of the calls it still has room for once that is more than one.
        for d in select * from mima_budget_lock(p_ws, p_system, p_agent, p_user, p_session, p_day, p_month) loop
          v_first := coalesce(v_first, d.budget_id);
          v_rows := v_rows || to_jsonb(d);
          v_parts := v_parts || jsonb_build_object('b', d.budget_id, 'w', d.window_key);
          if d.limit_usd is not null then
            v_fits := case when p_unit_usd > 0
                             then greatest(0, floor((d.limit_usd - d.spent_usd - d.reserved_usd) / p_unit_usd + 0.000000001))
                           when d.spent_usd < d.limit_usd then 'Infinity'::numeric else 0 end;
            v_left := least(v_left, v_fits);
            if v_fits < v_available then
              v_available := greatest(0, v_fits);
              if v_available < p_min_units and v_denied_budget is null then
                v_denied_budget := d.budget_id;
                v_denied_reason := 'limit_usd';
              end if;
            end if;
          end if;
          if d.limit_tokens is not null then
            v_fits := case when p_unit_tokens > 0
                             then greatest(0, floor((d.limit_tokens - d.spent_tokens - d.reserved_tokens)::numeric / p_unit_tokens + 0.000000001))
                           when d.spent_tokens < d.limit_tokens then 'Infinity'::numeric else 0 end;
            v_left := least(v_left, v_fits);
            if v_fits < v_available then
              v_available := greatest(0, v_fits);
              if v_available < p_min_units and v_denied_budget is null then
                v_denied_budget := d.budget_id;
                v_denied_reason := 'limit_tokens';
              end if;
            end if;
          end if;
          if d.period = 'session' and d.max_session_seconds is not null then
            v_ends := d.started_at + make_interval(secs => d.max_session_seconds);
            -- started_at is the database's clock (a session starts in this statement): compare with
            -- it too, so a request whose clock reading precedes the statement sees the session end.
            if v_ends <= greatest(p_now, now()) then
              v_available := 0;
              if v_denied_budget is null then
                v_denied_budget := d.budget_id;
                v_denied_reason := 'session_time';
              end if;
            end if;
            v_expires := least(v_expires, v_ends);
          end if;
        end loop;

        if v_first is null then
          -- No budget applies: granted in full, nothing reserved.
          return json_build_object('budgets', v_rows, 'crossings', v_crossings, 'granted', p_units,
            'usd', 0, 'tokens', 0, 'expires_at', v_expires);
        end if;
        v_share := case when v_left <= 1 then v_available else greatest(1, ceil(v_left / 4)) end;
        v_granted := least(v_available, v_share)::bigint;
        if v_granted < p_min_units or v_granted = 0 then
          return json_build_object('budgets', v_rows, 'crossings', v_crossings, 'granted', 0,
            'usd', 0, 'tokens', 0, 'expires_at', p_now, 'denied_budget', coalesce(v_denied_budget, v_first),
            'denied_reason', coalesce(v_denied_reason, 'limit_usd'));
        end if;
        v_usd := round(p_unit_usd * v_granted, 12);
        perform mima_budget_reserve(p_ws, p_lease, v_parts::json, v_usd, p_unit_tokens * v_granted, v_expires);
        return json_build_object('budgets', v_rows, 'crossings', v_crossings, 'granted', v_granted,
          'usd', v_usd, 'tokens', p_unit_tokens * v_granted, 'expires_at', v_expires);
      end
      $fn$
    `,
  },
]
