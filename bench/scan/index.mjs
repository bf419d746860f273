// bench/scan: `@mima/scanner` on a generated 6,000-file TypeScript tree.
//
// Baseline (same run, same files): reading every file without parsing, on this thread.
// Measured: scan() with its default worker threads, and on one thread for reference. Each figure
// is given two ways: on wall time, and on the CPU time of the whole process (every thread it
// uses counted, and not slowed by other work on a shared machine). The target is judged on the
// CPU-time figure; the wall-time one is printed next to it with the load average.
// Peer: @microsoft/agent-governance-sdk's ShadowDiscovery (a per-file regex scan) on the same
// tree; the bench prints its speed and which files each tool flags.
// Imports the built package: run `pnpm --filter @mima/scanner build` first (`pnpm bench` does).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { ShadowDiscovery } from '@microsoft/agent-governance-sdk'
import { scan } from '@mima/scanner'
import { recordFigure } from '../report.mjs'
import { generateTree } from './generate-tree.mjs'

const FILE_COUNT = Number(process.env.SCAN_BENCH_FILES ?? 6000)
const ROUNDS = 3
const TARGET = 5000

const root = mkdtempSync(join(tmpdir(), 'mima-bench-scan-'))
const { direct, indirect } = generateTree(root, FILE_COUNT)

function listFiles(directory) {
  const files = []
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) files.push(...listFiles(path))
    else files.push(path)
  }
  return files
}
const files = listFiles(root)
const megabytes = files.reduce((sum, file) => sum + statSync(file).size, 0) / 1e6

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function timed(run) {
  const seconds = []
  const cpuSeconds = []
  let last
  for (let round = 0; round < ROUNDS; round++) {
    const cpu = process.cpuUsage()
    const started = performance.now()
    last = await run()
    seconds.push((performance.now() - started) / 1000)
    const used = process.cpuUsage(cpu)
    cpuSeconds.push((used.user + used.system) / 1e6)
  }
  return { seconds: median(seconds), cpuSeconds: median(cpuSeconds), last }
}

const toRelative = (file) => relative(root, file).split(sep).join('/')

const read = await timed(() => {
  let bytes = 0
  for (const file of files) bytes += readFileSync(file, 'utf8').length
  return bytes
})
const threaded = await timed(() => scan(['.'], { cwd: root }))
const single = await timed(() => scan(['.'], { cwd: root, workers: 0 }))
const oneWorker = await timed(() => scan(['.'], { cwd: root, workers: 1 }))
const peer = await timed(() => new ShadowDiscovery().scan({ paths: [root] }))

const rate = (seconds) => files.length / seconds
const row = (name, measured) =>
  `  ${name.padEnd(44)} ${rate(measured.cpuSeconds).toFixed(0).padStart(8)} files/s ${(megabytes / measured.cpuSeconds).toFixed(1).padStart(6)} MB/s   ${rate(measured.seconds).toFixed(0).padStart(8)} files/s ${(megabytes / measured.seconds).toFixed(1).padStart(6)} MB/s`
console.log(
  `${files.length} files, ${megabytes.toFixed(1)} MB (${direct.length} call an AI SDK, ${indirect.length} reach one through an import); ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}; Node ${process.version}; median of ${ROUNDS}`,
)
console.log(`  ${''.padEnd(44)} ${'on CPU time (all threads)'.padEnd(30)} on wall time`)
console.log(row('baseline: read every file (no parse)', read))
console.log(row(`mima scan (auto: ${threaded.last.workers} worker thread(s) + this one)`, threaded))
console.log(row('mima scan (this thread only)', single))
console.log(row('mima scan (1 worker thread + this one)', oneWorker))
console.log(row('peer: ShadowDiscovery (regex per file)', peer))

const mimaFlagged = new Set(threaded.last.findings.map((finding) => finding.file))
const peerFlagged = new Set(
  peer.last.agents.flatMap((agent) => agent.evidence.map((evidence) => toRelative(evidence.source))),
)
const expected = new Set([...direct, ...indirect])
const missedBy = (flagged) => [...expected].filter((file) => !flagged.has(file))
console.log(
  `\nFiles flagged: mima ${mimaFlagged.size} (${threaded.last.findings.length} call sites, ${threaded.last.unattested} unattested, coverage ${(threaded.last.coverage * 100).toFixed(1)}%), peer ${peerFlagged.size}; files with AI calls: ${expected.size}`,
)
console.log(
  `  missed by mima: ${missedBy(mimaFlagged).length}, missed by peer: ${missedBy(peerFlagged).length}`,
)
console.log(`  flagged by both: ${[...mimaFlagged].filter((file) => peerFlagged.has(file)).length}`)
console.log(`  peer examples: ${[...peerFlagged].slice(0, 3).join(', ') || '(none)'}`)
console.log(`  mima examples: ${[...mimaFlagged].slice(0, 3).join(', ')}`)

const value = rate(threaded.cpuSeconds)
console.log(
  `\nTarget ≥ ${TARGET} files/s with every worker thread counted (CPU time of all threads): ${value >= TARGET ? 'met' : 'MISSED'} (${value.toFixed(0)}); on wall time under load average ${loadavg()[0].toFixed(1)}: ${rate(threaded.seconds).toFixed(0)}`,
)
recordFigure({
  bench: 'scan',
  name: `scan ${files.length} TS files, CPU time of all threads (${threaded.last.workers} worker + main), Node ${process.version}`,
  value,
  unit: 'files/s',
  baselineName: 'read the same files, no parse',
  baseline: rate(read.cpuSeconds),
  target: `≥ ${TARGET} files/s`,
  met: value >= TARGET,
})
recordFigure({
  bench: 'scan',
  name: `scan ${files.length} TS files, wall time (load average ${loadavg()[0].toFixed(1)}), Node ${process.version}`,
  value: rate(threaded.seconds),
  unit: 'files/s',
  baselineName: 'read the same files, no parse',
  baseline: rate(read.seconds),
})
recordFigure({
  bench: 'scan',
  name: 'peer ShadowDiscovery, same tree, CPU time',
  value: rate(peer.cpuSeconds),
  unit: 'files/s',
  baselineName: 'read the same files, no parse',
  baseline: rate(read.cpuSeconds),
})
recordFigure({
  bench: 'scan',
  name: 'scan throughput, CPU time',
  value: megabytes / threaded.cpuSeconds,
  unit: 'MB/s',
})
rmSync(root, { recursive: true, force: true })
