// bench/budget, part 1: budget check + usage tracking against one server, next to the round trip
// of an empty Hono route measured in the same run (see index.mjs for the cases). Run once per
// database backend (PGlite, PostgreSQL), each with its own baseline.
import { createBudgetClient, createRuntimeConnection, createRuntimeControls } from '@mima/policy'
import { recordFigure } from '../report.mjs'
import { putCapBudgets } from './bench-server.mjs'

export const percentile = (values, p) => {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}
export const fmt = (value) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)
const percentiles = (times) => [percentile(times, 50), percentile(times, 99)]

/**
 * @param {object} target
 * @param {{ url: string }} target.server   a running Mima server
 * @param {string} target.adminKey
 * @param {string} target.workspaceId
 * @param {(method: string, path: string, body?: unknown) => Promise<unknown>} target.api
 *                                          a workspace API call as the admin (bench-server.mjs)
 * @param {string} target.emptyUrl          the empty route (same process, same client)
 * @param {string} target.backend           `PGlite` or `PostgreSQL`, printed
 * @param {string} target.figureSuffix      appended to the recorded figures' names
 */
export async function measureCheckAndTrack({
  server,
  adminKey,
  workspaceId,
  api,
  emptyUrl,
  backend,
  figureSuffix,
}) {
  const emptyRoundTrip = async () => {
    const started = performance.now()
    const response = await fetch(emptyUrl)
    await response.arrayBuffer()
    return (performance.now() - started) * 1000
  }
  const emptyRoundTrips = async (count) => {
    const times = []
    for (let index = 0; index < count; index++) times.push(await emptyRoundTrip())
    return times
  }
  const checkAndTrack = async (controls, count, projectedUsd) => {
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
  const report = (label, times, [baseP50, baseP99], baselineLabel) => {
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
        name: `${label}${figureSuffix} ${which}`,
        value,
        unit: 'µs',
        baselineName: `${baselineLabel}${figureSuffix} ${which}`,
        baseline: base,
        target: '≤ 2× baseline',
        met: value <= 2 * base,
      })
    }
  }
  console.log(`-- ${backend}`)

  const ROUNDS = Number(process.env.MIMA_BENCH_BUDGET_CALLS || 2000)
  await api('PUT', 'budgets', { scope: 'agent', scope_value: 'far', period: 'day', limit_usd: 1_000_000 })
  const far = createRuntimeControls({
    baseUrl: server.url,
    apiKey: adminKey,
    workspaceId,
    systemName: 'bench',
    agentName: 'far',
    presence: false,
    loops: false,
    onError: () => {},
    budgets: { leaseCalls: 200 },
  })
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
  await putCapBudgets(api, CAPPED + 5, UNIT)
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
  await far.close()
}
