#!/usr/bin/env node
// Runs every benchmark (bench/<name>/index.mjs) one after another, or only those named:
// `pnpm bench` or `pnpm bench core server`. Benchmarks import the built packages, so
// the root script builds first. Each prints its figures with an in-run baseline.
import { execSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'

const here = import.meta.dirname
const wanted = process.argv.slice(2)
const names = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(here, entry.name, 'index.mjs')))
  .map((entry) => entry.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))

// Each bench appends its headline figures (bench/report.mjs) to this file; RESULTS.md is made from it.
const loadBefore = loadavg()[0]
const figuresFile = join(mkdtempSync(join(tmpdir(), 'mima-bench-')), 'figures.jsonl')
writeFileSync(figuresFile, '')

let failed = 0
for (const name of names) {
  console.log(`\n=== bench/${name}`)
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, name, 'index.mjs')], {
    stdio: 'inherit',
    env: { ...process.env, MIMA_BENCH_RESULTS: figuresFile },
  })
  if (result.status !== 0) failed += 1
}
if (names.length === 0) console.log('no benchmarks matched')
else writeResults(names)

function writeResults(ran) {
  const figures = readFileSync(figuresFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line))
  let commit = 'unknown'
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim()
  } catch {}
  const number = (value) => (value === undefined ? '' : Number(value.toPrecision(4)).toString())
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`pnpm bench\` on ${new Date().toISOString()} at commit ${commit}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}-${process.arch}.`,
    `Load average (1 min) before and after the run: ${loadBefore.toFixed(2)} and ${loadavg()[0].toFixed(2)}; on a shared machine, read the ratios to the in-run baselines.`,
    `Benches run: ${ran.join(', ')}.`,
    '',
    '| bench | figure | value | baseline (in-run) | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...figures.map(
      (figure) =>
        `| ${figure.bench} | ${figure.name} | ${number(figure.value)} ${figure.unit} | ${
          figure.baselineName ? `${figure.baselineName}: ${number(figure.baseline)} ${figure.unit}` : ''
        } | ${figure.ratio === undefined ? '' : `${number(figure.ratio)}×`} | ${figure.target ?? ''} | ${
          figure.met === undefined ? '' : figure.met ? 'yes' : '**no**'
        } |`,
    ),
    '',
  ]
  // Every bench records its headline figures; one that recorded none (it failed, or skipped for lack
  // of a build) must not vanish from the file unnoticed.
  const silent = ran.filter((name) => !figures.some((figure) => figure.bench === name))
  if (silent.length > 0) {
    lines.push(
      `Not in this table (they ran but recorded no figure; see their output): ${silent.join(', ')}.`,
      '',
    )
  }
  writeFileSync(join(here, 'RESULTS.md'), lines.join('\n'))
  console.log(`\nwrote bench/RESULTS.md (${figures.length} figures)`)
}
process.exit(failed === 0 ? 0 : 1)
