// Profiles the at-cap budget check (every check a one-call lease from the server) in one process:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/budget/profile-at-cap.mjs
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRuntimeControls } from '@mima/policy'
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
await fetch(`${server.url}/api/workspaces/${workspaceId}/budgets`, {
  method: 'PUT',
  headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ scope: 'agent', scope_value: 'near', period: 'day', limit_usd: 1_000_000 }),
})
const controls = createRuntimeControls({
  baseUrl: server.url,
  apiKey: adminKey,
  workspaceId,
  systemName: 'bench',
  agentName: 'near',
  presence: false,
  loops: false,
  onError: () => {},
  budgets: { leaseCalls: 1 },
})
await controls.ready()
const calls = Number(process.env.CALLS || 400)
const started = performance.now()
for (let index = 0; index < calls; index++) {
  const ticket = await controls.checkOrRaise({
    model: 'gpt-4o-mini',
    projectedUsd: 0.0001,
    projectedTokens: 600,
  })
  controls.trackUsage(ticket, { model: 'gpt-4o-mini', costUsd: 0.00005, tokens: 300 })
  await new Promise((resolve) => setImmediate(resolve))
}
console.log(
  `${calls} at-cap checks: ${(((performance.now() - started) * 1000) / calls).toFixed(0)} µs each (mean)`,
)
await controls.close()
await server.close()
rmSync(dataDir, { recursive: true, force: true })
