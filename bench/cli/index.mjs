// bench/cli: how long `mima --help` takes, as a user runs it (a fresh Node process each time),
// next to the cost of starting Node at all (`node -e 0`) measured in the same run.
// Target: `mima --help` ≤ 200 ms (median wall time). Run `pnpm --filter @mima/cli... build` first.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { recordFigure } from '../report.mjs'

const require = createRequire(import.meta.url)
const bin = join(dirname(require.resolve('@mima/cli/package.json')), 'dist', 'bin.js')
if (!existsSync(bin)) {
  console.error(`bench/cli: ${bin} is missing; run \`pnpm --filter @mima/cli... build\` first`)
  process.exit(0)
}

const RUNS = 21
const TARGET_MS = 200

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function spawnOnce(args) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return elapsed
}

// Round-robin: each round spawns every case once, so machine load (other processes on this
// shared machine) hits the baseline and the CLI alike. Two warm-up rounds fill the file cache.
const cases = { baseline: ['-e', '0'], help: [bin, '--help'], command: [bin, 'push', '--help'] }
const times = { baseline: [], help: [], command: [] }
for (let round = 0; round < RUNS + 2; round++) {
  for (const [name, args] of Object.entries(cases)) {
    const elapsed = spawnOnce(args)
    if (round >= 2) times[name].push(elapsed)
  }
}
const figures = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) })
const baseline = figures(times.baseline)
const help = figures(times.help)
const command = figures(times.command)
const nodeStart = baseline.median

const row = (label, figures) =>
  `${label.padEnd(24)} median ${figures.median.toFixed(1).padStart(6)} ms   min ${figures.min.toFixed(1).padStart(6)} ms   max ${figures.max.toFixed(1).padStart(6)} ms`
console.log(`bench/cli: median wall time of ${RUNS} spawns each`)
console.log(row('node -e 0 (baseline)', baseline))
console.log(row('mima --help', help))
console.log(row('mima push --help', command))
console.log(
  `mima --help: ${help.median.toFixed(1)} ms = node start + ${(help.median - nodeStart).toFixed(1)} ms (${(help.median / nodeStart).toFixed(2)}× node -e 0); target ≤ ${TARGET_MS} ms: ${help.median <= TARGET_MS ? 'met' : 'NOT met'}`,
)
const baselineName = 'node -e 0, median'
recordFigure({
  bench: 'cli',
  name: `mima --help, median wall time of ${RUNS} spawns`,
  value: help.median,
  unit: 'ms',
  baselineName,
  baseline: nodeStart,
  target: `≤ ${TARGET_MS} ms`,
  met: help.median <= TARGET_MS,
})
recordFigure({
  bench: 'cli',
  name: `mima push --help, median wall time of ${RUNS} spawns`,
  value: command.median,
  unit: 'ms',
  baselineName,
  baseline: nodeStart,
})
