// Profiles the at-cap budget check (one-call leases from the server, then a refusal) in one process:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/budget/profile-at-cap.mjs
import { createBudgetClient, createRuntimeConnection } from '@mima/policy'
import { putCapBudgets, startBenchServer } from './bench-server.mjs'

const bench = await startBenchServer('profile-budget')
const { server, adminKey, workspaceId } = bench
// Budgets with room for three and a half calls: each check is a one-call lease from the server
// (carrying the previous call's settlement), then a refusal the client keeps.
const calls = Number(process.env.CALLS || 400)
const agents = Math.ceil(calls / 3)
const unit = 0.0001
await putCapBudgets(bench.api, agents, unit)
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
await bench.close()
