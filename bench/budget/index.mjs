// bench/budget: the costs of usage, budgets and the kill switch, each next to a baseline measured
// in the same run, against the BUILT packages:
//
//   pnpm exec turbo run build --filter=@mima/server... --filter=@mima/policy... \
//     --filter=@mima/integrations-openai... && node bench/run.mjs budget
//
// 1. Budget check + usage tracking (`checkOrRaise` then `trackUsage`, what a wrapped call adds),
//    p50/p99 per call, against a server on loopback on PGlite, then on PostgreSQL
//    (`MIMA_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test, in a fresh schema
//    dropped afterwards; `MIMA_BENCH_BUDGET_BACKENDS=pglite` skips it), each next to the round trip
//    of an empty Hono route with the same client (`fetch`) measured in the same part
//    (check-and-track.mjs). Between calls the loop yields once (untimed), as the
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
import http from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createMima } from '@mima/core'
import { wrapOpenAI } from '@mima/integrations-openai'
import { createRuntimeControls } from '@mima/policy'
import OpenAI from 'openai'
import { recordFigure } from '../report.mjs'
import { startBenchServer } from './bench-server.mjs'
import { fmt, measureCheckAndTrack, percentile } from './check-and-track.mjs'

const serverRequire = createRequire(import.meta.resolve('@mima/server'))
const { Hono } = await import(pathToFileURL(serverRequire.resolve('hono')).href)
const { serve } = await import(pathToFileURL(serverRequire.resolve('@hono/node-server')).href)

// ---- servers --------------------------------------------------------------------------------------
const pgliteBench = await startBenchServer('budget')
const { server, adminKey, workspaceId, dataDir, api } = pgliteBench
const empty = new Hono()
empty.get('/empty', (c) => c.json({ ok: true }))
const emptyServer = await new Promise((resolve) => {
  const running = serve({ fetch: empty.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(running))
})
const emptyUrl = `http://127.0.0.1:${emptyServer.address().port}/empty`

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

// ---- 1. check + track, on PGlite then PostgreSQL -----------------------------------------------
const only = process.env.MIMA_BENCH_BUDGET_BACKENDS?.split(',') ?? ['pglite', 'postgres']
if (only.includes('pglite'))
  await measureCheckAndTrack({ ...pgliteBench, emptyUrl, backend: 'PGlite', figureSuffix: '' })
if (only.includes('postgres')) {
  const databaseUrl = process.env.MIMA_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
  const pgBench = await startBenchServer('budget', { databaseUrl })
  try {
    await measureCheckAndTrack({ ...pgBench, emptyUrl, backend: 'PostgreSQL', figureSuffix: ', PostgreSQL' })
  } finally {
    await pgBench.close()
  }
}

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

await agent.close()
await mima.close()
fakeLlm.close()
emptyServer.close()
await pgliteBench.close()
