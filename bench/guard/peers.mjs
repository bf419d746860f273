// bench/guard, peers: what each instrumentation adds to an awaited openai chat.completions.create
// on the same stub endpoint, spans to an in-memory exporter, each subject in its own process on the
// pinned Node 22 (per-call.mjs), in interleaved passes: @opentelemetry/instrumentation-openai,
// @traceloop/instrumentation-openai, @arizeai/openinference-instrumentation-openai, and the guard in
// report mode and on attested calls.
// Each subject's baseline is the original, unwrapped method called in the same process and rounds.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { node22 } from '@mima-internal/runtimes'
import { recordFigure } from '../report.mjs'

const SUBJECTS = {
  otel: '@opentelemetry/instrumentation-openai',
  traceloop: '@traceloop/instrumentation-openai',
  arize: '@arizeai/openinference-instrumentation-openai',
  'mima-report': '@mima/guard, report mode (JSONL queue)',
  'mima-report-every-site': '@mima/guard, report mode, every site resolved',
  'mima-report-otel': '@mima/guard, report mode (span)',
  'mima-attested': '@mima/guard, attested call',
}

// Each subject runs in its own process, one after the other, so the host's load can change between
// two subjects; the subjects are therefore run in several passes, interleaved, and each figure is the
// median over its passes.
const PASSES = Number(process.env.MIMA_BENCH_PEER_PASSES ?? 3)
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Runs every subject; prints the table and records the targets' figures. */
export function benchPeers() {
  const runs = Object.fromEntries(Object.keys(SUBJECTS).map((subject) => [subject, []]))
  for (let pass = 0; pass < PASSES; pass++) {
    for (const subject of Object.keys(SUBJECTS)) {
      const output = execFileSync(node22(), [join(import.meta.dirname, 'per-call.mjs'), subject], {
        encoding: 'utf8',
        timeout: 600_000,
      })
      const measured = JSON.parse(output.trim().split('\n').at(-1))
      runs[subject].push({ ...measured, added: measured.instrumented - measured.unpatched })
    }
  }
  const results = {}
  for (const [subject, list] of Object.entries(runs)) {
    results[subject] = {
      unpatched: median(list.map((run) => run.unpatched)),
      instrumented: median(list.map((run) => run.instrumented)),
      added: median(list.map((run) => run.added)),
      passes: list.map((run) => run.added),
    }
  }
  console.log(
    `\n4. per awaited openai chat.completions.create, stub endpoint, in-memory span exporter, Node 22 (main-thread CPU time; medians over ${PASSES} interleaved passes)`,
  )
  console.log(
    '                                                   unpatched  instrumented      added   added per pass',
  )
  for (const [subject, result] of Object.entries(results)) {
    console.log(
      `  ${SUBJECTS[subject].padEnd(48)} ${result.unpatched.toFixed(1).padStart(8)} µs ${result.instrumented.toFixed(1).padStart(8)} µs ${result.added.toFixed(1).padStart(8)} µs   ${result.passes.map((added) => added.toFixed(1)).join(' / ')}`,
    )
  }
  const peers = ['otel', 'traceloop', 'arize'].map((subject) => ({ subject, ...results[subject] }))
  const lightest = peers.reduce((best, peer) => (peer.added < best.added ? peer : best))
  const attested = results['mima-attested'].added
  const report = results['mima-report'].added
  const attestedMet = peers.every((peer) => attested < peer.added)
  const reportMet = report <= lightest.added / 2
  console.log(
    `  → attested calls cost less than every peer: ${attestedMet ? 'ok' : 'MISSED'} (${attested.toFixed(1)} µs vs lightest peer ${lightest.added.toFixed(1)} µs)`,
  )
  console.log(
    `  → report mode at most half the lightest peer (${SUBJECTS[lightest.subject]}, ${lightest.added.toFixed(1)} µs): ${reportMet ? 'ok' : 'MISSED'} (${report.toFixed(1)} µs)`,
  )
  for (const subject of ['otel', 'traceloop', 'arize']) {
    recordFigure({
      bench: 'guard',
      name: `added per openai call, ${SUBJECTS[subject]} (Node 22, in-memory exporter)`,
      value: results[subject].added,
      unit: 'µs',
      baselineName: 'the unwrapped create() in the same process',
      baseline: results[subject].unpatched,
    })
  }
  recordFigure({
    bench: 'guard',
    name: 'added per openai call, guard in report mode (Node 22, span to the in-memory exporter)',
    value: results['mima-report-otel'].added,
    unit: 'µs',
    baselineName: `lightest peer (${SUBJECTS[lightest.subject]}) added`,
    baseline: lightest.added,
  })
  recordFigure({
    bench: 'guard',
    name: 'added per openai call, guard on an attested call (Node 22)',
    value: attested,
    unit: 'µs',
    baselineName: `lightest peer (${SUBJECTS[lightest.subject]}) added`,
    baseline: lightest.added,
    target: '< every peer',
    met: attestedMet,
  })
  recordFigure({
    bench: 'guard',
    name: 'added per openai call, guard in report mode resolving every call site (Node 22, JSONL queue)',
    value: results['mima-report-every-site'].added,
    unit: 'µs',
    baselineName: `lightest peer (${SUBJECTS[lightest.subject]}) added`,
    baseline: lightest.added,
  })
  recordFigure({
    bench: 'guard',
    name: 'added per openai call, guard in report mode (Node 22, its JSONL queue)',
    value: report,
    unit: 'µs',
    baselineName: `lightest peer (${SUBJECTS[lightest.subject]}) added`,
    baseline: lightest.added,
    target: '≤ 0.5× lightest peer',
    met: reportMet,
  })
  return results
}
