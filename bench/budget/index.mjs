// bench/budget: the costs of usage, budgets and the kill switch, each next to a baseline measured
// in the same run, against the BUILT packages:
//
//   pnpm exec turbo run build --filter=@mima/server... --filter=@mima/policy... \
//     --filter=@mima/integrations-openai... && node bench/run.mjs budget
//
// 1. Budget check + usage tracking (`checkOrRaise` then `trackUsage`, what a wrapped call adds),
//    p50/p99 per call, against a server on loopback (PGlite), next to the round trip of an empty
//    Hono route with the same client (`fetch`). Between calls the loop yields once (untimed), as the
//    model call between a check and its tracking would. Three cases:
//    - far from the cap: the lease held in the process serves the check (settled in the background);
//    - at the cap, granted: budgets with room for three more calls, so each check asks the server
//      for a one-call lease (the quarter rule) and carries the previous call's settlement;
//    - at the cap, refused: the same budgets once spent (nothing reserved), checked again.
//    The at-cap checks alternate with empty-route round trips, so load drift hits both alike.
//    Target: ≤ 2× the empty route.
// 2. Kill propagation: from `POST …/agents/{name}/kill` to the running agent's kill switch refusing,
//    p50/p99 over repeated kill/revive. Target p99 ≤ 2 s.
// 3. Wrapper overhead per call: `wrapOpenAI` (no signing key, usage and cost, background
//    attestation) minus the unwrapped client, same calls interleaved, against a fake OpenAI server
//    on loopback; and the same against an in-process canned `fetch` (no network noise).
//    Target ≤ 20 µs per call, not counting signing.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createMima } from '@mima/core'
import { wrapOpenAI } from '@mima/integrations-openai'
import { createBudgetClient, createRuntimeConnection, createRuntimeControls } from '@mima/policy'
import { silentLogger, startServer } from '@mima/server'
import OpenAI from 'openai'
import { recordFigure } from '../report.mjs'

const serverRequire = createRequire(import.meta.resolve('@mima/server'))
const { Hono } = await import(pathToFileURL(serverRequire.resolve('hono')).href)
const { serve } = await import(pathToFileURL(serverRequire.resolve('@hono/node-server')).href)

const percentile = (values, p) => {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}
const fmt = (value) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2))

// ---- servers --------------------------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'mima-bench-budget-'))
const adminKey = `mima_bench_${randomBytes(18).toString('base64url')}`
const server = await startServer({
  dataDir,
  port: 0,
  host: '127.0.0.1',
  logger: silentLogger,
  bootstrapApiKey: adminKey,
  onBootstrap: () => {},
  shutdownTimeoutMs: 500,
})
const workspaceId = server.bootstrap.workspaceId
const empty = new Hono()
empty.get('/empty', (c) => c.json({ ok: true }))
const emptyServer = await new Promise((resolve) => {
  const running = serve({ fetch: empty.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(running))
})
const emptyUrl = `http://127.0.0.1:${emptyServer.address().port}/empty`

const api = async (method, path, body) => {
  const response = await fetch(`${server.url}/api/workspaces/${workspaceId}/${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.json()
}
const controlsFor = (agentName, extra = {}) =>
  createRuntimeControls({
    baseUrl: server.url,
    apiKey: adminKey,
    workspaceId,
    systemName: 'bench',
    agentName,
    presence: false,
    loops: false,
    onError: () => {},
    ...extra,
  })

// ---- 1. check + track -----------------------------------------------------------------------------
const ROUNDS = Number(process.env.MIMA_BENCH_BUDGET_CALLS || 2000)
async function emptyRoundTrips(count) {
  const times = []
  for (let index = 0; index < count; index++) {
    const started = performance.now()
    const response = await fetch(emptyUrl)
    await response.arrayBuffer()
    times.push((performance.now() - started) * 1000)
  }
  return times
}
async function checkAndTrack(controls, count, projectedUsd) {
  const times = []
  for (let index = 0; index < count; index++) {
    const started = performance.now()
    const ticket = await controls.checkOrRaise({ model: 'gpt-4o-mini', projectedUsd, projectedTokens: 600 })
    controls.trackUsage(ticket, { model: 'gpt-4o-mini', costUsd: projectedUsd / 2, tokens: 300 })
    times.push((performance.now() - started) * 1000)
    // The model call between a check and its tracking is I/O: yield once, untimed, as it would.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return times
}

async function emptyRoundTrip() {
  const started = performance.now()
  const response = await fetch(emptyUrl)
  await response.arrayBuffer()
  return (performance.now() - started) * 1000
}
const percentiles = (times) => [percentile(times, 50), percentile(times, 99)]
function report(label, times, [baseP50, baseP99], baselineLabel) {
  const [p50, p99] = percentiles(times)
  console.log(
    `${label.padEnd(40)} p50 ${fmt(p50)} µs (${(p50 / baseP50).toFixed(2)}×)   p99 ${fmt(p99)} µs (${(p99 / baseP99).toFixed(2)}×)   n=${times.length}`,
  )
  for (const [which, value, base] of [
    ['p50', p50, baseP50],
    ['p99', p99, baseP99],
  ]) {
    recordFigure({
      bench: 'budget',
      name: `${label} ${which}`,
      value,
      unit: 'µs',
      baselineName: `${baselineLabel} ${which}`,
      baseline: base,
      target: '≤ 2× baseline',
      met: value <= 2 * base,
    })
  }
}

await api('PUT', 'budgets', { scope: 'agent', scope_value: 'far', period: 'day', limit_usd: 1_000_000 })
const far = controlsFor('far', { budgets: { leaseCalls: 200 } })
await far.ready()
await emptyRoundTrips(200) // warm-up
await checkAndTrack(far, 200, 0.0001)
const baseline = await emptyRoundTrips(Math.min(ROUNDS, 1000))
const farTimes = await checkAndTrack(far, ROUNDS, 0.0001)
await far.budgets.flush()
const base = percentiles(baseline)
console.log(`empty route round trip (fetch):          p50 ${fmt(base[0])} µs   p99 ${fmt(base[1])} µs`)
report('check + track, far from the cap (lease)', farTimes, base, 'empty route round trip')

// At the cap: each agent's budget has room for 3.5 calls of $0.0001 and every call costs what it
// projected, so the first three checks are one-call leases from the server and the rest refusals.
const CAPPED = Number(process.env.MIMA_BENCH_CAPPED_AGENTS || 150)
const UNIT = 0.0001
for (let index = 0; index < CAPPED + 5; index++)
  await api('PUT', 'budgets', {
    scope: 'agent',
    scope_value: `cap-${index}`,
    period: 'day',
    limit_usd: 3.5 * UNIT,
  })
let leaseRequests = 0
const connection = createRuntimeConnection({
  baseUrl: server.url,
  apiKey: adminKey,
  workspaceId,
  fetch: (input, init) => {
    if (String(input).endsWith('/budgets/leases')) leaseRequests += 1
    return fetch(input, init)
  },
})
const emptyAtCap = []
const grantedTimes = []
const refusedTimes = []
let serverLeases = 0
for (let index = 0; index < CAPPED + 5; index++) {
  const warmUp = index < 5
  if (index === 5) leaseRequests = 0
  const budgets = createBudgetClient({
    connection,
    scope: { systemName: 'bench', agentName: `cap-${index}` },
    onError: () => {},
  })
  for (let call = 0; call < 20; call++) {
    const baselineTime = await emptyRoundTrip()
    const started = performance.now()
    let granted = true
    try {
      const ticket = await budgets.checkOrRaise({
        model: 'gpt-4o-mini',
        projectedUsd: UNIT,
        projectedTokens: 600,
      })
      budgets.trackUsage(ticket, { model: 'gpt-4o-mini', costUsd: UNIT, tokens: 600 })
    } catch (error) {
      if (error.code !== 'budget_exceeded') throw error
      granted = false
    }
    const time = (performance.now() - started) * 1000
    if (!warmUp) {
      emptyAtCap.push(baselineTime)
      ;(granted ? grantedTimes : refusedTimes).push(time)
      if (granted) serverLeases += 1
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  await budgets.close()
}
const baseAtCap = percentiles(emptyAtCap)
console.log(
  `empty route round trip, alternating with the at-cap checks: p50 ${fmt(baseAtCap[0])} µs   p99 ${fmt(baseAtCap[1])} µs`,
)
report('check + track at the cap, granted', grantedTimes, baseAtCap, 'empty route round trip (alternating)')
report('check + track at the cap, refused', refusedTimes, baseAtCap, 'empty route round trip (alternating)')
console.log(
  `  (${serverLeases} checks granted, ${refusedTimes.length} refused; ${leaseRequests} lease requests reached the server: ${leaseRequests - serverLeases} of the refusals asked it, the rest were answered from the kept refusal)`,
)
const snapshot = await far.snapshot()
console.log(
  `  (settled in the background: ${snapshot[0].calls} calls, $${snapshot[0].spent_usd.toFixed(4)} on the far budget)`,
)

// ---- 2. kill propagation -------------------------------------------------------------------------
const KILLS = Number(process.env.MIMA_BENCH_KILLS || 30)
const agent = controlsFor('killable')
await agent.ready()
const killTimes = []
for (let index = 0; index < KILLS; index++) {
  const arrived = new Promise((resolve) => {
    const stop = agent.killSwitch.onKill((name) => {
      if (name !== 'killable') return
      stop()
      resolve(performance.now())
    })
  })
  const started = performance.now()
  await api('POST', 'agents/killable/kill', { reason: 'bench' })
  const at = await arrived
  killTimes.push(at - started)
  try {
    agent.assertAlive()
    throw new Error('the kill switch did not refuse')
  } catch (error) {
    if (error.code !== 'kill_switch') throw error
  }
  await api('POST', 'agents/killable/revive')
  while (agent.killSwitch.isKilled()) await new Promise((resolve) => setTimeout(resolve, 1))
}
const killP50 = percentile(killTimes, 50)
const killP99 = percentile(killTimes, 99)
console.log(
  `kill propagation (API → running agent refuses): p50 ${fmt(killP50)} ms   p99 ${fmt(killP99)} ms   (target p99 ≤ 2000 ms)`,
)
recordFigure({
  bench: 'budget',
  name: 'kill propagation p50',
  value: killP50,
  unit: 'ms',
  target: '≤ 2000 ms (p99)',
})
recordFigure({
  bench: 'budget',
  name: 'kill propagation p99',
  value: killP99,
  unit: 'ms',
  target: '≤ 2000 ms',
  met: killP99 <= 2000,
})

// ---- 3. wrapper overhead -------------------------------------------------------------------------
const completion = JSON.stringify({
  id: 'chatcmpl_bench',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'fake-reply', refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
})
const fakeLlm = http.createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(completion),
    })
    response.end(completion)
  })
})
await new Promise((resolve) => fakeLlm.listen(0, '127.0.0.1', resolve))
const fakeUrl = `http://127.0.0.1:${fakeLlm.address().port}/v1`
const cannedFetch = async () =>
  new Response(completion, { status: 200, headers: { 'content-type': 'application/json' } })

const mima = createMima({
  apiKey: adminKey,
  baseUrl: server.url,
  workspaceId,
  systemName: 'bench',
  onError: 'silent',
  flushOnExit: false,
  env: {},
  configFile: false,
  // Records are sent between the timed blocks (mima.flush()): the server's ingest work is the
  // server's, not the wrapper's, and here it would run in this process.
  batchMaxSize: 100_000,
  batchFlushInterval: 3_600_000,
  outbox: { directory: join(dataDir, 'outbox') },
})
const request = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello in five words.' }],
  max_tokens: 50,
}

async function overhead(label, options, calls, rounds) {
  const plain = new OpenAI({ apiKey: 'bench', baseURL: fakeUrl, maxRetries: 0, ...options })
  const wrapped = wrapOpenAI(new OpenAI({ apiKey: 'bench', baseURL: fakeUrl, maxRetries: 0, ...options }), {
    mima,
  })
  const time = async (client) => {
    const started = performance.now()
    await client.chat.completions.create(request)
    return (performance.now() - started) * 1000
  }
  for (let index = 0; index < 200; index++) {
    await time(plain)
    await time(wrapped)
  }
  await mima.flush()
  // Pairs of one unwrapped and one wrapped call, so drift in machine load hits both alike;
  // the overhead is the median of the pairwise differences.
  const plainTimes = []
  const wrappedTimes = []
  const differences = []
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < calls; index++) {
      // Alternate which goes first, so neither gains from going second (a warm connection).
      const plainFirst = index % 2 === 0
      const first = await time(plainFirst ? plain : wrapped)
      const second = await time(plainFirst ? wrapped : plain)
      const plainTime = plainFirst ? first : second
      const wrappedTime = plainFirst ? second : first
      plainTimes.push(plainTime)
      wrappedTimes.push(wrappedTime)
      differences.push(wrappedTime - plainTime)
    }
    await mima.flush()
  }
  const plainP50 = percentile(plainTimes, 50)
  const wrappedP50 = percentile(wrappedTimes, 50)
  const added = percentile(differences, 50)
  console.log(
    `wrapper overhead, ${label.padEnd(24)} unwrapped p50 ${fmt(plainP50)} µs, wrapped p50 ${fmt(wrappedP50)} µs, median pairwise difference +${fmt(added)} µs per call`,
  )
  recordFigure({
    bench: 'budget',
    name: `wrapOpenAI overhead per call (median pairwise difference), ${label}`,
    value: added,
    unit: 'µs',
    baselineName: 'unwrapped client p50',
    baseline: plainP50,
    target: '≤ 20 µs added',
    met: added <= 20,
  })
}
const CALLS = Number(process.env.MIMA_BENCH_WRAP_CALLS || 400)
await overhead('fake server on loopback', {}, CALLS, 5)
await overhead('canned in-process fetch', { fetch: cannedFetch }, CALLS * 2, 5)

await Promise.all([far.close(), agent.close()])
await mima.close()
fakeLlm.close()
emptyServer.close()
await server.close()
rmSync(dataDir, { recursive: true, force: true })
