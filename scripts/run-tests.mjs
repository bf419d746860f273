#!/usr/bin/env node
// Runs every package's tests through turbo, then prints each package's wall time and one closing
// line that sums up all the vitest JSON reports: "tests: N passed, N failed, N skipped" (CI reads
// it). The closing line always agrees with the exit code: a package that crashed, failed to build
// or left no report is counted and named, never hidden behind "0 failed".
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { CHROMIUM_HINT, findChromium } from './find-chromium.mjs'
import { summariseTestReports } from './test-summary.mjs'

const root = join(import.meta.dirname, '..')
const resultsDir = join(root, '.test-results')

/** Workspace packages with a `test` script, by report file name (see vitest.shared.ts). */
function packagesWithTests() {
  const packages = new Map()
  for (const group of ['packages', 'internal', 'examples']) {
    const groupDir = join(root, group)
    if (!existsSync(groupDir)) continue
    for (const name of readdirSync(groupDir)) {
      const manifest = join(groupDir, name, 'package.json')
      if (!existsSync(manifest)) continue
      const packageJson = JSON.parse(readFileSync(manifest, 'utf8'))
      if (packageJson.scripts?.test === undefined) continue
      packages.set(`${packageJson.name.replace(/[@/]/g, '_')}.json`, packageJson.name)
    }
  }
  return packages
}

const extra = process.argv.slice(2)
const filtered = extra.some((argument) => argument.startsWith('--filter') || argument.startsWith('-F'))

// The dashboard's browser tests need Chromium: say so in one line before anything runs.
if (!filtered || extra.some((argument) => argument.includes('server'))) {
  let chromium
  try {
    chromium = findChromium()
  } catch (error) {
    console.error(`pnpm test: ${error.message}`)
    process.exit(1)
  }
  if (chromium === undefined) {
    console.error(`pnpm test: ${CHROMIUM_HINT}`)
    process.exit(1)
  }
  process.env.MIMA_CHROMIUM_PATH = chromium
}

// Packages tested at once: two per core, unless the caller says otherwise. Turbo's default, ten,
// ran the suite on 2 cores at a load average of 20, where a browser flow outlived its test's time
// limit; four packages at once finish the suite as fast (245 s against 264 s) at a peak load of 12.
const concurrency = extra.some((argument) => argument.startsWith('--concurrency'))
  ? []
  : [`--concurrency=${Math.max(2, 2 * availableParallelism())}`]

rmSync(resultsDir, { recursive: true, force: true })
const started = Date.now()
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', ...concurrency, ...extra], {
  cwd: root,
  stdio: 'inherit',
})
const wallMs = Date.now() - started

const { lines, exitCode } = summariseTestReports({
  root,
  resultsDir,
  expected: packagesWithTests(),
  filtered,
  turboStatus: run.status,
  wallMs,
})
for (const line of lines) console.log(line)
process.exit(exitCode)
