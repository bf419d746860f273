// One figure of a benchmark, for bench/RESULTS.md. Every bench prints its own figures; it also calls
// `recordFigure` for each headline figure, and `bench/run.mjs` gathers them into bench/RESULTS.md with
// the machine they ran on. Run alone (`node bench/x/index.mjs`), recording only prints.
import { appendFileSync } from 'node:fs'

/**
 * @param {object} figure
 * @param {string} figure.bench       the bench folder, e.g. `policy`
 * @param {string} figure.name        what was measured, e.g. `precheck p50, 1 KB text`
 * @param {number} figure.value       the measurement
 * @param {string} figure.unit        `µs`, `ms`, `files/s`, `MB/s`, …
 * @param {string} [figure.baselineName] the in-run baseline, e.g. `empty route round trip`
 * @param {number} [figure.baseline]  the baseline's value in the same unit
 * @param {string} [figure.target]    the target as words, e.g. `≤ 50 µs` or `≤ 2× baseline`
 * @param {boolean} [figure.met]      whether the target was met in this run
 */
export function recordFigure(figure) {
  const ratio =
    figure.baseline !== undefined && figure.baseline !== 0 ? figure.value / figure.baseline : undefined
  const line = { ...figure, ...(ratio === undefined ? {} : { ratio }) }
  const file = process.env.MIMA_BENCH_RESULTS
  if (file) appendFileSync(file, `${JSON.stringify(line)}\n`)
}
