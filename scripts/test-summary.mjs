// Sums up the vitest JSON reports in `.test-results/` (one per package, written by the reporter in
// vitest.shared.ts) into the lines `pnpm test` ends with. The closing line always agrees with the
// exit code: a test file that failed without failing tests (a crashed beforeAll, a missing
// browser), a package that left no report, or a non-zero turbo exit are counted and named.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

function formatSeconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`
}

/**
 * @param {{ root: string, resultsDir: string, expected: Map<string, string>, filtered: boolean,
 *   turboStatus: number | null, wallMs: number }} options
 * @returns {{ lines: string[], exitCode: 0 | 1 }}
 */
export function summariseTestReports(options) {
  const { root, resultsDir, expected, filtered, turboStatus, wallMs } = options
  let passed = 0
  let failed = 0
  let skipped = 0
  const failingSuites = []
  const timings = []
  const reported = new Set()
  if (existsSync(resultsDir)) {
    for (const file of readdirSync(resultsDir).filter((name) => name.endsWith('.json'))) {
      reported.add(file)
      const path = join(resultsDir, file)
      const report = JSON.parse(readFileSync(path, 'utf8'))
      passed += report.numPassedTests ?? 0
      failed += report.numFailedTests ?? 0
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
      for (const suite of report.testResults ?? []) {
        if (suite.status === 'failed') failingSuites.push(relative(root, suite.name))
      }
      const name = expected.get(file) ?? file.replace(/\.json$/, '')
      if (typeof report.startTime === 'number') {
        timings.push({ name, ms: statSync(path).mtimeMs - report.startTime, ok: report.success !== false })
      }
    }
  }
  // Under --filter only the selected packages run; otherwise every package must leave a report.
  const missing = filtered
    ? []
    : [...expected].filter(([file]) => !reported.has(file)).map(([, name]) => name)

  const lines = []
  if (timings.length > 0) {
    lines.push('', 'Time per package (wall, packages run in parallel):')
    for (const timing of timings.sort((a, b) => b.ms - a.ms)) {
      lines.push(`  ${formatSeconds(timing.ms).padStart(8)}  ${timing.name}${timing.ok ? '' : '  (failed)'}`)
    }
    lines.push(`  ${formatSeconds(wallMs).padStart(8)}  total, with builds`)
  }
  if (failingSuites.length > 0) {
    lines.push('', 'Failing test files:', ...failingSuites.map((name) => `  ${name}`))
  }
  if (missing.length > 0) {
    lines.push('', 'Packages that left no test report (crashed, or their build failed; see above):')
    lines.push(...missing.map((name) => `  ${name}`))
  }
  const problems = []
  if (failingSuites.length > 0) {
    problems.push(`${failingSuites.length} test file${failingSuites.length === 1 ? '' : 's'} failed`)
  }
  if (missing.length > 0)
    problems.push(`${missing.length} package${missing.length === 1 ? '' : 's'} did not run`)
  if (turboStatus !== 0 && failed === 0 && problems.length === 0) {
    problems.push(`turbo exited with code ${turboStatus}`)
  }
  const exitCode = failed === 0 && problems.length === 0 && turboStatus === 0 ? 0 : 1
  lines.push(
    '',
    `tests: ${passed} passed, ${failed} failed, ${skipped} skipped` +
      (problems.length > 0 ? `; ${problems.join(', ')}` : '') +
      ` (${formatSeconds(wallMs)}) — ${exitCode === 0 ? 'ok' : 'FAILED'}`,
  )
  return { lines, exitCode }
}
