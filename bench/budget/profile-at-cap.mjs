// Profiles the at-cap budget check (one-call leases from the server, then a refusal) in one process:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/budget/profile-at-cap.mjs
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBudgetClient, createRuntimeConnection } from '@mima/policy'
import { silentLogger, startServer } from '@mima/server'

const dataDir = mkdtempSync(join(tmpdir(), 'mima-profile-budget-'))
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
// Budgets with room for three and a half calls: each check is a one-call lease from the server
// (carrying the previous call's settlement), then a refusal the client keeps.
const calls = Number(process.env.CALLS || 400)
const agents = Math.ceil(calls / 3)
const unit = 0.0001
for (let index = 0; index < agents; index++)
  await fetch(`${server.url}/api/workspaces/${workspaceId}/budgets`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      scope: 'agent',
      scope_value: `cap-${index}`,
      period: 'day',
      limit_usd: 3.5 * unit,
    }),
  })
const connection = createRuntimeConnection({ baseUrl: server.url, apiKey: adminKey, workspaceId })
let granted = 0
const started = performance.now()
const cpuBefore = process.cpuUsage()
for (let index = 0; index < agents; index++) {
  const budgets = createBudgetClient({
    connection,
    scope: { systemName: 'bench', agentName: `cap-${index}` },
    onError: () => {},
  })
  for (let call = 0; call < 4; call++) {
    try {
      const ticket = await budgets.checkOrRaise({
        model: 'gpt-4o-mini',
        projectedUsd: unit,
        projectedTokens: 600,
      })
      budgets.trackUsage(ticket, { model: 'gpt-4o-mini', costUsd: unit, tokens: 600 })
      granted += 1
    } catch (error) {
      if (error.code !== 'budget_exceeded') throw error
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  await budgets.close()
}
// CPU time of this process (client, server and PGlite in one): less swayed by the machine's load
// than the elapsed time.
const cpu = process.cpuUsage(cpuBefore)
console.log(
  `${granted} at-cap checks granted, ${agents} refused: ${(((performance.now() - started) * 1000) / (granted + agents)).toFixed(0)} µs each (mean), CPU ${((cpu.user + cpu.system) / (granted + agents)).toFixed(0)} µs each`,
)
await server.close()
rmSync(dataDir, { recursive: true, force: true })
