// Decision-to-unblock latency of @mima/approvals: how long after an approver decides does the
// waiting agent resume? Long-polling (the default) against the same measurement with 2-second
// polling (what the Python SDK's first interval does), in the same run, on one in-process server
// (PGlite, in memory). Target: p50 ≤ 50 ms with long-polling.
import { randomBytes } from 'node:crypto'
import { createApprovals } from '@mima/approvals'
import { createPgliteDatabase, silentLogger, startServer } from '@mima/server'
import { recordFigure } from '../report.mjs'

const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 200)
const TARGET_P50_MS = 50

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function createKey(server, adminKey, workspaceId, role, name) {
  const response = await fetch(`${server.url}/api/workspaces/${workspaceId}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, role }),
  })
  if (response.status !== 201)
    throw new Error(`creating a key failed: ${response.status} ${await response.text()}`)
  return (await response.json()).key
}

/**
 * Starts `count` waiting agents, waits until every request is pending, then decides them one by
 * one; each latency runs from the start of the decide call to the agent's promise resolving.
 */
async function measure(label, agent, approver, count) {
  const actionType = `bench_${label}_${randomBytes(4).toString('hex')}`
  const resolvedAt = new Map()
  const waits = []
  for (let index = 0; index < count; index++) {
    waits.push(
      agent.requireApproval({ actionType, context: { index }, timeoutSeconds: 600 }).then((token) => {
        resolvedAt.set(token.approvalId, performance.now())
      }),
    )
  }
  let pending = []
  while (pending.length < count) {
    pending = (await approver.list({ status: 'pending', limit: 500 })).filter(
      (approval) => approval.actionType === actionType,
    )
    if (pending.length < count) await sleep(20)
  }
  await sleep(200) // every agent is now waiting on its status request
  const decidedAt = new Map()
  const decideCalls = []
  for (const approval of pending) {
    const started = performance.now()
    decidedAt.set(approval.id, started)
    await approver.decide(approval.id, 'approve')
    decideCalls.push(performance.now() - started)
    await sleep(Math.random() * 10)
  }
  await Promise.all(waits)
  const latencies = pending
    .map((approval) => resolvedAt.get(approval.id) - decidedAt.get(approval.id))
    .sort((a, b) => a - b)
  decideCalls.sort((a, b) => a - b)
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1),
    decideP50: percentile(decideCalls, 0.5),
    count,
  }
}

const adminKey = `mima_bench_${randomBytes(16).toString('hex')}`
const server = await startServer({
  database: await createPgliteDatabase(),
  port: 0,
  logger: silentLogger,
  bootstrapApiKey: adminKey,
  onBootstrap: () => {},
})
try {
  const workspaceId = server.bootstrap.workspaceId
  const agentKey = await createKey(server, adminKey, workspaceId, 'ingest', 'bench-agent')
  const approverKey = await createKey(server, adminKey, workspaceId, 'approver', 'bench-approver')
  const connection = (apiKey) => ({ baseUrl: server.url, apiKey, workspaceId })
  const approver = createApprovals(connection(approverKey))
  const longPolling = createApprovals(connection(agentKey))
  const polling = createApprovals(connection(agentKey), { longPoll: false, pollIntervals: [2] })

  await measure('warmup', longPolling, approver, 10)
  const fast = await measure('longpoll', longPolling, approver, APPROVALS)
  const slow = await measure('polling', polling, approver, APPROVALS)
  const format = (ms) => `${ms.toFixed(1).padStart(8)} ms`
  console.log(
    `decision-to-unblock latency, ${APPROVALS} approvals each (decide call start → requireApproval resolves)`,
  )
  console.log(
    `  long-polling (default)   p50 ${format(fast.p50)}   p99 ${format(fast.p99)}   max ${format(fast.max)}`,
  )
  console.log(
    `  2-second polling (base)  p50 ${format(slow.p50)}   p99 ${format(slow.p99)}   max ${format(slow.max)}`,
  )
  console.log(`  p50 speed-up vs polling  ${(slow.p50 / fast.p50).toFixed(0)}×`)
  console.log(
    `  (the decide call itself — auth, transaction, ledger leaf, commit — takes p50 ${format(fast.decideP50).trim()} of that)`,
  )
  console.log(`  target p50 ≤ ${TARGET_P50_MS} ms: ${fast.p50 <= TARGET_P50_MS ? 'met' : 'NOT met'}`)
  const baselineName = '2-second polling, same run'
  recordFigure({
    bench: 'approvals',
    name: `decision → unblock p50, long-polling, ${APPROVALS} approvals`,
    value: fast.p50,
    unit: 'ms',
    baselineName,
    baseline: slow.p50,
    target: `≤ ${TARGET_P50_MS} ms`,
    met: fast.p50 <= TARGET_P50_MS,
  })
  recordFigure({
    bench: 'approvals',
    name: `decision → unblock p99, long-polling, ${APPROVALS} approvals`,
    value: fast.p99,
    unit: 'ms',
    baselineName,
    baseline: slow.p99,
  })
} finally {
  await server.close()
}
