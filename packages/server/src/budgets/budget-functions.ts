import type { Migration } from '../storage/migrations'

// The lease and settlement statements as PL/pgSQL functions (063): a function keeps the plans of
// its statements for the session, where each plain statement is parsed and planned again on every
// call (PGlite has no plan cache for unnamed statements). One call per operation; the arithmetic
// that decides a grant and the alert thresholds stay in TypeScript. Same statements, same row
// locks, same order as the TypeScript they replace (decision 0062).

/** The columns `mima_budget_lock` returns: the budget's definition, then its counter. */
export const LOCK_COLUMNS = `budget_id text, scope_kind text, scope_value text, period text, limit_usd numeric,
  limit_tokens bigint, max_session_seconds integer, alert_thresholds jsonb, created_at timestamptz,
  updated_at timestamptz, window_key text, spent_usd numeric, reserved_usd numeric, spent_tokens bigint,
  reserved_tokens bigint, calls bigint, alert_level numeric, started_at timestamptz`

/** The scope arguments of the budget functions (who calls, and the day, month and session windows). */
export const SCOPE_ARGS = 'p_system text, p_agent text, p_user text, p_session text, p_day text, p_month text'

export const BUDGET_FUNCTION_MIGRATIONS: readonly Migration[] = [
  {
    id: '063_budget_functions',
    sql: `
      create function mima_budget_lock(p_ws text, ${SCOPE_ARGS})
      returns table (${LOCK_COLUMNS})
      language plpgsql as $fn$
      #variable_conflict use_column
      declare
        v_keys json;
      begin
        -- The budgets that apply (session budgets only with a session), their window at now.
        select coalesce(json_agg(json_build_object('b', b.budget_id, 'w',
                 case b.period when 'day' then p_day when 'month' then p_month
                   else 'session:' || coalesce(p_session, '') end) order by b.budget_id), '[]'::json)
          into v_keys
          from budgets b
         where b.workspace_id = p_ws and (b.scope_kind = 'workspace'
           or (b.scope_kind = 'system' and b.scope_value = p_system)
           or (b.scope_kind = 'agent' and b.scope_value = coalesce(p_agent, p_system))
           or (b.scope_kind = 'user' and b.scope_value = p_user))
           and (b.period <> 'session' or p_session is not null);
        -- Creates the missing counters and locks them all, in budget order.
        return query
          with locked as (
            insert into budget_counters as c (workspace_id, budget_id, window_key)
            select p_ws, k.b, k.w from json_to_recordset(v_keys) as k(b text, w text) order by k.b, k.w
            on conflict (workspace_id, budget_id, window_key) do update set budget_id = excluded.budget_id
            returning c.budget_id, c.window_key, c.spent_usd, c.reserved_usd, c.spent_tokens,
              c.reserved_tokens, c.calls, c.alert_level, c.started_at
          )
          select b.budget_id, b.scope_kind, b.scope_value, b.period, b.limit_usd, b.limit_tokens,
                 b.max_session_seconds, b.alert_thresholds, b.created_at, b.updated_at, l.window_key,
                 l.spent_usd, l.reserved_usd, l.spent_tokens, l.reserved_tokens, l.calls, l.alert_level,
                 l.started_at
            from locked l join budgets b on b.workspace_id = p_ws and b.budget_id = l.budget_id
           order by b.budget_id;
      end
      $fn$;

      create function mima_budget_release(p_ws text, p_lease text)
      returns void
      language plpgsql as $fn$
      declare
        part record;
      begin
        for part in delete from budget_leases where workspace_id = p_ws and lease_id = p_lease
                    returning budget_id, window_key, usd, tokens loop
          update budget_counters set reserved_usd = greatest(0, reserved_usd - part.usd),
                 reserved_tokens = greatest(0, reserved_tokens - part.tokens), updated_at = now()
           where workspace_id = p_ws and budget_id = part.budget_id and window_key = part.window_key;
        end loop;
      end
      $fn$;

      create function mima_budget_expire(p_ws text, p_now timestamptz)
      returns void
      language plpgsql as $fn$
      declare
        expired record;
      begin
        for expired in select distinct lease_id from budget_leases
                        where workspace_id = p_ws and expires_at <= p_now limit 1000 loop
          perform mima_budget_release(p_ws, expired.lease_id);
        end loop;
      end
      $fn$;

      create function mima_budget_return(p_ws text, p_lease text, p_usd numeric, p_tokens bigint)
      returns void
      language plpgsql as $fn$
      declare
        part record;
        v_usd numeric;
        v_tokens bigint;
      begin
        for part in select budget_id, window_key, usd, tokens from budget_leases
                     where workspace_id = p_ws and lease_id = p_lease order by budget_id for update loop
          v_usd := least(part.usd, p_usd);
          v_tokens := least(part.tokens, p_tokens);
          update budget_leases set usd = usd - v_usd, tokens = tokens - v_tokens
           where workspace_id = p_ws and lease_id = p_lease and budget_id = part.budget_id;
          update budget_counters set reserved_usd = greatest(0, reserved_usd - v_usd),
                 reserved_tokens = greatest(0, reserved_tokens - v_tokens), updated_at = now()
           where workspace_id = p_ws and budget_id = part.budget_id and window_key = part.window_key;
        end loop;
      end
      $fn$;

      create function mima_budget_reserve(p_ws text, p_lease text, p_parts json, p_usd numeric,
        p_tokens bigint, p_expires timestamptz)
      returns void
      language plpgsql as $fn$
      begin
        update budget_counters c set reserved_usd = reserved_usd + p_usd,
               reserved_tokens = reserved_tokens + p_tokens, updated_at = now()
          from json_to_recordset(p_parts) as k(b text, w text)
         where c.workspace_id = p_ws and c.budget_id = k.b and c.window_key = k.w;
        insert into budget_leases (workspace_id, lease_id, budget_id, window_key, usd, tokens, expires_at)
        select p_ws, p_lease, k.b, k.w, p_usd, p_tokens, p_expires from json_to_recordset(p_parts) as k(b text, w text);
      end
      $fn$;

      create function mima_budget_settle(p_ws text, p_lease text, ${SCOPE_ARGS}, p_model text,
        p_usd numeric, p_tokens bigint, p_calls bigint)
      returns table (budget_id text, window_key text, spent_usd numeric, reserved_usd numeric,
        spent_tokens bigint, reserved_tokens bigint, calls bigint, alert_level numeric,
        started_at timestamptz, scope_kind text, scope_value text, period text, limit_usd numeric,
        limit_tokens bigint, alert_thresholds jsonb)
      language plpgsql as $fn$
      #variable_conflict use_column
      declare
        v_budgets text[] := '{}';
        v_windows text[] := '{}';
        v_from_usd numeric[] := '{}';
        v_from_tokens bigint[] := '{}';
        part record;
        i integer;
      begin
        -- From the lease's reservation when it still holds one, else straight onto the budgets.
        if p_lease is not null then
          for part in select l.budget_id, l.window_key, l.usd, l.tokens from budget_leases l
                       where l.workspace_id = p_ws and l.lease_id = p_lease order by l.budget_id for update loop
            v_budgets := v_budgets || part.budget_id;
            v_windows := v_windows || part.window_key;
            v_from_usd := v_from_usd || least(part.usd, p_usd);
            v_from_tokens := v_from_tokens || least(part.tokens, p_tokens);
          end loop;
          for i in 1 .. coalesce(array_length(v_budgets, 1), 0) loop
            update budget_leases l set usd = l.usd - v_from_usd[i], tokens = l.tokens - v_from_tokens[i]
             where l.workspace_id = p_ws and l.lease_id = p_lease and l.budget_id = v_budgets[i];
          end loop;
        end if;
        if coalesce(array_length(v_budgets, 1), 0) = 0 then
          for part in select k.budget_id, k.window_key
                        from mima_budget_lock(p_ws, p_system, p_agent, p_user, p_session, p_day, p_month) k loop
            v_budgets := v_budgets || part.budget_id;
            v_windows := v_windows || part.window_key;
            v_from_usd := v_from_usd || 0::numeric;
            v_from_tokens := v_from_tokens || 0::bigint;
          end loop;
        end if;
        for i in 1 .. coalesce(array_length(v_budgets, 1), 0) loop
          return query
            update budget_counters c set spent_usd = c.spent_usd + p_usd, spent_tokens = c.spent_tokens + p_tokens,
                   reserved_usd = greatest(0, c.reserved_usd - v_from_usd[i]),
                   reserved_tokens = greatest(0, c.reserved_tokens - v_from_tokens[i]),
                   calls = c.calls + p_calls, updated_at = now()
              from budgets b
             where c.workspace_id = p_ws and c.budget_id = v_budgets[i] and c.window_key = v_windows[i]
               and b.workspace_id = c.workspace_id and b.budget_id = c.budget_id
            returning c.budget_id, c.window_key, c.spent_usd, c.reserved_usd, c.spent_tokens, c.reserved_tokens,
                      c.calls, c.alert_level, c.started_at, b.scope_kind, b.scope_value, b.period, b.limit_usd,
                      b.limit_tokens, b.alert_thresholds;
          insert into budget_model_usage as u (workspace_id, budget_id, window_key, model, cost_usd, tokens, calls)
          values (p_ws, v_budgets[i], v_windows[i], p_model, p_usd, p_tokens, p_calls)
          on conflict (workspace_id, budget_id, window_key, model) do update set
            cost_usd = u.cost_usd + excluded.cost_usd, tokens = u.tokens + excluded.tokens,
            calls = u.calls + excluded.calls;
        end loop;
      end
      $fn$
    `,
  },
]
