// Profiling helper for the single-push path (not part of `node bench/run.mjs server`):
//   node bench/server/profile-push.mjs [pglite|postgres|empty]
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/server/profile-push.mjs postgres
// Starts the BUILT server (or, with `empty`, the bench's empty Hono route) in this process and
// drives it with bench/server/push-clients.mjs in a separate process (16 clients, sequential
// pushes). Prints p50/p99, the server process's CPU per push (user/system; robust on a busy host,
// unlike wall-clock latency) and every SQL statement the server sent (count × mean time).
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createPostgresDatabase, silentLogger, startServer } from '@mima/server'

// `empty`: the bench's baseline, an empty Hono route on @hono/node-server, measured the same way.
async function startEmptyRoute() {
  const serverRequire = createRequire(import.meta.resolve('@mima/server'))
  const { Hono } = await import(pathToFileURL(serverRequire.resolve('hono')).href)
  const { serve } = await import(pathToFileURL(serverRequire.resolve('@hono/node-server')).href)
  const app = new Hono()
  app.post('/*', async (c) => {
    await c.req.text()
    return c.json({ ok: true })
  })
  return new Promise((resolve) => {
    const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        bootstrap: { workspaceId: 'empty' },
        database: { query: async () => ({ rows: [] }) },
        close: () => new Promise((done) => http.close(done)),
      }),
    )
  })
}

const backend = process.argv[2] ?? 'pglite'
const databaseUrl = process.env.MIMA_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const schema = `mima_prof_${randomBytes(5).toString('hex')}`
const dataDir = mkdtempSync(join(tmpdir(), 'mima-prof-'))
const adminKey = `mima_bench_${randomBytes(16).toString('hex')}`
const server =
  backend === 'empty'
    ? await startEmptyRoute()
    : await startServer({
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
const clients = Number(process.env.CLIENTS || 16)
const intervalMs = Number(process.env.INTERVAL_MS || 0)
const cpuBefore = process.cpuUsage()
const answer = await new Promise((resolve) => {
  child.once('message', resolve)
  child.send({
    url,
    headers: { authorization: `Bearer ${adminKey}` },
    clients,
    perClient,
    warmup: 20,
    intervalMs,
  })
})
const cpu = process.cpuUsage(cpuBefore)
child.kill()
if (answer.error) throw new Error(answer.error)
const l = answer.latencies
const at = (q) => l[Math.min(l.length - 1, Math.floor(q * l.length))]
const pushes = l.length + clients * 20 // measured + warm-up
console.log(
  `${backend}: p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms over ${l.length} pushes; ` +
    `server process CPU ${((cpu.user + cpu.system) / 1000 / pushes).toFixed(3)} ms per push (user ${(cpu.user / 1000 / pushes).toFixed(3)}, system ${(cpu.system / 1000 / pushes).toFixed(3)})`,
)
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
