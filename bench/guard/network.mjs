// bench/guard, network guard: what the network-level guard adds to one request, measured on the
// synchronous part of `fetch(...)` and `http.request(...)` (everything the guard does happens
// before the request leaves). Each runtime function is replaced by a stub that returns at once,
// the guard wraps the stub, and the wrapped call is compared with the stub called directly, in
// interleaved rounds (medians). Baseline: the same stub, unwrapped, in the same run.
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAttested } from '@mima/core'
import { disableGuard, enableGuard, flushGuardReports } from '@mima/guard'
import { recordFigure } from '../report.mjs'

const NON_AI = 'https://api.example.com/v1/items'
const AI = 'https://api.openai.com/v1/chat/completions'
const init = { method: 'POST', body: '{}' }

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function perCall(call, size) {
  const start = process.hrtime.bigint()
  for (let index = 0; index < size; index++) call()
  return Number(process.hrtime.bigint() - start) / 1000 / size
}

async function compare(baseline, guarded, { size = 1000, rounds = 200, attested = false } = {}) {
  const samples = { baseline: [], guarded: [] }
  for (let round = -20; round < rounds; round++) {
    const order = round % 2 === 0 ? ['baseline', 'guarded'] : ['guarded', 'baseline']
    for (const way of order) {
      const call = way === 'baseline' ? baseline : guarded
      const value = attested
        ? runAttested({ toolName: 'bench' }, () => perCall(call, size))
        : perCall(call, size)
      if (round >= 0) samples[way].push(value)
    }
    if (round % 10 === 0) await flushGuardReports()
  }
  return { baseline: median(samples.baseline), guarded: median(samples.guarded) }
}

/** Runs the network-guard figures; prints them and records the headline ones. */
export async function benchNetworkGuard() {
  const directory = mkdtempSync(join(tmpdir(), 'mima-bench-network-'))
  const resolved = Promise.resolve()
  const stubFetch = () => resolved
  const stubRequest = () => undefined
  const originalFetch = globalThis.fetch
  const originalRequest = http.request
  globalThis.fetch = stubFetch
  http.request = stubRequest
  enableGuard({
    mode: 'report',
    logPath: join(directory, 'guard_log.jsonl'),
    socketPath: join(directory, 'none.sock'),
    sdks: [],
  })
  const guardedFetch = globalThis.fetch
  const guardedRequest = http.request
  if (guardedFetch === stubFetch || guardedRequest === stubRequest)
    throw new Error('the network guard is not on')
  const options = { hostname: 'api.example.com', method: 'POST', path: '/v1/items' }

  const fetchOther = await compare(
    () => stubFetch(NON_AI, init),
    () => guardedFetch(NON_AI, init),
  )
  const httpOther = await compare(
    () => stubRequest(options),
    () => guardedRequest(options),
  )
  const fetchReported = await compare(
    () => stubFetch(AI, init),
    () => guardedFetch(AI, init),
    { size: 50, rounds: 150 },
  )
  const fetchAttested = await compare(
    () => stubFetch(AI, init),
    () => guardedFetch(AI, init),
    { size: 200, rounds: 150, attested: true },
  )
  await disableGuard()
  globalThis.fetch = originalFetch
  http.request = originalRequest
  rmSync(directory, { recursive: true, force: true })

  const rows = [
    ['fetch to a non-AI host', fetchOther, '≤ 1 µs', 1],
    ['http.request to a non-AI host', httpOther, '≤ 1 µs', 1],
    ['fetch to an AI host, unattested (report mode)', fetchReported, undefined, undefined],
    ['fetch to an AI host, attested', fetchAttested, undefined, undefined],
  ]
  console.log('\n3. network guard: synchronous cost of one request, stubbed runtime function (medians)')
  console.log('                                                   baseline    guarded      added')
  for (const [name, result, target, limit] of rows) {
    const added = result.guarded - result.baseline
    const verdict = limit === undefined ? '' : `   target ${target}: ${added <= limit ? 'ok' : 'MISSED'}`
    console.log(
      `  ${name.padEnd(48)} ${result.baseline.toFixed(3).padStart(8)} µs ${result.guarded.toFixed(3).padStart(8)} µs ${added.toFixed(3).padStart(8)} µs${verdict}`,
    )
    recordFigure({
      bench: 'guard',
      name: `network guard, added per ${name}`,
      value: added,
      unit: 'µs',
      baselineName: 'the same stubbed call without the guard',
      baseline: result.baseline,
      ...(target === undefined ? {} : { target, met: added <= limit }),
    })
  }
  return { fetchOther, httpOther, fetchReported, fetchAttested }
}
