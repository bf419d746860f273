#!/usr/bin/env node
// Runs every benchmark (bench/<name>/index.mjs) one after another, or only those named:
// `pnpm bench` or `pnpm bench core server`. Benchmarks import the built packages, so
// the root script builds first. Each prints its figures with an in-run baseline.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const here = import.meta.dirname
const wanted = process.argv.slice(2)
const names = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(here, entry.name, 'index.mjs')))
  .map((entry) => entry.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))

let failed = 0
for (const name of names) {
  console.log(`\n=== bench/${name}`)
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, name, 'index.mjs')], {
    stdio: 'inherit',
  })
  if (result.status !== 0) failed += 1
}
if (names.length === 0) console.log('no benchmarks matched')
process.exit(failed === 0 ? 0 : 1)
