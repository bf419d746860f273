// bench/core: the cost attest() adds to a call, and memory while the server is down.
// Run `pnpm --filter @mima/core build` first; `node --expose-gc bench/run.mjs core` (or this file).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { canonicalJson, createMima, generateSigningKey, sha256Hex, signAttestation } from '@mima/core'
import { recordFigure } from '../report.mjs'

const gc = globalThis.gc ?? (() => {})
const TARGETS = { unsignedP50: 10, signedP50: 60, heapMb: 64 } // µs added, µs added, MB
const now = () => performance.now()

// 1 KB input and output: a chat-like request and response.
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20).slice(0, 880)
const input = {
  model: 'gpt-4o',
  temperature: 0.2,
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: text },
  ],
}
const output = {
  id: 'chatcmpl-1',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 210, completion_tokens: 200 },
}
const work = (request) => (request.messages.length > 0 ? output : null)

async function closedPort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Per-call time in µs, measured in blocks of `block` calls (timer resolution), `samples` blocks. */
function measure(fn, { samples = 2000, block = 10 } = {}) {
  for (let index = 0; index < 2000; index++) fn() // warm up
  const times = new Float64Array(samples)
  for (let sample = 0; sample < samples; sample++) {
    const start = now()
    for (let index = 0; index < block; index++) fn()
    times[sample] = ((now() - start) * 1000) / block
  }
  times.sort()
  return { p50: percentile(times, 50), p99: percentile(times, 99) }
}

const port = await closedPort()
const directory = mkdtempSync(join(tmpdir(), 'mima-bench-'))
const common = {
  apiKey: 'bench',
  baseUrl: `http://127.0.0.1:${port}`,
  workspaceId: 'ws-bench',
  onError: 'silent',
  env: {},
  configFile: false,
  flushOnExit: false,
  batchFlushInterval: 3_600_000,
  batchMaxSize: 100,
  retry: { limit: 0 },
}

const baseline = measure(() => work(input))
// Reference only: the native serialisation of the same input and output, the floor any hashing pays.
const serialise = measure(() => JSON.stringify([input]).length + JSON.stringify(work(input)).length)
// Latency runs keep everything in memory (no spill writes during the measurement).
const latencyOutbox = { directory, maxMemoryRecords: 100_000 }
const unsignedClient = createMima({ ...common, systemName: 'bench-unsigned', outbox: latencyOutbox })
const unsigned = unsignedClient.attest({ toolName: 'chat', mode: 'batch' }, work)
const unsignedTimes = measure(() => unsigned(input))
const signedClient = createMima({
  ...common,
  systemName: 'bench-signed',
  signingKey: generateSigningKey(),
  outbox: latencyOutbox,
})
const signed = signedClient.attest({ toolName: 'chat', mode: 'batch' }, work)
const signedTimes = measure(() => signed(input), { samples: 1000 })

// Batch mode keeps only the canonical snapshot on the call path; hashing and signing happen when
// the batch is sent (or spilled). Measure that deferred work too, so nothing is hidden.
const seed = generateSigningKey()
const sample = {
  agent_name: 'bench',
  executed_at: new Date().toISOString(),
  idempotency_key: '019a0000-0000-7000-8000-000000000000',
  input_hash: 'a'.repeat(64),
  output_hash: 'b'.repeat(64),
  schema_version: 2,
  system_name: 'bench',
  tool_name: 'chat',
  duration_ms: 0.5,
}
const inputText = canonicalJson([input])
const outputText = canonicalJson(work(input))
const deferredUnsigned = measure(() => sha256Hex(inputText).length + sha256Hex(outputText).length, {
  samples: 1000,
})
const deferredSigned = measure(
  () =>
    sha256Hex(inputText).length +
    sha256Hex(outputText).length +
    signAttestation(sample, seed).witness_sig.length,
  { samples: 1000 },
)

const fmt = (value) => value.toFixed(2).padStart(8)
console.log(
  `attest() in batch mode, 1 KB input and output (µs per call; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
)
console.log(`  plain function call (baseline)      p50 ${fmt(baseline.p50)}  p99 ${fmt(baseline.p99)}`)
console.log(`  (reference: JSON.stringify in + out  p50 ${fmt(serialise.p50)}  p99 ${fmt(serialise.p99)})`)
console.log(
  `  attest unsigned, added over baseline p50 ${fmt(unsignedTimes.p50 - baseline.p50)}  p99 ${fmt(unsignedTimes.p99 - baseline.p99)}   target p50 ≤ ${TARGETS.unsignedP50}`,
)
console.log(
  `  attest signed,   added over baseline p50 ${fmt(signedTimes.p50 - baseline.p50)}  p99 ${fmt(signedTimes.p99 - baseline.p99)}   target p50 ≤ ${TARGETS.signedP50}`,
)
console.log(`  deferred to send time, unsigned   p50 ${fmt(deferredUnsigned.p50)}  (SHA-256 of the 2 KB)`)
console.log(
  `  deferred to send time, signed     p50 ${fmt(deferredSigned.p50)}  (SHA-256 + Ed25519 over the record)`,
)
for (const [label, times, target] of [
  ['unsigned', unsignedTimes, TARGETS.unsignedP50],
  ['signed', signedTimes, TARGETS.signedP50],
]) {
  const added = times.p50 - baseline.p50
  recordFigure({
    bench: 'core',
    name: `attest() ${label}, added over baseline p50, batch mode, 1 KB in/out`,
    value: added,
    unit: 'µs',
    baselineName: 'plain function call p50',
    baseline: baseline.p50,
    target: `≤ ${target} µs`,
    met: added <= target,
  })
}
for (const [label, times] of [
  ['unsigned (SHA-256 of the 2 KB)', deferredUnsigned],
  ['signed (SHA-256 + Ed25519)', deferredSigned],
]) {
  recordFigure({
    bench: 'core',
    name: `deferred to send time p50, ${label}`,
    value: times.p50,
    unit: 'µs',
    baselineName: 'plain function call p50',
    baseline: baseline.p50,
  })
}
await unsignedClient.close().catch(() => {})
await signedClient.close().catch(() => {})

// 1,000,000 attestations with the server down: memory stays bounded, nothing is lost.
const TOTAL = 1_000_000
const lossDirectory = mkdtempSync(join(tmpdir(), 'mima-bench-outbox-'))
const down = createMima({
  ...common,
  systemName: 'bench-down',
  outbox: { directory: lossDirectory, maxMemoryRecords: 10_000 },
})
const attested = down.attest({ toolName: 'chat', mode: 'batch' }, work)
await new Promise((resolve) => setTimeout(resolve, 50))
gc()
gc()
const heapBefore = process.memoryUsage().heapUsed
const started = now()
const cpuBefore = process.cpuUsage()
for (let index = 0; index < TOTAL; index++) {
  attested(input)
  if (index % 10_000 === 9_999) await new Promise((resolve) => setImmediate(resolve)) // let delivery attempts run
}
const seconds = (now() - started) / 1000
const cpu = process.cpuUsage(cpuBefore)
const cpuMicros = (cpu.user + cpu.system) / TOTAL
await new Promise((resolve) => setTimeout(resolve, 50))
gc()
gc()
const heapAfter = process.memoryUsage().heapUsed
const pending = down.pending // memory + spill file, as the client counts them; the file is counted independently below
await down.close() // flush fails (server down): everything is written to the spill file
const spillFile = join(lossDirectory, 'bench-down.jsonl')
const fileBytes = statSync(spillFile).size
let lines = 0
{
  const content = readFileSync(spillFile)
  for (let index = 0; index < content.length; index++) if (content[index] === 0x0a) lines++
}
const growthMb = (heapAfter - heapBefore) / 1024 / 1024
console.log(
  `\n${TOTAL.toLocaleString('en')} attestations with the server down (${seconds.toFixed(1)} s wall; ${cpuMicros.toFixed(2)} µs CPU each, all work included: hashing, spill writes, GC)`,
)
console.log(`  heap growth                         ${growthMb.toFixed(1)} MB   target ≤ ${TARGETS.heapMb} MB`)
console.log(
  `  client.pending before close         ${pending.toLocaleString('en')} (${pending === TOTAL ? 'all' : 'NOT all'})`,
)
console.log(
  `  records in the spill file after close ${lines.toLocaleString('en')} (${(fileBytes / 1024 / 1024).toFixed(0)} MB) — ${lines >= TOTAL ? 'nothing lost' : `${TOTAL - lines} LOST`}`,
)
recordFigure({
  bench: 'core',
  name: `heap growth over ${TOTAL.toLocaleString('en')} attestations, server down`,
  value: growthMb,
  unit: 'MB',
  baselineName: 'heap used before the run',
  baseline: heapBefore / 1024 / 1024,
  target: `≤ ${TARGETS.heapMb} MB`,
  met: growthMb <= TARGETS.heapMb,
})
recordFigure({
  bench: 'core',
  name: `records lost of ${TOTAL.toLocaleString('en')} attestations, server down (spill file after close)`,
  value: Math.max(0, TOTAL - lines),
  unit: 'records',
  target: '0',
  met: lines >= TOTAL,
})
rmSync(directory, { recursive: true, force: true })
rmSync(lossDirectory, { recursive: true, force: true })
process.exit(0)
