// bench/server: ingest rate, push latency, inclusion-proof time at 1,000,000 leaves and full
// ledger verification rate of the BUILT @mima/server, each next to a baseline measured in the
// same run: the same HTTP round trip (same client, same body) to an empty Hono route.
//
//   pnpm --filter "@mima/server..." build && node bench/run.mjs server
//
// Push latency is printed twice, same target (16 concurrent clients, sequential pushes, p50/p99):
// with the clients in the server's process (the original method) and in a separate process
// (bench/server/push-clients.mjs, as a deployment sees it); each next to the empty-route baseline
// measured the same way. On a busy 2-core host the separate process competes for the same CPUs,
// so it is not automatically faster: compare each figure with its own baseline.
// bench/server/profile-push.mjs profiles the push path alone (see its header).
//
// PostgreSQL figures need MIMA_BENCH_DATABASE_URL (or MIMA_TEST_DATABASE_URL), e.g.
// postgres://postgres@127.0.0.1:5432/test; each run uses a fresh schema and drops it.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { bytesToHex, rootFromLeafHashes, verifyInclusionProof, verifySignedTreeHead } from '@mima/core'
import { createPostgresDatabase, silentLogger, startServer } from '@mima/server'
import { recordFigure } from '../report.mjs'

const serverRequire = createRequire(import.meta.resolve('@mima/server'))
const { Hono } = await import(pathToFileURL(serverRequire.resolve('hono')).href)
const { serve } = await import(pathToFileURL(serverRequire.resolve('@hono/node-server')).href)

const databaseUrl = process.env.MIMA_BENCH_DATABASE_URL || process.env.MIMA_TEST_DATABASE_URL || undefined
const PROOF_LEAVES = Number(process.env.MIMA_BENCH_PROOF_LEAVES || 1_000_000)
const TARGETS = {
  ingestPostgres: 20_000,
  ingestPglite: 5_000,
  pushP50: 2,
  pushP99: 10,
  proofMs: 5,
  verifyRate: 200_000,
}

// ---- HTTP client: keep-alive node:http, the same for the baseline and the server ---------------
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
function request(url, { method = 'POST', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body)
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': payload.length }),
        },
      },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }))
      },
    )
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}
async function json(url, options) {
  const response = await request(url, options)
  if (response.status >= 300)
    throw new Error(`${options?.method ?? 'POST'} ${url}: ${response.status} ${response.text}`)
  return JSON.parse(response.text)
}

// ---- workloads ------------------------------------------------------------------------------------
let counter = 0
function attestation() {
  counter += 1
  return {
    system_name: 'bench-system',
    agent_name: 'bench-agent',
    tool_name: `tool-${counter % 17}`,
    input_hash: randomBytes(32).toString('hex'),
    output_hash: randomBytes(32).toString('hex'),
    schema_version: 2,
    model_id: 'gpt-bench',
    executed_at: new Date().toISOString(),
    authorised_by: { identity: 'bench@example.com', role: 'engineer' },
  }
}

/** `clients` concurrent loops sending `batches` batches of 100 records in total; records/s. */
async function ingestRate(url, headers, { batches, clients }) {
  const bodies = Array.from({ length: batches }, () =>
    JSON.stringify({ records: Array.from({ length: 100 }, attestation) }),
  )
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]
        const response = await request(url, { body, headers })
        if (response.status !== 200)
          throw new Error(`batch failed: ${response.status} ${response.text.slice(0, 200)}`)
      }
    }),
  )
  return (batches * 100) / ((performance.now() - started) / 1000)
}

/** p50 and p99 of latencies sorted ascending. */
function percentiles(sorted) {
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return { p50: at(0.5), p99: at(0.99) }
}

/** 16 concurrent clients, each sending `perClient` single pushes in sequence; p50/p99 in ms. */
async function pushLatency(url, headers, { perClient, clients = 16 }) {
  const latencies = []
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let index = 0; index < perClient; index += 1) {
        const body = JSON.stringify(attestation())
        const started = performance.now()
        const response = await request(url, { body, headers })
        latencies.push(performance.now() - started)
        if (response.status >= 300)
          throw new Error(`push failed: ${response.status} ${response.text.slice(0, 200)}`)
      }
    }),
  )
  return percentiles(latencies.sort((a, b) => a - b))
}

/**
 * The same target (16 concurrent clients, sequential pushes, p50/p99), but the clients run in a
 * separate PROCESS (bench/server/push-clients.mjs via child_process.fork), as in a deployment: in
 * the in-process method the 16 clients' request building, socket reads and timing share the
 * server's event loop, so the latency includes time spent waiting behind client work.
 */
async function pushLatencyOutOfProcess(
  url,
  headers,
  { perClient, clients = 16, warmup = 10, intervalMs = 0 },
) {
  const child = fork(fileURLToPath(new URL('./push-clients.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  try {
    const answer = await new Promise((resolve, reject) => {
      child.once('message', resolve)
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`push client process exited with ${code}`)))
      child.send({ url, headers, clients, perClient, warmup, intervalMs })
    })
    if (answer.error !== undefined) throw new Error(answer.error)
    return percentiles(answer.latencies)
  } finally {
    child.kill()
  }
}

// Paced push mode: each of the 16 clients starts a push every this many milliseconds.
const PACED_INTERVAL_MS = 20

const fmt = (value, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const verdict = (ok) => (ok ? 'meets target' : 'MISSES target')
/**
 * Prints one row and records it for bench/RESULTS.md. `value` is a number shown with `digits`
 * decimals; `baseline` is `{ text, name?, value? }` (no value when there is no in-run baseline).
 */
function report(name, value, digits, unit, baseline, target, ok) {
  const valueText = fmt(value, digits)
  console.log(
    `${name.padEnd(56)} ${`${valueText} ${unit}`.padStart(18)}   baseline ${baseline.text.padEnd(26)} target ${target.padEnd(12)} ${verdict(ok)}`,
  )
  recordFigure({
    bench: 'server',
    name,
    value,
    unit,
    ...(baseline.value === undefined ? {} : { baselineName: baseline.name, baseline: baseline.value }),
    target: target.endsWith(unit) ? target : `${target} ${unit}`,
    met: ok,
  })
}

// ---- floor: the same round trip to a bare node:http handler (no framework, no work) --------------
// Not the baseline (that is the empty Hono route); printed so that a latency target below what this
// machine and load generator can do at all is visible as such.
async function startFloor() {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const body = '{"ok":true}'
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
      res.end(body)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/floor`,
    close: () => new Promise((done) => server.close(done)),
  }
}

// ---- baseline: the same round trip to an empty Hono route ---------------------------------------
async function startBaseline() {
  const app = new Hono()
  app.post('/empty', async (c) => {
    await c.req.text()
    return c.json({ ok: true })
  })
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}/empty`,
        close: () => new Promise((done) => server.close(done)),
      }),
    )
  })
}

async function benchBackend(options, sizes) {
  const adminKey = `mima_bench_${randomBytes(16).toString('hex')}`
  const server = await startServer({
    ...options,
    port: 0,
    logger: silentLogger,
    bootstrapApiKey: adminKey,
    onBootstrap: () => {},
  })
  try {
    const workspaceId = server.bootstrap.workspaceId
    const key = (
      await json(`${server.url}/api/workspaces/${workspaceId}/keys`, {
        body: JSON.stringify({ name: 'bench', role: 'ingest' }),
        headers: { authorization: `Bearer ${adminKey}` },
      })
    ).key
    const headers = { authorization: `Bearer ${key}` }
    const base = `${server.url}/api/workspaces/${workspaceId}/governance/attestations`
    await ingestRate(`${base}/batch`, headers, { batches: 10, clients: 4 }) // warm-up
    const rate = await ingestRate(`${base}/batch`, headers, sizes.ingest)
    await pushLatency(`${base}/external`, headers, { perClient: 10 }) // warm-up
    const latency = await pushLatency(`${base}/external`, headers, sizes.push)
    const latencySeparate = await pushLatencyOutOfProcess(`${base}/external`, headers, sizes.push)
    const latencyPaced = await pushLatencyOutOfProcess(`${base}/external`, headers, {
      ...sizes.push,
      intervalMs: PACED_INTERVAL_MS,
    })
    return { server, adminKey, workspaceId, rate, latency, latencySeparate, latencyPaced }
  } catch (error) {
    await server.close()
    throw error
  }
}

// ---- 1,000,000-leaf tree filled in SQL (leaf hashes and complete-subtree nodes) -----------------
async function fillTree(database, workspaceId, size) {
  await database.query('delete from ledger_leaves where workspace_id = $1', [workspaceId])
  await database.query('delete from ledger_nodes where workspace_id = $1', [workspaceId])
  const chunk = 250_000
  for (let start = 0; start < size; start += chunk) {
    await database.query(
      `insert into ledger_leaves (workspace_id, leaf_index, leaf_hash, kind, record_id, leaf_data)
       select $1, i, sha256('\\x00'::bytea || convert_to('bench-' || i, 'UTF8')), 'bench', 'bench-' || i, 'bench-' || i
       from generate_series($2::bigint, $3::bigint) as i`,
      [workspaceId, start, Math.min(size, start + chunk) - 1],
    )
  }
  for (let level = 1; 2 ** level <= size; level += 1) {
    const source =
      level === 1
        ? `(select leaf_index as node_index, leaf_hash as hash from ledger_leaves where workspace_id = $1)`
        : `(select node_index, hash from ledger_nodes where workspace_id = $1 and level = ${level - 1})`
    await database.query(
      `insert into ledger_nodes (workspace_id, level, node_index, hash)
       select $1, ${level}, l.node_index / 2, sha256('\\x01'::bytea || l.hash || r.hash)
       from ${source} l join ${source} r on r.node_index = l.node_index + 1
       where l.node_index % 2 = 0`,
      [workspaceId],
    )
  }
  // The head: the frontier of complete subtrees (largest first) and the root folded from the right.
  const frontier = []
  let start = 0
  for (let level = 52; level >= 0; level -= 1) {
    if (start + 2 ** level <= size) {
      frontier.push({ level, index: start / 2 ** level })
      start += 2 ** level
    }
  }
  const hashes = []
  for (const { level, index } of frontier) {
    const { rows } =
      level === 0
        ? await database.query(
            'select leaf_hash as hash from ledger_leaves where workspace_id = $1 and leaf_index = $2',
            [workspaceId, index],
          )
        : await database.query(
            'select hash from ledger_nodes where workspace_id = $1 and level = $2 and node_index = $3',
            [workspaceId, level, index],
          )
    hashes.push(Buffer.from(rows[0].hash))
  }
  const { createHash } = await import('node:crypto')
  let root = hashes[hashes.length - 1]
  for (let index = hashes.length - 2; index >= 0; index -= 1) {
    root = createHash('sha256')
      .update(Buffer.from([1]))
      .update(hashes[index])
      .update(root)
      .digest()
  }
  await database.query(
    `update ledger_heads set tree_size = $2, frontier = decode($3, 'hex'), root_hash = decode($4, 'hex') where workspace_id = $1`,
    [workspaceId, size, Buffer.concat(hashes).toString('hex'), root.toString('hex')],
  )
}

async function benchProofsAndVerification(run, label) {
  const { server, adminKey } = run
  const created = await json(`${server.url}/api/workspaces`, {
    body: JSON.stringify({ name: 'proof bench' }),
    headers: { authorization: `Bearer ${adminKey}` },
  })
  const workspaceId = created.id
  const headers = { authorization: `Bearer ${created.admin_key.key}` }
  const fillStarted = performance.now()
  await fillTree(server.database, workspaceId, PROOF_LEAVES)
  console.log(
    `  (${label}: filled a ${fmt(PROOF_LEAVES)}-leaf tree in ${fmt((performance.now() - fillStarted) / 1000, 1)} s)`,
  )
  const ledger = `${server.url}/api/workspaces/${workspaceId}/ledger`
  const head = await json(`${ledger}/tree-head`, { method: 'GET', headers })
  if (!(await verifySignedTreeHead(head, server.ledger.publicKey)))
    throw new Error('tree head does not verify')

  // Inclusion proofs for random leaves: the ledger call itself, and the HTTP round trip.
  const indexes = Array.from({ length: 300 }, () => Math.floor(Math.random() * PROOF_LEAVES))
  for (const index of indexes.slice(0, 30))
    await server.ledger.inclusionProof(server.database, workspaceId, index)
  const direct = []
  for (const index of indexes) {
    const started = performance.now()
    const proof = await server.ledger.inclusionProof(server.database, workspaceId, index)
    direct.push(performance.now() - started)
    if (
      !verifyInclusionProof({
        leafHash: proof.leaf_hash,
        leafIndex: index,
        treeSize: head.tree_size,
        proof: proof.inclusion_path,
        rootHash: head.root_hash,
      })
    ) {
      throw new Error(`proof for leaf ${index} does not verify`)
    }
  }
  const overHttp = []
  for (const index of indexes) {
    const started = performance.now()
    await json(`${ledger}/proofs/inclusion?leaf_index=${index}`, { method: 'GET', headers })
    overHttp.push(performance.now() - started)
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

  // Full verification: every leaf hash fetched in compact pages of 100,000 (GET …/ledger/leaf-hashes),
  // root recomputed with @mima/core's streaming rootFromLeafHashes and compared with the signed head.
  const verifyStarted = performance.now()
  const collected = []
  async function* pages() {
    for (let from = 0; from !== null; ) {
      const page = await json(`${ledger}/leaf-hashes?from=${from}&limit=100000`, { method: 'GET', headers })
      const bytes = Buffer.from(page.leaf_hashes, 'hex')
      for (let index = 0; index < page.count; index += 1) {
        const hash = bytes.subarray(index * 32, index * 32 + 32)
        collected.push(hash)
        yield hash
      }
      from = page.next_from
    }
  }
  const result = await rootFromLeafHashes(pages())
  const endToEndRate = result.treeSize / ((performance.now() - verifyStarted) / 1000)
  if (bytesToHex(result.rootHash) !== head.root_hash)
    throw new Error('recomputed root differs from the signed head')
  const computeStarted = performance.now()
  const again = await rootFromLeafHashes(collected)
  const computeRate = again.treeSize / ((performance.now() - computeStarted) / 1000)
  return { proofDirect: median(direct), proofHttp: median(overHttp), endToEndRate, computeRate }
}

// ---- run ----------------------------------------------------------------------------------------
console.log(
  `@mima/server benchmark (Node ${process.version}); baseline = the same request to an empty Hono route`,
)
// Figures scale with contention: print it, so a busy host is visible next to the numbers.
const load = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ')} on ${cpus().length} CPUs`
console.log(`start: ${load()}`)
const baseline = await startBaseline()
const batchBody = JSON.stringify({ records: Array.from({ length: 100 }, attestation) })
const baselineBatches = async (batches) => {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < batches) await request(baseline.url, { body: batchBody })
    }),
  )
  return (batches * 100) / ((performance.now() - started) / 1000)
}
await baselineBatches(50)
const baselineRate = await baselineBatches(600)
await pushLatency(baseline.url, {}, { perClient: 20 })
const baselineLatency = await pushLatency(baseline.url, {}, { perClient: 150 })
const baselineLatencySeparate = await pushLatencyOutOfProcess(
  baseline.url,
  {},
  { perClient: 150, warmup: 20 },
)
const baselineLatencyPaced = await pushLatencyOutOfProcess(
  baseline.url,
  {},
  { perClient: 150, warmup: 20, intervalMs: PACED_INTERVAL_MS },
)
await baseline.close()
const floor = await startFloor()
await pushLatency(floor.url, {}, { perClient: 20 })
const floorLatency = await pushLatency(floor.url, {}, { perClient: 150 })
const floorLatencySeparate = await pushLatencyOutOfProcess(floor.url, {}, { perClient: 150, warmup: 20 })
await floor.close()
const baselineRateText = `${fmt(baselineRate)} rec/s`
const baselineLatencyText = (value) => `${fmt(value, 2)} ms`

const runs = []
if (databaseUrl !== undefined) {
  const schema = `mima_bench_${randomBytes(5).toString('hex')}`
  try {
    const run = await benchBackend(
      { databaseUrl, databaseSchema: schema },
      {
        ingest: { batches: 400, clients: 8 },
        push: { perClient: 150 },
      },
    )
    runs.push(['PostgreSQL', run])
  } catch (error) {
    console.error('PostgreSQL bench failed:', error)
  }
  runs.schema = schema
} else {
  console.log('PostgreSQL: skipped (set MIMA_BENCH_DATABASE_URL or MIMA_TEST_DATABASE_URL)')
}
const dataDir = mkdtempSync(join(tmpdir(), 'mima-bench-'))
runs.push([
  'PGlite',
  await benchBackend({ dataDir }, { ingest: { batches: 150, clients: 8 }, push: { perClient: 60 } }),
])

/** The p50 and p99 rows of one push-latency method (`run[key]`) for every backend. */
function reportPushLatency(method, key, baseline, baselineName) {
  for (const [label, run] of runs) {
    for (const [quantile, target] of [
      ['p50', TARGETS.pushP50],
      ['p99', TARGETS.pushP99],
    ]) {
      report(
        `sync push ${quantile}, ${method} (${label})`,
        run[key][quantile],
        2,
        'ms',
        {
          text: baselineLatencyText(baseline[quantile]),
          name: `${baselineName} ${quantile}`,
          value: baseline[quantile],
        },
        `≤ ${target} ms`,
        run[key][quantile] <= target,
      )
    }
  }
}
console.log('')
for (const [label, run] of runs) {
  const target = label === 'PostgreSQL' ? TARGETS.ingestPostgres : TARGETS.ingestPglite
  report(
    `batch ingest, 100/request, ledger appends (${label})`,
    run.rate,
    0,
    'rec/s',
    { text: baselineRateText, name: 'empty Hono route, 8 clients', value: baselineRate },
    `≥ ${fmt(target)}`,
    run.rate >= target,
  )
}
console.log(
  '  push latency, two methods, same target (16 concurrent clients, sequential pushes):\n' +
    '  "clients in server process" = the original method (clients share the server\'s event loop);\n' +
    '  "clients in own process" = load generator in a separate process (child_process.fork), as a\n' +
    '  deployment sees it. Each is compared with the empty-route baseline measured the same way.',
)
console.log(
  '  floor, the same clients against a bare node:http handler (no framework, no work): p50/p99\n' +
    `  ${fmt(floorLatencySeparate.p50, 2)}/${fmt(floorLatencySeparate.p99, 2)} ms in own process, ` +
    `${fmt(floorLatency.p50, 2)}/${fmt(floorLatency.p99, 2)} ms in server process. The empty Hono route\n` +
    `  alone takes ${fmt((baselineLatencySeparate.p50 / TARGETS.pushP50) * 100)}% (own process) and ` +
    `${fmt((baselineLatency.p50 / TARGETS.pushP50) * 100)}% (server process) of the ${TARGETS.pushP50} ms p50 budget here.`,
)
reportPushLatency(
  '16 clients in own process',
  'latencySeparate',
  baselineLatencySeparate,
  'empty Hono route, clients in own process,',
)
console.log(
  `  paced: the same 16 clients in their own process, each starting a push every ${PACED_INTERVAL_MS} ms\n` +
    `  (${fmt((16 * 1000) / PACED_INTERVAL_MS)} pushes/s offered) instead of back to back: latency without the\n` +
    '  queueing that saturating a 2-core machine adds (the back-to-back rows above are the target method).',
)
reportPushLatency(
  '16 paced clients',
  'latencyPaced',
  baselineLatencyPaced,
  'empty Hono route, paced clients,',
)
reportPushLatency(
  '16 clients in server process',
  'latency',
  baselineLatency,
  'empty Hono route, clients in server process,',
)
const proofRun = runs.find(([label]) => label === 'PostgreSQL') ?? runs.find(([label]) => label === 'PGlite')
if (proofRun !== undefined) {
  const [label, run] = proofRun
  const figures = await benchProofsAndVerification(run, label)
  report(
    `inclusion proof at ${fmt(PROOF_LEAVES)} leaves, ledger call (${label})`,
    figures.proofDirect,
    2,
    'ms',
    { text: 'n/a (no HTTP)' },
    `≤ ${TARGETS.proofMs} ms`,
    figures.proofDirect <= TARGETS.proofMs,
  )
  report(
    `inclusion proof at ${fmt(PROOF_LEAVES)} leaves, over HTTP (${label})`,
    figures.proofHttp,
    2,
    'ms',
    {
      text: baselineLatencyText(baselineLatency.p50),
      name: 'empty Hono route, clients in server process, p50',
      value: baselineLatency.p50,
    },
    `≤ ${TARGETS.proofMs} ms`,
    figures.proofHttp <= TARGETS.proofMs,
  )
  report(
    'full verification, root from leaf hashes (compute)',
    figures.computeRate,
    0,
    'leaves/s',
    { text: 'n/a' },
    `≥ ${fmt(TARGETS.verifyRate)}`,
    figures.computeRate >= TARGETS.verifyRate,
  )
  report(
    'full verification incl. fetching hash pages (HTTP)',
    figures.endToEndRate,
    0,
    'leaves/s',
    { text: 'n/a' },
    `≥ ${fmt(TARGETS.verifyRate)}`,
    figures.endToEndRate >= TARGETS.verifyRate,
  )
}

console.log(`end: ${load()}`)
for (const [, run] of runs) await run.server.close()
rmSync(dataDir, { recursive: true, force: true })
if (runs.schema !== undefined) {
  const admin = await createPostgresDatabase({ connectionString: databaseUrl, maxConnections: 1 })
  await admin.query(`drop schema if exists ${runs.schema} cascade`)
  await admin.close()
}
agent.destroy()
process.exit(0)
