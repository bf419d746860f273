// Steady-state speed of two builds of @mima/policy and of @redactpii/node, in one process, on the
// bench's texts: CPU time (process.cpuUsage, so time lost to other processes on a busy host is not
// counted) per batch of a whole set, contenders interleaved batch by batch, median over batches.
// Then the 100 KB text of each set against the same 100 KB cut into 1 KB pieces (per KB), and
// texts whose numbers were never seen before (the bench repeats its texts, so its phone numbers are
// all answered from a cache after the first round; a real prompt's usually are not).
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

// Numbers seen for the first time: short prompts with a new phone-like number each (trunk 0, as
// GB, DE, FR, AU and IN write them), contenders alternating text by text over the same stream.
{
  let seed = 11
  const random = (limit) => {
    seed = (seed * 16807) % 2147483647
    return seed % limit
  }
  const digits = (count) => {
    let out = ''
    for (let index = 0; index < count; index++) out += String(random(10))
    return out
  }
  const fresh = []
  for (let index = 0; index < 6000; index++) {
    const number = `0${digits(2 + random(3))} ${digits(3 + random(2))} ${digits(4)}`
    fresh.push(
      random(2) === 0
        ? `Please call me on ${number} after five, the order is ${digits(7)}.`
        : `Reference ${number} was sent on ${1 + random(28)}.${1 + random(12)}.2024, ask for ${digits(5)}.`,
    )
  }
  const spent = contenders.map(() => 0)
  const counted = contenders.map(() => 0)
  fresh.forEach((text, index) => {
    const slot = index % contenders.length
    spent[slot] += cpu(() => contenders[slot][1](text))
    counted[slot]++
  })
  console.log('texts with numbers never seen before (one call each), CPU µs per text:')
  console.log(
    `  ${contenders.map(([name], index) => `${name} ${(spent[index] / counted[index]).toFixed(1)}`).join(' | ')}` +
      `   current/baseline ${(spent[1] / counted[1] / (spent[0] / counted[0])).toFixed(2)}`,
  )
}
