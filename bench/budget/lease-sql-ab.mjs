// A/B/C of the at-cap lease's SQL on PGlite, in one process (no HTTP): the eight plain statements
// the server ran before migration 063, the three function calls of 063 in a transaction (settle the
// previous call, lock the counters, reserve the next call), and the one statement of 064
// (`mima_budget_lease`, its own transaction). Alternating, same database, each on its own budget.
//   node bench/budget/lease-sql-ab.mjs
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger, startServer } from '@mima/server'

const dataDir = mkdtempSync(join(tmpdir(), 'mima-lease-ab-'))
const server = await startServer({
  dataDir,
  port: 0,
  host: '127.0.0.1',
  logger: silentLogger,
  bootstrapApiKey: `mima_bench_${randomBytes(18).toString('base64url')}`,
  onBootstrap: () => {},
  shutdownTimeoutMs: 500,
})
const db = server.database
const ws = server.bootstrap.workspaceId
const ROUNDS = Number(process.env.ROUNDS || 300)
const day = new Date().toISOString().slice(0, 10)
const month = day.slice(0, 7)
for (const agent of ['old', 'new', 'one'])
  await db.query(
    `insert into budgets (workspace_id, budget_id, scope_kind, scope_value, period, limit_usd, alert_thresholds)
     values ($1, $2, 'agent', $2, 'day', 1000000, '[0.5, 0.8, 1]')`,
    [ws, `bud_${agent}`],
  )
const COLUMNS =
  'budget_id, scope_kind, scope_value, period, limit_usd, limit_tokens, max_session_seconds, alert_thresholds, created_at, updated_at'
const lease = { old: null, new: null, one: null }

async function oldWay(t) {
  const previous = lease.old
  if (previous !== null) {
    const { rows } = await t.query(
      `select budget_id, window_key, usd, tokens from budget_leases where workspace_id = $1 and lease_id = $2
       order by budget_id for update`,
      [ws, previous],
    )
    for (const part of rows) {
      await t.query(
        `update budget_leases set usd = usd - $4::numeric, tokens = tokens - $5::bigint
         where workspace_id = $1 and lease_id = $2 and budget_id = $3`,
        [ws, previous, part.budget_id, 0.0001, 600],
      )
      await t.query(
        `update budget_counters c set spent_usd = c.spent_usd + $4::numeric, spent_tokens = c.spent_tokens + $5::bigint,
           reserved_usd = greatest(0, c.reserved_usd - $6::numeric), reserved_tokens = greatest(0, c.reserved_tokens - $7::bigint),
           calls = c.calls + $8, updated_at = now()
         from budgets b where c.workspace_id = $1 and c.budget_id = $2 and c.window_key = $3
           and b.workspace_id = c.workspace_id and b.budget_id = c.budget_id
         returning c.budget_id, c.window_key, c.spent_usd, c.reserved_usd, c.spent_tokens, c.reserved_tokens, c.calls,
           c.alert_level, c.started_at, b.scope_kind, b.scope_value, b.period, b.limit_usd, b.limit_tokens, b.alert_thresholds`,
        [ws, part.budget_id, part.window_key, 0.0001, 600, 0.0001, 600, 1],
      )
      await t.query(
        `insert into budget_model_usage (workspace_id, budget_id, window_key, model, cost_usd, tokens, calls)
         values ($1, $2, $3, $4, $5::numeric, $6::bigint, $7)
         on conflict (workspace_id, budget_id, window_key, model) do update set
           cost_usd = budget_model_usage.cost_usd + excluded.cost_usd, tokens = budget_model_usage.tokens + excluded.tokens,
           calls = budget_model_usage.calls + excluded.calls`,
        [ws, part.budget_id, part.window_key, 'gpt-4o-mini', 0.0001, 600, 1],
      )
    }
  }
  const budgets = await t.query(
    `select ${COLUMNS} from budgets where workspace_id = $1 and (scope_kind = 'workspace'
       or (scope_kind = 'system' and scope_value = $2) or (scope_kind = 'agent' and scope_value = $3)
       or (scope_kind = 'user' and scope_value = $4)) order by budget_id`,
    [ws, 'bench', 'bud_old', null],
  )
  const keys = budgets.rows.map((row) => ({ b: row.budget_id, w: day }))
  await t.query(
    `insert into budget_counters (workspace_id, budget_id, window_key)
     select $1, k.b, k.w from json_to_recordset($2::json) as k(b text, w text) order by k.b, k.w
     on conflict (workspace_id, budget_id, window_key) do update set budget_id = excluded.budget_id
     returning budget_id, window_key, spent_usd, reserved_usd, spent_tokens, reserved_tokens, calls, alert_level, started_at`,
    [ws, JSON.stringify(keys)],
  )
  const id = `lease_${randomBytes(12).toString('base64url')}`
  await t.query(
    `update budget_counters c set reserved_usd = reserved_usd + $3::numeric, reserved_tokens = reserved_tokens + $4::bigint,
       updated_at = now() from json_to_recordset($2::json) as k(b text, w text)
     where c.workspace_id = $1 and c.budget_id = k.b and c.window_key = k.w`,
    [ws, JSON.stringify(keys), 0.0001, 600],
  )
  await t.query(
    `insert into budget_leases (workspace_id, lease_id, budget_id, window_key, usd, tokens, expires_at)
     select $1, $2, k.b, k.w, $3::numeric, $4::bigint, $5::timestamptz from json_to_recordset($6::json) as k(b text, w text)`,
    [ws, id, 0.0001, 600, new Date(Date.now() + 30_000).toISOString(), JSON.stringify(keys)],
  )
  lease.old = id
}

async function newWay(t) {
  const scope = ['bench', 'bud_new', null, null, day, month]
  if (lease.new !== null)
    await t.query('select * from mima_budget_settle($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', [
      ws,
      lease.new,
      ...scope,
      'gpt-4o-mini',
      0.0001,
      600,
      1,
    ])
  const { rows } = await t.query('select * from mima_budget_lock($1, $2, $3, $4, $5, $6, $7)', [ws, ...scope])
  const id = `lease_${randomBytes(12).toString('base64url')}`
  await t.query('select mima_budget_reserve($1, $2, $3, $4, $5, $6)', [
    ws,
    id,
    JSON.stringify(rows.map((row) => ({ b: row.budget_id, w: row.window_key }))),
    0.0001,
    600,
    new Date(Date.now() + 30_000).toISOString(),
  ])
  lease.new = id
}

async function oneWay() {
  const id = `lease_${randomBytes(12).toString('base64url')}`
  const settlements =
    lease.one === null
      ? null
      : [
          {
            lease: lease.one,
            system: 'bench',
            agent: 'bud_one',
            user: null,
            session: null,
            model: 'gpt-4o-mini',
            usd: 0.0001,
            tokens: 600,
            calls: 1,
          },
        ]
  await db.query('select mima_budget_lease($1) as lease', [
    JSON.stringify({
      ws,
      lock: false,
      sweep: null,
      settlements,
      release: null,
      returns: null,
      system: 'bench',
      agent: 'bud_one',
      user: null,
      session: null,
      day,
      month,
      lease: id,
      unit_usd: 0.0001,
      unit_tokens: 600,
      units: 1,
      min_units: 1,
      now: new Date().toISOString(),
      expires: new Date(Date.now() + 30_000).toISOString(),
    }),
  ])
  lease.one = id
}

const WAYS = {
  old: (run) => db.transaction((t) => oldWay(t)).then(run),
  new: (run) => db.transaction((t) => newWay(t)).then(run),
  one: (run) => oneWay().then(run),
}
const LABELS = {
  old: 'eight statements (before 063)',
  new: 'three function calls (063)',
  one: 'one statement (064)',
}
const times = { old: [], new: [], one: [] }
const ORDERS = [
  ['old', 'new', 'one'],
  ['new', 'one', 'old'],
  ['one', 'old', 'new'],
]
for (let round = 0; round < ROUNDS + 20; round++) {
  for (const name of ORDERS[round % 3]) {
    const started = performance.now()
    await WAYS[name](() => undefined)
    if (round >= 20) times[name].push((performance.now() - started) * 1000)
  }
}
const pct = (values, p) => [...values].sort((a, b) => a - b)[Math.floor((p / 100) * values.length)]
for (const name of ['old', 'new', 'one'])
  console.log(
    `${LABELS[name].padEnd(32)} p50 ${pct(times[name], 50).toFixed(0)} µs   p99 ${pct(times[name], 99).toFixed(0)} µs   n=${times[name].length}`,
  )
console.log(
  `ratio p50: 063 / before ${(pct(times.new, 50) / pct(times.old, 50)).toFixed(2)}, 064 / 063 ${(pct(times.one, 50) / pct(times.new, 50)).toFixed(2)}`,
)
await server.close()
rmSync(dataDir, { recursive: true, force: true })
