import type { Migration } from '../storage/migrations'

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

      -- One lease request. Returns the budgets as locked (before this reservation), the grant
      -- (0 = refused, with the budget and reason), and the thresholds the settlements crossed.
      create or replace function mima_budget_lease(p_ws text, p_lock boolean, p_sweep timestamptz,
        p_settlements json, p_release text, p_returns json,
        p_system text, p_agent text, p_user text, p_session text, p_day text, p_month text,
        p_lease text, p_unit_usd numeric, p_unit_tokens bigint, p_units bigint, p_min_units bigint,
        p_now timestamptz, p_expires timestamptz)
      returns table (budgets jsonb, crossings jsonb, granted bigint, usd numeric, tokens bigint,
        expires_at timestamptz, denied_budget text, denied_reason text)
      language plpgsql as $fn$
      declare
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
        v_expires timestamptz := p_expires;
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

        -- The grant (as acquireLease computed it before 064): what the tightest budget allows, at
        -- most a quarter of the calls it still has room for once that is more than one.
        for r in select * from mima_budget_lock(p_ws, p_system, p_agent, p_user, p_session, p_day, p_month) loop
          v_first := coalesce(v_first, r.budget_id);
          v_rows := v_rows || to_jsonb(r);
          v_parts := v_parts || jsonb_build_object('b', r.budget_id, 'w', r.window_key);
          if r.limit_usd is not null then
            v_fits := case when p_unit_usd > 0
                             then greatest(0, floor((r.limit_usd - r.spent_usd - r.reserved_usd) / p_unit_usd + 0.000000001))
                           when r.spent_usd < r.limit_usd then 'Infinity'::numeric else 0 end;
            v_left := least(v_left, v_fits);
            if v_fits < v_available then
              v_available := greatest(0, v_fits);
              if v_available < p_min_units and v_denied_budget is null then
                v_denied_budget := r.budget_id;
                v_denied_reason := 'limit_usd';
              end if;
            end if;
          end if;
          if r.limit_tokens is not null then
            v_fits := case when p_unit_tokens > 0
                             then greatest(0, floor((r.limit_tokens - r.spent_tokens - r.reserved_tokens)::numeric / p_unit_tokens + 0.000000001))
                           when r.spent_tokens < r.limit_tokens then 'Infinity'::numeric else 0 end;
            v_left := least(v_left, v_fits);
            if v_fits < v_available then
              v_available := greatest(0, v_fits);
              if v_available < p_min_units and v_denied_budget is null then
                v_denied_budget := r.budget_id;
                v_denied_reason := 'limit_tokens';
              end if;
            end if;
          end if;
          if r.period = 'session' and r.max_session_seconds is not null then
            v_ends := r.started_at + make_interval(secs => r.max_session_seconds);
            -- started_at is the database's clock (a session starts in this statement): compare with
            -- it too, so a request whose clock reading precedes the statement sees the session end.
            if v_ends <= greatest(p_now, now()) then
              v_available := 0;
              if v_denied_budget is null then
                v_denied_budget := r.budget_id;
                v_denied_reason := 'session_time';
              end if;
            end if;
            v_expires := least(v_expires, v_ends);
          end if;
        end loop;

        if v_first is null then
          -- No budget applies: granted in full, nothing reserved.
          return query select v_rows, v_crossings, p_units, 0::numeric, 0::bigint, v_expires,
            null::text, null::text;
          return;
        end if;
        v_share := case when v_left <= 1 then v_available else greatest(1, ceil(v_left / 4)) end;
        v_granted := least(v_available, v_share)::bigint;
        if v_granted < p_min_units or v_granted = 0 then
          return query select v_rows, v_crossings, 0::bigint, 0::numeric, 0::bigint, p_now,
            coalesce(v_denied_budget, v_first), coalesce(v_denied_reason, 'limit_usd');
          return;
        end if;
        v_usd := round(p_unit_usd * v_granted, 12);
        perform mima_budget_reserve(p_ws, p_lease, v_parts::json, v_usd, p_unit_tokens * v_granted, v_expires);
        return query select v_rows, v_crossings, v_granted, v_usd, p_unit_tokens * v_granted, v_expires,
          null::text, null::text;
      end
      $fn$
    `,
  },
]
