// bench/security: what the input boundary costs, and a mixed-traffic load test (valid pushes,
// lists, evidence, and hostile requests) reporting throughput, p50/p99 latency and the server's
// memory over time, each next to a baseline measured in the same run.
//
//   pnpm --filter "@mima/server..." build && node bench/run.mjs security
//
// PostgreSQL instead of PGlite: MIMA_BENCH_DATABASE_URL (or MIMA_TEST_DATABASE_URL).
import { fork } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { assertStorableJson, createPostgresDatabase } from '@mima/server'
import { recordFigure } from '../report.mjs'

const serverRequire = createRequire(import.meta.resolve('@mima/server'))
const { Hono } = await import(pathToFileURL(serverRequire.resolve('hono')).href)
const { serve } = await import(pathToFileURL(serverRequire.resolve('@hono/node-server')).href)

const databaseUrl = process.env.MIMA_BENCH_DATABASE_URL || process.env.MIMA_TEST_DATABASE_URL || undefined
const LOAD_SECONDS = Number(process.env.MIMA_BENCH_LOAD_SECONDS || 8)
const CLIENTS = Number(process.env.MIMA_BENCH_CLIENTS || 16)
const HASH = 'a'.repeat(64)

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
const round = (value, digits = 2) => Number(value.toFixed(digits))

// ---- 1. The input boundary on a 1,000-record batch body, next to JSON.parse of the same text ----
function boundaryCost() {
  const body = JSON.stringify({
    records: Array.from({ length: 1000 }, (_, index) => ({
      system_name: 'bench',
      tool_name: `tool-${index}`,
      input_hash: HASH,
      output_hash: HASH,
      authorised_by: { identity: 'alice@example.com', role: 'operator' },
      metadata: { tags: ['a', 'b', 'c'], note: 'ünïcødé ✓ text', nested: { depth: { three: 3 } } },
    })),
  })
  const time = (work, rounds) => {
    for (let index = 0; index < 20; index += 1) work()
    const started = process.hrtime.bigint()
    for (let index = 0; index < rounds; index += 1) work()
    return Number(process.hrtime.bigint() - started) / 1e6 / rounds
  }
  const parsed = JSON.parse(body)
  const parseMs = time(() => JSON.parse(body), 200)
  const checkMs = time(() => assertStorableJson(parsed), 200)
  console.log(
    `input boundary on a ${Math.round(body.length / 1024)} KB, 1,000-record batch: ${round(checkMs, 3)} ms ` +
      `(JSON.parse of the same body: ${round(parseMs, 3)} ms, ratio ${round(checkMs / parseMs)})`,
  )
  recordFigure({
    bench: 'security',
    name: 'input boundary check, 1,000-record batch body',
    value: round(checkMs, 3),
    unit: 'ms',
    baselineName: 'JSON.parse of the same body',
    baseline: round(parseMs, 3),
    target: '≤ 1× baseline',
    met: checkMs <= parseMs,
  })
}

// ---- HTTP client shared by the baseline and the load --------------------------------------------
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 })
function send(url, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : Buffer.from(body)
    const started = performance.now()
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
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
      },
    )
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }))
    req.end(payload)
  })
}

async function drive(seconds, next) {
  const latencies = []
  const statuses = new Map()
  const deadline = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let round = 0; performance.now() < deadline; round += 1) {
        const { kind, url, options } = next(client, round)
        const answer = await send(url, options)
        latencies.push(answer.ms)
        const key = `${kind}:${answer.status >= 500 || answer.status === 0 ? '5xx' : answer.status >= 400 ? '4xx' : '2xx'}`
        statuses.set(key, (statuses.get(key) ?? 0) + 1)
      }
    }),
  )
  latencies.sort((left, right) => left - right)
  return {
    requests: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses,
  }
}

// ---- 2. Mixed traffic against the built server in its own process ------------------------------
async function mixedLoad() {
  const app = new Hono()
  app.post('/empty', (c) => c.json({ ok: true }, 201))
  app.get('/empty', (c) => c.json({ ok: true }))
  const baselineServer = await new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server))
  })
  const baselineUrl = `http://127.0.0.1:${baselineServer.address().port}`
  const baseline = await drive(Math.max(2, LOAD_SECONDS / 3), (_, round) =>
    round % 2 === 0
      ? { kind: 'empty', url: `${baselineUrl}/empty`, options: { method: 'POST', body: '{"a":1}' } }
      : { kind: 'empty', url: `${baselineUrl}/empty`, options: {} },
  )
  baselineServer.close()

  const dataDir = mkdtempSync(join(tmpdir(), 'mima-bench-security-'))
  const schema = `mima_bench_sec_${randomBytes(5).toString('hex')}`
  const child = fork(join(import.meta.dirname, 'server-child.mjs'), [], {
    env: {
      ...process.env,
      MIMA_BENCH_DATA_DIR: join(dataDir, 'data'),
      ...(databaseUrl === undefined
        ? {}
        : { MIMA_BENCH_SERVER_DATABASE_URL: databaseUrl, MIMA_BENCH_SCHEMA: schema }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const memory = []
  const ready = await new Promise((resolve) => {
    child.on('message', (message) => {
      if (message.type === 'ready') resolve(message)
      if (message.type === 'memory') memory.push(message)
    })
  })
  const headers = { authorization: `Bearer ${ready.adminKey}` }
  const base = `${ready.url}/api/workspaces/${ready.workspaceId}`
  const attestation = () =>
    JSON.stringify({
      system_name: 'bench',
      tool_name: 'load',
      input_hash: HASH,
      output_hash: HASH,
      idempotency_key: randomUUID(),
    })
  const hostile = [
    () => ({
      url: `${base}/governance/attestations/external`,
      options: { method: 'POST', headers, body: '{"system_name":"a\\u0000","tool_name":"t"}' },
    }),
    () => ({ url: `${base}/governance/attestations/0190a5b8%00`, options: { headers } }),
    () => ({ url: `${base}/governance/attestations?since=0000-01-01`, options: { headers } }),
    () => ({
      url: `${base}/governance/approvals`,
      options: {
        method: 'POST',
        headers,
        body: `{"action_type":"a","context":${'['.repeat(3000)}${']'.repeat(3000)}}`,
      },
    }),
    () => ({
      url: `${base}/keys`,
      options: { method: 'POST', headers, body: '{"name":"\\ud800","role":"ingest"}' },
    }),
  ]
  const startedAt = Date.now()
  const load = await drive(LOAD_SECONDS, (client, round) => {
    const pick = (client * 7 + round) % 10
    if (pick < 5)
      return {
        kind: 'push',
        url: `${base}/governance/attestations/external`,
        options: { method: 'POST', headers, body: attestation() },
      }
    if (pick < 7)
      return { kind: 'list', url: `${base}/governance/attestations?limit=20`, options: { headers } }
    if (pick < 8)
      return {
        kind: 'evidence',
        url: `${base}/governance/grc/evidence`,
        options: {
          method: 'POST',
          headers,
          body: JSON.stringify({
            record_type: 'change_event',
            system_name: 'bench',
            payload: {
              type: 'deployment',
              by: 'ci',
              description: `r${round}`,
              environment: 'production',
              system: 'bench',
            },
          }),
        },
      }
    const request = hostile[round % hostile.length]()
    return { kind: 'hostile', ...request }
  })
  child.send('stop')
  await new Promise((resolve) => child.once('exit', resolve))
  rmSync(dataDir, { recursive: true, force: true })
  if (databaseUrl !== undefined) {
    const admin = await createPostgresDatabase({ connectionString: databaseUrl, maxConnections: 1 })
    await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.close()
  }

  const count = (key) => load.statuses.get(key) ?? 0
  const fiveHundreds = [...load.statuses]
    .filter(([key]) => key.endsWith(':5xx'))
    .reduce((sum, [, n]) => sum + n, 0)
  const during = memory.filter((sample) => sample.at >= startedAt)
  const mb = (bytes) => round(bytes / 2 ** 20, 1)
  const first = during[0]?.rss ?? 0
  const peak = Math.max(...during.map((sample) => sample.rss))
  const last = during.at(-1)?.rss ?? 0
  const backend = databaseUrl === undefined ? 'PGlite' : 'PostgreSQL'
  console.log(
    `mixed load on ${backend}, ${CLIENTS} clients, ${LOAD_SECONDS} s (50% push, 20% list, 10% evidence, 20% hostile):`,
  )
  console.log(`  ${round(load.perSecond, 0)} req/s, p50 ${round(load.p50)} ms, p99 ${round(load.p99)} ms`)
  console.log(
    `  empty-route baseline: ${round(baseline.perSecond, 0)} req/s, p50 ${round(baseline.p50)} ms, p99 ${round(baseline.p99)} ms`,
  )
  console.log(`  answers: ${[...load.statuses].map(([key, n]) => `${key} ${n}`).join(', ')}`)
  console.log(
    `  server RSS over the run (MB, every 250 ms): ${during.map((sample) => mb(sample.rss)).join(' ')}`,
  )
  console.log(`  server RSS: start ${mb(first)} MB, peak ${mb(peak)} MB, end ${mb(last)} MB`)

  const figure = (name, value, unit, baselineName, baselineValue, target, met) =>
    recordFigure({
      bench: 'security',
      name: `${name} (${backend})`,
      value,
      unit,
      baselineName,
      baseline: baselineValue,
      target,
      met,
    })
  figure(
    'mixed load throughput',
    round(load.perSecond, 0),
    'req/s',
    'empty route, same clients',
    round(baseline.perSecond, 0),
    '≥ 0.05× baseline',
    load.perSecond >= 0.05 * baseline.perSecond,
  )
  figure(
    'mixed load p50',
    round(load.p50),
    'ms',
    'empty route p50',
    round(baseline.p50),
    '≤ 10× baseline',
    load.p50 <= 10 * baseline.p50,
  )
  figure(
    'mixed load p99',
    round(load.p99),
    'ms',
    'empty route p99',
    round(baseline.p99),
    '≤ 10× baseline',
    load.p99 <= 10 * baseline.p99,
  )
  figure(
    'hostile requests answered 5xx',
    fiveHundreds,
    'requests',
    'hostile requests sent',
    count('hostile:4xx') + count('hostile:2xx') + count('hostile:5xx'),
    '0',
    fiveHundreds === 0,
  )
  figure(
    'server RSS growth over the load',
    mb(last - first),
    'MB',
    'RSS at the start of the load',
    mb(first),
    '≤ 128 MB',
    last - first <= 128 * 2 ** 20,
  )
}

boundaryCost()
await mixedLoad()
agent.destroy()
