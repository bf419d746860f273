// bench/integrations: what each framework integration adds to one model call.
//
// For each framework, three variants run interleaved round by round, the order rotated each round;
// the overhead is the median over rounds of the per-round difference (+mima minus +no-op):
//   bare      the framework's own call,
//   +no-op    the framework's own hook machinery with a hook that does nothing (a middleware with no
//             functions for the AI SDK, a handler with empty methods for LangChain): the in-run
//             baseline, since attaching any hook costs this much,
//   +mima     the same call with the Mima integration attached.
// Two transports: a local fake OpenAI server over HTTP (127.0.0.1, keep-alive) as the issue asks,
// and a stub `fetch` that answers at once, where the integration's cost is not hidden in HTTP noise.
// The figure is CPU time of the process per call (client and server share it), which a busy host
// disturbs far less than wall time. Records go to a Mima client without a signing key (the target
// does not count signing) whose transport is a stub; after each round the client is flushed and the
// flush's CPU time per record is reported as "deferred" (hashing at drain, off the call path).
// Then the integration's own hook alone (the middleware's wrapGenerate around an instant doGenerate;
// the handler's handleChatModelStart + handleLLMEnd with a real message and LLM result), many
// thousand times, against the same work without the hook: the precise per-call cost on the path.
// Imports the built packages: `pnpm --filter @mima/integrations-ai-sdk... --filter @mima/integrations-langchain... build`.
import { createServer } from 'node:http'
import { createOpenAI } from '@ai-sdk/openai'
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises'
import { AIMessage, HumanMessage } from '@langchain/core/messages'
import { ChatOpenAI } from '@langchain/openai'
import { createMima } from '@mima/core'
import { createMimaAiSdk } from '@mima/integrations-ai-sdk'
import { createMimaCallbackHandler } from '@mima/integrations-langchain'
import { generateText, wrapLanguageModel } from 'ai'
import { recordFigure } from '../report.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const CALLS = Number(process.env.BENCH_CALLS ?? 100)
const TARGET_US = 30

const chatBody = JSON.stringify({
  id: 'chatcmpl_bench',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-bench',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
})
const server = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(chatBody),
    })
    response.end(chatBody)
  })
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const fakeBaseUrl = `http://127.0.0.1:${server.address().port}/v1`
const stubFetch = async () =>
  new Response(chatBody, { status: 200, headers: { 'content-type': 'application/json' } })

// A Mima client whose server answers every batch at once; no signing key.
const mimaFetch = async (_url, init) => {
  const body = init?.body ? JSON.parse(init.body) : {}
  const results = (body.records ?? []).map((_, index) => ({ index, status: 'accepted' }))
  return new Response(JSON.stringify({ accepted: results.length, duplicates: 0, rejected: 0, results }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })
}
const mima = createMima({
  apiKey: 'mima_bench',
  systemName: 'bench',
  baseUrl: 'http://mima.bench',
  workspaceId: 'ws-bench',
  fetch: mimaFetch,
  onError: 'silent',
  flushOnExit: false,
  configFile: false,
  env: {},
  batchMaxSize: 1_000_000,
  batchFlushInterval: 1e9,
  outbox: { directory: false, maxMemoryRecords: 1_000_000 },
})

function cpuMicros() {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(q * (sorted.length - 1))]
}

/**
 * Runs the variants interleaved, the order rotated every round (a variant that always runs right
 * after another inherits its garbage and warm caches); returns the median CPU µs per call of each,
 * the per-round differences of each variant from the first, and the deferred µs per record.
 */
async function measure(variants, settle) {
  const perCall = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
  const deferred = []
  const entries = Object.entries(variants)
  for (let round = -2; round < ROUNDS; round++) {
    const shift = ((round % entries.length) + entries.length) % entries.length
    for (const [name, call] of [...entries.slice(shift), ...entries.slice(0, shift)]) {
      const before = mima.pending
      const start = cpuMicros()
      for (let index = 0; index < CALLS; index++) await call(index)
      await settle()
      const spent = (cpuMicros() - start) / CALLS
      const records = mima.pending - before
      const flushStart = cpuMicros()
      await mima.flush()
      if (round >= 0) {
        perCall[name].push(spent)
        if (records > 0) deferred.push((cpuMicros() - flushStart) / records)
      }
    }
  }
  return {
    perCall: Object.fromEntries(Object.entries(perCall).map(([name, values]) => [name, median(values)])),
    rounds: perCall,
    deferred: median(deferred),
  }
}

function report(framework, transport, result, baselineName, mimaName) {
  const baseline = result.perCall[baselineName]
  // The median of the per-round differences (both variants ran in the same round, a few ms apart):
  // machine load that drifts between rounds cancels out of it.
  const differences = result.rounds[mimaName].map(
    (value, round) => value - result.rounds[baselineName][round],
  )
  const overhead = median(differences)
  const withMima = baseline + overhead
  const lines = Object.entries(result.perCall).map(
    ([name, value]) => `    ${name.padEnd(16)} ${value.toFixed(1)} µs/call`,
  )
  console.log(`  ${framework}, ${transport} (CPU per call, median of ${ROUNDS} rounds × ${CALLS} calls):`)
  console.log(lines.join('\n'))
  console.log(
    `    overhead of Mima vs ${baselineName}: ${overhead.toFixed(1)} µs/call on the call path, median of the per-round differences (quartiles ${quantile(differences, 0.25).toFixed(1)} .. ${quantile(differences, 0.75).toFixed(1)}; target ≤ ${TARGET_US} µs) — ${overhead <= TARGET_US ? 'met' : 'MISSED'}`,
  )
  console.log(
    `    deferred, at flush (hash, batch, send; no signing): ${result.deferred.toFixed(1)} µs/record`,
  )
  recordFigure({
    bench: 'integrations',
    name: `${framework} overhead per model call (${transport}, CPU, no signing)`,
    value: withMima,
    unit: 'µs',
    baselineName: `${baselineName} call`,
    baseline,
    target: `≤ baseline + ${TARGET_US} µs`,
    met: overhead <= TARGET_US,
  })
}

// ---- Vercel AI SDK ------------------------------------------------------------------------
const mimaAi = createMimaAiSdk({ mima })
for (const [transport, options] of [
  ['stub fetch', { fetch: stubFetch }],
  ['fake server', {}],
]) {
  const openai = createOpenAI({ apiKey: 'k', baseURL: fakeBaseUrl, ...options })
  const bare = openai.chat('gpt-bench')
  const wrapped = wrapLanguageModel({ model: openai.chat('gpt-bench'), middleware: mimaAi.middleware })
  // wrapLanguageModel's own cost, with a middleware that does nothing.
  const noopWrapped = wrapLanguageModel({
    model: openai.chat('gpt-bench'),
    middleware: { specificationVersion: 'v3' },
  })
  const prompt = (index) => `Say hello to user ${index}`
  const result = await measure(
    {
      bare: (index) => generateText({ model: bare, prompt: prompt(index), maxRetries: 0 }),
      '+no-op middleware': (index) =>
        generateText({ model: noopWrapped, prompt: prompt(index), maxRetries: 0 }),
      '+mima': (index) => generateText({ model: wrapped, prompt: prompt(index), maxRetries: 0 }),
    },
    async () => {},
  )
  report('AI SDK generateText', transport, result, '+no-op middleware', '+mima')
  console.log(
    `    (wrapLanguageModel's own cost, no-op middleware vs bare: ${(result.perCall['+no-op middleware'] - result.perCall.bare).toFixed(1)} µs/call)`,
  )
}

// ---- LangChain ---------------------------------------------------------------------------
const handler = createMimaCallbackHandler({ mima })
const noop = {
  name: 'noop',
  awaitHandlers: false,
  copy() {
    return this
  },
  handleChatModelStart() {},
  handleLLMEnd() {},
}
for (const [transport, configuration] of [
  ['stub fetch', { baseURL: fakeBaseUrl, fetch: stubFetch }],
  ['fake server', { baseURL: fakeBaseUrl }],
]) {
  const model = new ChatOpenAI({ model: 'gpt-bench', apiKey: 'k', maxRetries: 0, configuration })
  const prompt = (index) => `Say hello to user ${index}`
  const result = await measure(
    {
      bare: (index) => model.invoke(prompt(index)),
      '+no-op handler': (index) => model.invoke(prompt(index), { callbacks: [noop] }),
      '+mima': (index) => model.invoke(prompt(index), { callbacks: [handler] }),
    },
    () => awaitAllCallbacks(),
  )
  report('LangChain ChatOpenAI.invoke', transport, result, '+no-op handler', '+mima')
  console.log(
    `    (LangChain's own callback machinery, no-op handler vs bare: ${(result.perCall['+no-op handler'] - result.perCall.bare).toFixed(1)} µs/call)`,
  )
}

// ---- the hooks alone ----------------------------------------------------------------------
const HOOK_CALLS = Number(process.env.BENCH_HOOK_CALLS ?? 20_000)
const HOOK_ROUNDS = Number(process.env.BENCH_HOOK_ROUNDS ?? 11)

/** Median CPU µs per call of each variant, interleaved over rounds; flushes (untimed) between rounds. */
async function measureHooks(variants) {
  const perCall = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
  for (let round = -2; round < HOOK_ROUNDS; round++) {
    for (const [name, call] of Object.entries(variants)) {
      // Timed in chunks of 500 calls with an untimed flush between them: records do not pile up
      // (as with the default batchMaxSize) and the deferred hashing stays out of the figure.
      let spent = 0
      for (let done = 0; done < HOOK_CALLS; done += 500) {
        const start = cpuMicros()
        for (let index = done; index < done + 500; index++) await call(index)
        spent += cpuMicros() - start
        await mima.flush()
      }
      if (round >= 0) perCall[name].push(spent / HOOK_CALLS)
    }
  }
  return Object.fromEntries(Object.entries(perCall).map(([name, values]) => [name, median(values)]))
}

function reportHook(framework, perCall) {
  const overhead = perCall['+mima'] - perCall.bare
  console.log(
    `  ${framework}: ${overhead.toFixed(2)} µs/call added on the call path (bare ${perCall.bare.toFixed(2)} µs, with the hook ${perCall['+mima'].toFixed(2)} µs; CPU, median of ${HOOK_ROUNDS} rounds × ${HOOK_CALLS}) — target ≤ ${TARGET_US} µs ${overhead <= TARGET_US ? 'met' : 'MISSED'}`,
  )
  recordFigure({
    bench: 'integrations',
    name: `${framework}: hook cost per call on the call path (no signing)`,
    value: perCall['+mima'],
    unit: 'µs',
    baselineName: 'same call without the hook',
    baseline: perCall.bare,
    target: `≤ baseline + ${TARGET_US} µs`,
    met: overhead <= TARGET_US,
  })
}

console.log('  The hooks alone:')
{
  const generateResult = {
    content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 9, text: 9, reasoning: 0 },
    },
    response: { modelId: 'gpt-bench' },
    warnings: [],
  }
  const doGenerate = () => Promise.resolve(generateResult)
  const model = { modelId: 'gpt-bench', provider: 'openai.chat' }
  const params = (index) => ({
    prompt: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: [{ type: 'text', text: `Say hello to user ${index}` }] },
    ],
  })
  reportHook(
    'AI SDK middleware (wrapGenerate)',
    await measureHooks({
      bare: (index) => {
        params(index) // the framework builds the call options either way
        return doGenerate()
      },
      '+mima': (index) => mimaAi.middleware.wrapGenerate({ doGenerate, params: params(index), model }),
    }),
  )
}
{
  const serialized = { lc: 1, type: 'constructor', id: ['langchain', 'chat_models', 'openai', 'ChatOpenAI'] }
  const extraParams = { invocation_params: { model: 'gpt-bench', temperature: 1 } }
  const metadata = { ls_provider: 'openai', ls_model_name: 'gpt-bench', ls_model_type: 'chat' }
  const llmResult = {
    generations: [
      [{ text: 'Hello!', message: new AIMessage('Hello!'), generationInfo: { finish_reason: 'stop' } }],
    ],
    llmOutput: { tokenUsage: { promptTokens: 12, completionTokens: 9, totalTokens: 21 } },
  }
  reportHook(
    'LangChain handler (handleChatModelStart + handleLLMEnd)',
    await measureHooks({
      // LangChain makes the run id and the message list whether or not a handler listens.
      bare: (index) => [crypto.randomUUID(), [[new HumanMessage(`Say hello to user ${index}`)]]],
      '+mima': (index) => {
        const runId = crypto.randomUUID()
        handler.handleChatModelStart(
          serialized,
          [[new HumanMessage(`Say hello to user ${index}`)]],
          runId,
          undefined,
          extraParams,
          [],
          metadata,
          'ChatOpenAI',
        )
        handler.handleLLMEnd(llmResult, runId)
      },
    }),
  )
}

await mima.close()
server.closeAllConnections()
server.close()
