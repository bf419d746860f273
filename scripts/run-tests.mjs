#!/usr/bin/env node
// Runs every package's tests through turbo, then prints one closing line that sums up
// all the vitest JSON reports: "tests: N passed, N failed" (CI reads it).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const resultsDir = join(root, '.test-results')
rmSync(resultsDir, { recursive: true, force: true })

const extra = process.argv.slice(2)
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', ...extra], {
  cwd: root,
  stdio: 'inherit',
})

let passed = 0
let failed = 0
let skipped = 0
const failingSuites = []
if (existsSync(resultsDir)) {
  for (const file of readdirSync(resultsDir).filter((name) => name.endsWith('.json'))) {
    const report = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'))
    passed += report.numPassedTests ?? 0
    failed += report.numFailedTests ?? 0
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
    for (const suite of report.testResults ?? []) {
      if (suite.status === 'failed') failingSuites.push(suite.name)
    }
  }
}
if (failingSuites.length > 0) {
  console.log('\nFailing test files:')
  for (const name of failingSuites) console.log(`  ${name}`)
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
const exitCode = run.status === 0 && failed === 0 && failingSuites.length === 0 ? 0 : 1
process.exit(exitCode)
