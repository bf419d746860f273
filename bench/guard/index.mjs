// bench/guard: what the guard adds to each patched SDK call.
//
// Two measurements, each interleaving the unpatched client, the patched client inside
// runAttested (attested) and the patched client outside it (unattested, report mode) round by
// round, and reporting the median over rounds:
//   1. Wrapper cost, precise: the synchronous part of `create()` (everything the wrapper does is
//      synchronous; the request itself runs later) with a stub `fetch` that answers at once.
//      Added cost = patched median − unpatched median. Reports are written to a temp JSONL log.
//   2. End to end: awaited calls to a local fake HTTP server (127.0.0.1, keep-alive) in the same
//      process, measured as CPU time of the process per call (client + server), which a busy host
//      disturbs far less than wall time. The HTTP work is ~100× the wrapper cost, so this shows the
//      guard is lost in the noise; in report mode it includes writing the JSONL log.
// Imports the built packages: run `pnpm --filter @mima/guard... build` first.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAttested } from '@mima/core'
import { disableGuard, enableGuard, flushGuardReports } from '@mima/guard'
import { recordFigure } from '../report.mjs'

const requireFromGuard = createRequire(new URL('../../packages/guard/package.json', import.meta.url))
const OpenAI = requireFromGuard('openai')
const Anthropic = requireFromGuard('@anthropic-ai/sdk')

const directory = mkdtempSync(join(tmpdir(), 'mima-bench-guard-'))
const guardOptions = {
  mode: 'report',
  logPath: join(directory, 'guard_log.jsonl'),
  socketPath: join(directory, 'no-daemon.sock'),
}

const chatBody = JSON.stringify({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
})
const messageBody = JSON.stringify({
  id: 'm',
  type: 'message',
  role: 'assistant',
  model: 'c',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 1, output_tokens: 1 },
})
const stubFetch = async (url) =>
  new Response(String(url).includes('/messages') ? messageBody : chatBody, {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })

const server = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    const body = request.url.includes('/messages') ? messageBody : chatBody
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    response.end(body)
  })
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${server.address().port}`

const messages = [{ role: 'user', content: 'hi' }]
const sdks = {
  'openai chat.completions.create': {
    stub: new OpenAI({ apiKey: 'k', baseURL: `${base}/v1`, maxRetries: 0, fetch: stubFetch }),
    http: new OpenAI({ apiKey: 'k', baseURL: `${base}/v1`, maxRetries: 0 }),
    callers: (client) => callers(client.chat.completions, (create) => () => create({ model: 'm', messages })),
  },
  'anthropic messages.create': {
    stub: new Anthropic({ apiKey: 'k', baseURL: base, maxRetries: 0, fetch: stubFetch }),
    http: new Anthropic({ apiKey: 'k', baseURL: base, maxRetries: 0 }),
    callers: (client) =>
      callers(client.messages, (create) => () => create({ model: 'c', max_tokens: 5, messages })),
  },
}

const GUARDED = Symbol.for('mima.guard.guarded') // where the guard keeps the original method

const percentile = (values, fraction) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]
}

// The four ways of calling, all with the guard on: the original (unpatched) method and the
// patched one, each outside and inside runAttested.
function callers(resource, invoke) {
  const patched = resource.create
  const original = patched[GUARDED]
  if (typeof original !== 'function') throw new Error('the guard did not patch this method')
  return {
    unpatched: invoke((params) => original.call(resource, params)),
    unpatchedAttested: invoke((params) => original.call(resource, params)),
    attested: invoke((params) => patched.call(resource, params)),
    unattested: invoke((params) => patched.call(resource, params)),
  }
}
const inContext = new Set(['unpatchedAttested', 'attested'])

// Microseconds per call of the synchronous part of create() over one batch.
async function syncBatch(call, size, attested) {
  const promises = new Array(size)
  const run = () => {
    const start = process.hrtime.bigint()
    for (let index = 0; index < size; index++) promises[index] = call()
    return Number(process.hrtime.bigint() - start) / 1000 / size
  }
  const perCall = attested ? runAttested({ toolName: 'bench' }, run) : run()
  await Promise.all(promises)
  return perCall
}

// CPU microseconds of this process (client and fake server) per awaited call over one batch:
// CPU time, not wall time, so time spent waiting for other processes on a busy host is left out.
async function httpBatch(call, size, attested) {
  const run = async () => {
    const start = process.cpuUsage()
    for (let index = 0; index < size; index++) await call()
    const used = process.cpuUsage(start)
    return (used.user + used.system) / size
  }
  return attested ? runAttested({ toolName: 'bench' }, run) : run()
}

async function measure(kind, rounds, size) {
  const results = {}
  for (const [name, sdk] of Object.entries(sdks)) {
    const ways = sdk.callers(sdk[kind])
    const batch = kind === 'stub' ? syncBatch : httpBatch
    const samples = Object.fromEntries(Object.keys(ways).map((way) => [way, []]))
    for (let round = -5; round < rounds; round++) {
      // interleaved in small batches, in a rotating order, so load from other processes and
      // position in the round hit every way alike
      const entries = Object.entries(ways)
      const offset = ((round % entries.length) + entries.length) % entries.length
      for (const [way, call] of [...entries.slice(offset), ...entries.slice(0, offset)]) {
        const perCall = await batch(call, size, inContext.has(way))
        if (round >= 0) samples[way].push(perCall)
      }
      if (round % 20 === 0) await flushGuardReports()
    }
    results[name] = Object.fromEntries(
      Object.entries(samples).map(([way, values]) => [
        way,
        { p50: percentile(values, 0.5), p10: percentile(values, 0.1) },
      ]),
    )
  }
  return results
}

// Targets for the wrapper cost (measurement 1), in µs added per call.
const TARGETS = { attested: 2, unattested: 20 }
const format = (value) => `${value.toFixed(2).padStart(8)} µs`
const verdict = (added, target) => (added <= target ? 'ok' : 'MISSED')
function print(title, results, showTargets, figureName) {
  console.log(`\n${title}`)
  for (const [name, result] of Object.entries(results)) {
    console.log(`  ${name}                        median       p10`)
    const row = (label, way) =>
      console.log(`    ${label.padEnd(34)} ${format(result[way].p50)} ${format(result[way].p10)}`)
    row('unpatched, outside runAttested', 'unpatched')
    row('unpatched, inside runAttested', 'unpatchedAttested')
    row('patched, attested', 'attested')
    row('patched, unattested (report mode)', 'unattested')
    const attested = result.attested.p50 - result.unpatchedAttested.p50
    const unattested = result.unattested.p50 - result.unpatched.p50
    const attestedP10 = result.attested.p10 - result.unpatchedAttested.p10
    const unattestedP10 = result.unattested.p10 - result.unpatched.p10
    const targets = (added, target) =>
      showTargets ? `   target ≤ ${target} µs: ${verdict(added, target)}` : ''
    console.log(
      `    → added by the guard, attested     ${format(attested)} ${format(attestedP10)}${targets(attested, TARGETS.attested)}`,
    )
    console.log(
      `    → added by the guard, unattested   ${format(unattested)} ${format(unattestedP10)}${targets(unattested, TARGETS.unattested)}`,
    )
    for (const [way, added, baseline, target] of [
      ['attested', attested, result.unpatchedAttested.p50, TARGETS.attested],
      ['unattested (report mode)', unattested, result.unpatched.p50, TARGETS.unattested],
    ]) {
      recordFigure({
        bench: 'guard',
        name: `${figureName}, ${name}, ${way}, added median`,
        value: added,
        unit: 'µs',
        baselineName: `unpatched${way === 'attested' ? ', inside runAttested' : ''}, median`,
        baseline,
        ...(showTargets ? { target: `≤ ${target} µs`, met: added <= target } : {}),
      })
    }
  }
}

enableGuard(guardOptions)
console.log('bench/guard — time the guard adds to each patched SDK call')
console.log(
  `  (host load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`,
)
const stub = await measure('stub', 1000, 10)
print(
  '1. wrapper cost: synchronous part of create() with a stub fetch (1000 rounds × 10 calls per way)',
  stub,
  true,
  'wrapper cost (stub fetch)',
)
const http = await measure('http', 60, 20)
print(
  '2. end to end: awaited calls to a local fake HTTP server, CPU time of this process per call (60 rounds × 20 calls per way)',
  http,
  false,
  'end to end (local HTTP, CPU time)',
)
console.log(
  '\n  Added = patched − unpatched medians; the attested baseline also runs inside runAttested, as an',
)
console.log('  AsyncLocalStorage context costs the same with or without the guard. End-to-end figures are')
console.log(
  '  dominated by the HTTP work and its run-to-run noise (±15 % on a busy host); the wrapper figures are the ones the targets apply to.',
)

await disableGuard()
server.close()
rmSync(directory, { recursive: true, force: true })

// 3. the network guard; 4. the per-call comparison with the peers' OpenAI instrumentations.
await (await import('./network.mjs')).benchNetworkGuard()
;(await import('./peers.mjs')).benchPeers()
