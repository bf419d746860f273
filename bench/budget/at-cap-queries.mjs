// Where an at-cap budget check spends its time, through HTTP, in one process: the p50 of each SQL
// statement the server runs (by its first 70 characters; `tx:` inside a transaction, `db:` on its
// own), of each transaction, of each HTTP request the budget client makes and of each check.
// The database's query and transaction functions are wrapped to time them (so figures include
// waiting for PGlite's single connection). Used for decision 0063.
//   node bench/budget/at-cap-queries.mjs            (PGlite)
//   PG=postgres://postgres@127.0.0.1:5432/<database> node bench/budget/at-cap-queries.mjs  (a fresh schema)
//   NO_ALERTS=1 …                                    (budgets whose thresholds are never crossed)
import { createBudgetClient, createRuntimeConnection } from '@mima/policy'
import { putCapBudgets, startBenchServer } from './bench-server.mjs'

const bench = await startBenchServer('at-cap-queries', process.env.PG ? { databaseUrl: process.env.PG } : {})
const { server, adminKey, workspaceId } = bench
const db = server.database
const stats = new Map()
const add = (k, t) => {
  const s = stats.get(k) ?? []
  s.push(t)
  stats.set(k, s)
}
let inRequest = false
const wrapQ = (target, prefix) => {
  const orig = target.query.bind(target)
  target.query = async (sql, params) => {
    const s = performance.now()
    try {
      return await orig(sql, params)
    } finally {
      if (inRequest) add(prefix + sql.replace(/\s+/g, ' ').slice(0, 70), (performance.now() - s) * 1000)
    }
  }
}
wrapQ(db, 'db: ')
const origTx = db.transaction.bind(db)
db.transaction = async (work) => {
  const s = performance.now()
  try {
    return await origTx(async (t) => {
      wrapQ(t, 'tx: ')
      return work(t)
    })
  } finally {
    if (inRequest) add('TRANSACTION total', (performance.now() - s) * 1000)
  }
}
const unit = 0.0001
const agents = Number(process.env.AGENTS || 150)
await putCapBudgets(bench.api, agents, unit, process.env.NO_ALERTS ? { alert_thresholds: [10] } : {})
const connection = createRuntimeConnection({
  baseUrl: server.url,
  apiKey: adminKey,
  workspaceId,
  fetch: async (input, init) => {
    const s = performance.now()
    const r = await fetch(input, init)
    await r.clone().arrayBuffer()
    add('HTTP ' + String(input).split('/').slice(-2).join('/'), (performance.now() - s) * 1000)
    return r
  },
})
for (let index = 0; index < agents; index++) {
  if (index === 5) {
    stats.clear()
  }
  inRequest = true
  const budgets = createBudgetClient({
    connection,
    scope: { systemName: 'bench', agentName: `cap-${index}` },
    onError: () => {},
  })
  for (let call = 0; call < 4; call++) {
    const s = performance.now()
    try {
      const ticket = await budgets.checkOrRaise({
        model: 'gpt-4o-mini',
        projectedUsd: unit,
        projectedTokens: 600,
      })
      budgets.trackUsage(ticket, { model: 'gpt-4o-mini', costUsd: unit, tokens: 600 })
      add('CHECK granted', (performance.now() - s) * 1000)
    } catch (error) {
      if (error.code !== 'budget_exceeded') throw error
      add('CHECK refused', (performance.now() - s) * 1000)
    }
    await new Promise((r) => setImmediate(r))
  }
  inRequest = false
  await budgets.close()
}
const pct = (v, p) => [...v].sort((a, b) => a - b)[Math.floor((p / 100) * v.length)]
for (const [k, v] of [...stats].sort((a, b) => pct(b[1], 50) * b[1].length - pct(a[1], 50) * a[1].length))
  console.log(`${pct(v, 50).toFixed(0).padStart(6)} µs p50  n=${String(v.length).padStart(5)}  ${k}`)
await bench.close()
