// Steady-state speed of two builds of @mima/policy and of @redactpii/node, in one process, on the
// bench's texts: CPU time (process.cpuUsage, so time lost to other processes on a busy host is not
// counted) per batch of a whole set, contenders interleaved batch by batch, median over batches.
// Then the 100 KB text of each set against the same 100 KB cut into 1 KB pieces (per KB).
//   node bench/policy/compare-speed.mjs <baseline dist/index.js> [warm-up batches=40] [batches=60]
// A baseline build: see compare-findings.mjs. index.mjs stays the bench of record; this isolates
// a change (index.mjs's p50 over 30 rounds also measures how fast V8 tiers the code up).
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as current from '@mima/policy'
import { Redactor } from '@redactpii/node'
import { sets } from './texts.mjs'

const baselinePath = process.argv[2]
if (baselinePath === undefined) {
  console.error('usage: node bench/policy/compare-speed.mjs <baseline dist/index.js> [warm-up] [batches]')
  process.exit(2)
}
const baseline = await import(pathToFileURL(resolve(baselinePath)).href)
const warmUp = Number(process.argv[3] ?? 40)
const batches = Number(process.argv[4] ?? 60)
const peer = new Redactor({
  globalReplaceWith: '\u241f',
  rules: { CREDIT_CARD: true, EMAIL: true, NAME: false, PHONE: true, SSN: true },
})
const contenders = [
  ['baseline build', (text) => baseline.redact(text).text],
  ['current build', (text) => current.redact(text).text],
  ['@redactpii/node', (text) => peer.redact(text)],
]

/** CPU µs of one call of `run`. */
function cpu(run) {
  const start = process.cpuUsage()
  run()
  const spent = process.cpuUsage(start)
  return spent.user + spent.system
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const kilobytes = (texts) => texts.reduce((sum, text) => sum + text.length, 0) / 1024

console.log(
  `load average ${(await import('node:os'))
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
)
console.log(`CPU µs per KB, median of ${batches} batches after ${warmUp} warm-up batches:`)
for (const set of sets) {
  const size = kilobytes(set.texts)
  for (let round = 0; round < warmUp; round++)
    for (const [, run] of contenders) for (const text of set.texts) run(text)
  const samples = contenders.map(() => [])
  for (let round = 0; round < batches; round++) {
    for (let offset = 0; offset < contenders.length; offset++) {
      const index = (offset + round) % contenders.length
      const run = contenders[index][1]
      samples[index].push(
        cpu(() => {
          for (const text of set.texts) run(text)
        }) / size,
      )
    }
  }
  const figures = samples.map(median)
  console.log(
    `  ${set.name.padEnd(8)} ${contenders.map(([name], index) => `${name} ${figures[index].toFixed(1)}`).join(' | ')}` +
      `   current/baseline ${(figures[1] / figures[0]).toFixed(2)}`,
  )
}

console.log('100 KB text against the same text in 1 KB pieces, current build, CPU µs per KB:')
for (const set of sets) {
  const pieces = []
  for (let start = 0; start < set.large.length; start += 1024)
    pieces.push(set.large.slice(start, start + 1024))
  for (let round = 0; round < 20; round++) {
    current.redact(set.large)
    for (const piece of pieces) current.redact(piece)
  }
  const whole = []
  const split = []
  for (let round = 0; round < 9; round++) {
    whole.push(cpu(() => current.redact(set.large)) / 100)
    split.push(
      cpu(() => {
        for (const piece of pieces) current.redact(piece)
      }) / 100,
    )
  }
  console.log(
    `  ${set.name.padEnd(8)} whole ${median(whole).toFixed(1)}  pieces ${median(split).toFixed(1)}  ratio ${(median(whole) / median(split)).toFixed(2)}`,
  )
}
