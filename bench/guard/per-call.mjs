// One subject of the per-call comparison (bench/guard/index.mjs runs each in its own process, on
// the pinned Node 22): what an instrumentation adds to an awaited `openai.chat.completions.create`
// against the same stub endpoint, with spans going to an in-memory exporter.
//   node per-call.mjs <mima-report|mima-report-every-site|mima-report-otel|mima-attested|otel|traceloop|arize>
// Prints {"unpatched": µs, "instrumented": µs} — CPU time of the main thread per awaited call
// (`process.threadCpuUsage`: a busy host's other processes and GC helper threads left out), medians over
// interleaved rounds; `unpatched` calls the original method the instrumentation wrapped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'

const subject = process.argv[2]
const require = createRequire(import.meta.url)
const requireFromGuard = createRequire(new URL('../../packages/guard/package.json', import.meta.url))
const exporter = new InMemorySpanExporter()
const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base')
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
// The guard's report mode records to its own in-process queue (JSONL) unless a tracer provider is
// registered: `mima-report` measures that default, `mima-report-otel` the span path.
const withSpans = !['mima-report', 'mima-report-every-site', 'mima-attested'].includes(subject)
if (withSpans) trace.setGlobalTracerProvider(provider)

// Peers patch the module when it loads (require hook) or when handed it (manuallyInstrument).
let instrumentation
if (subject === 'otel') {
  const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai')
  instrumentation = new OpenAIInstrumentation()
}
const openaiModule = requireFromGuard('openai')
if (subject === 'traceloop') {
  const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai')
  instrumentation = new OpenAIInstrumentation()
  // Traceloop expects the client class (it reads `Chat.Completions` off it)
  instrumentation.manuallyInstrument(openaiModule.OpenAI)
} else if (subject === 'arize') {
  const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai')
  instrumentation = new OpenAIInstrumentation()
  instrumentation.manuallyInstrument(openaiModule)
}
instrumentation?.setTracerProvider(provider)

const { runAttested } = await import('@mima/core')
const directory = mkdtempSync(join(tmpdir(), 'mima-bench-per-call-'))
let guard
if (subject.startsWith('mima-')) {
  guard = await import('@mima/guard')
  guard.enableGuard({
    mode: 'report',
    logPath: join(directory, 'guard_log.jsonl'),
    socketPath: join(directory, 'none.sock'),
    formats: ['commonjs'],
    // the default resolves up to 1,000 call sites per second and counts the rest (decision 0042);
    // `mima-report-every-site` resolves every call's site, as report mode did before
    ...(subject === 'mima-report-every-site' ? { callSitesPerSecond: Number.POSITIVE_INFINITY } : {}),
    sdks: [{ provider: 'openai', specifier: requireFromGuard.resolve('openai') }],
  })
}

const chatBody = JSON.stringify({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
})
const stubFetch = async () =>
  new Response(chatBody, { status: 200, headers: { 'content-type': 'application/json' } })
const OpenAI = openaiModule.OpenAI ?? openaiModule.default ?? openaiModule
const client = new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: stubFetch })
const resource = client.chat.completions
const patched = resource.create
const original = patched.__original ?? patched[Symbol.for('mima.guard.guarded')]
if (typeof original !== 'function')
  throw new Error(`${subject}: openai chat.completions.create was not patched`)
const params = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }
const ways = {
  unpatched: () => original.call(resource, params),
  instrumented: () => patched.call(resource, params),
}
const attested = subject === 'mima-attested'
const flush = async () => {
  await guard?.flushGuardReports()
}

async function batch(call, size) {
  const run = async () => {
    const start = process.threadCpuUsage()
    for (let index = 0; index < size; index++) await call()
    // The guard formats and writes its queued reports off the caller's path: that work is counted
    // too, inside the batch (for the peers, and unpatched calls, this is an empty await).
    await flush()
    // Every batch ends with one turn of the event loop, whatever the way: work the SDK and the
    // runtime defer to it (timers, finalizers, V8's GC tasks, ~2–3 µs per call here) is then counted
    // in the batch that caused it, not in the next batch that happens to wait for I/O (the guard's
    // log write did, so it was charged the unpatched calls' deferred work too).
    await new Promise((resolve) => setTimeout(resolve, 1))
    const used = process.threadCpuUsage(start)
    return (used.user + used.system) / size
  }
  return attested ? runAttested({ toolName: 'bench' }, run) : run()
}

const samples = { unpatched: [], instrumented: [] }
// Batches of 500 calls (about what the guard's reporter gathers into one write at this rate).
for (let round = -4; round < 40; round++) {
  const order = round % 2 === 0 ? ['unpatched', 'instrumented'] : ['instrumented', 'unpatched']
  for (const way of order) {
    const perCall = await batch(ways[way], 500)
    if (round >= 0) samples[way].push(perCall)
  }
  exporter.reset()
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
await patched.call(resource, params)
if (subject === 'mima-report' || subject === 'mima-report-every-site') {
  // every unattested call is in the log, whether its line is its own or counts several
  await guard.flushGuardReports()
  const lines = readFileSync(join(directory, 'guard_log.jsonl'), 'utf8').trim().split('\n')
  const logged = lines.reduce((sum, line) => sum + (JSON.parse(line).calls ?? 1), 0)
  const judged = guard.guardStatus().counts.unattested
  if (logged !== judged) throw new Error(`${subject}: ${judged} unattested calls, ${logged} in the log`)
}
const spans = exporter.getFinishedSpans().length
if (withSpans && spans === 0) throw new Error(`${subject}: no span reached the exporter`)
console.log(
  JSON.stringify({ unpatched: median(samples.unpatched), instrumented: median(samples.instrumented), spans }),
)
await guard?.disableGuard()
rmSync(directory, { recursive: true, force: true })
