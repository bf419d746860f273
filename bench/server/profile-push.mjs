// Profiling helper for the single-push path (not part of `node bench/run.mjs server`):
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/server/profile-push.mjs [pglite|postgres]
// Starts the BUILT server in this process and drives it with bench/server/push-clients.mjs in a
// separate process (16 clients, sequential pushes); prints p50/p99 and the group sizes.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPostgresDatabase, silentLogger, startServer } from '@mima/server'

const backend = process.argv[2] ?? 'pglite'
const databaseUrl = process.env.MIMA_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const schema = `mima_prof_${randomBytes(5).toString('hex')}`
const dataDir = mkdtempSync(join(tmpdir(), 'mima-prof-'))
const adminKey = `mima_bench_${randomBytes(16).toString('hex')}`
const server = await startServer({
  ...(backend === 'postgres' ? { databaseUrl, databaseSchema: schema } : { dataDir }),
  port: 0,
  logger: silentLogger,
  bootstrapApiKey: adminKey,
  onBootstrap: () => {},
})
const workspaceId = server.bootstrap.workspaceId
// Timing spans: every statement the server sends (count, time, rows of the group statements).
const spans = new Map()
const query = server.database.query.bind(server.database)
server.database.query = async (sql, params) => {
  const kind = sql.trim().slice(0, 40).replace(/\s+/g, ' ')
  const started = performance.now()
  try {
    return await query(sql, params)
  } finally {
    const span = spans.get(kind) ?? { count: 0, ms: 0 }
    span.count += 1
    span.ms += performance.now() - started
    spans.set(kind, span)
  }
}
const url = `${server.url}/api/workspaces/${workspaceId}/governance/attestations/external`
const child = fork(fileURLToPath(new URL('./push-clients.mjs', import.meta.url)), [], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const perClient = Number(process.env.PER_CLIENT || 150)
const answer = await new Promise((resolve) => {
  child.once('message', resolve)
  child.send({ url, headers: { authorization: `Bearer ${adminKey}` }, clients: 16, perClient, warmup: 20 })
})
child.kill()
if (answer.error) throw new Error(answer.error)
const l = answer.latencies
const at = (q) => l[Math.min(l.length - 1, Math.floor(q * l.length))]
console.log(`${backend}: p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms over ${l.length} pushes`)
for (const [kind, span] of [...spans].sort((a, b) => b[1].ms - a[1].ms))
  console.log(`${String(span.count).padStart(6)} × ${(span.ms / span.count).toFixed(3)} ms  ${kind}`)
await server.close()
rmSync(dataDir, { recursive: true, force: true })
if (backend === 'postgres') {
  const admin = await createPostgresDatabase({ connectionString: databaseUrl, maxConnections: 1 })
  await admin.query(`drop schema if exists ${schema} cascade`)
  await admin.close()
}
process.exit(0)
