// bench/policy: the PII and secret detectors, on the same texts as three npm PII redactors.
//
//   1. Speed of detect + redact (what a precheck does to a prompt) with every detector on, on three
//      sets of 1 KB texts: "prompts" (chat-like prose with 2–4 personal values or secrets each, the
//      values taken from the labelled corpus), "prose" (the same prompts without their values: the
//      difference is what the values cost) and "dense" (the corpus itself cut into 1 KB pieces:
//      about 20 values and as many near-misses per KB, the worst case for validating detectors).
//      p50/p99 µs per KB, and MB/s on a 100 KB text of each set. Contenders run interleaved, round
//      by round, on the same texts: `redact-pii`, `@redactpii/node`, `openredaction`, and the
//      baseline, a plain one-pattern regex scan (an email regex replace), the floor for any
//      regex-based redactor.
//   2. Accuracy on packages/policy/corpus/pii-corpus.txt: precision, recall and F1. Ours is scored
//      per kind (the kind must match) and kind-agnostic; the peers kind-agnostic (a finding counts
//      when it overlaps a labelled value by half their union), which favours them. Person names
//      and street addresses are off for the peers: the corpus does not label them.
// Peers' spans: openredaction returns positions; the other two return only text, so each is run
// with one marker character as the replacement and the spans are recovered by aligning the
// unchanged segments. Run `pnpm --filter @mima/policy build` first.
import { redact } from '@mima/policy'
import { Redactor } from '@redactpii/node'
import { OpenRedaction } from 'openredaction'
import { SyncRedactor } from 'redact-pii'
import { recordFigure } from '../report.mjs'
import { corpus, denseTexts, promptTexts, sets, promptValueCount as valueCount } from './texts.mjs'

const now = () => performance.now()
const MARKER = '\u241f'

// --- the contenders -------------------------------------------------------------------------
const redactPii = new SyncRedactor({
  globalReplaceWith: MARKER,
  builtInRedactors: { names: { enabled: false }, streetAddress: { enabled: false } },
})
const redactPiiNode = new Redactor({
  globalReplaceWith: MARKER,
  rules: { CREDIT_CARD: true, EMAIL: true, NAME: false, PHONE: true, SSN: true },
})
const openRedaction = new OpenRedaction({ includeNames: false, includeAddresses: false, enableCache: false })
const NAME_TYPES = new Set(['NAME', 'PERSON', 'ORGANIZATION', 'PLACE', 'ADDRESS_STREET', 'ADDRESS_PO_BOX'])

const contenders = [
  { name: '@mima/policy detect+redact', run: (text) => redact(text).text, spans: null },
  {
    name: 'redact-pii',
    run: (text) => redactPii.redact(text),
    spans: (text) => alignSpans(text, redactPii.redact(text)),
  },
  {
    name: '@redactpii/node',
    run: (text) => redactPiiNode.redact(text),
    spans: (text) => alignSpans(text, redactPiiNode.redact(text)),
  },
  {
    name: 'openredaction',
    slow: true,
    run: (text) => openRedaction.detect(text),
    asyncSpans: async (text) =>
      (await openRedaction.detect(text)).detections
        .filter((detection) => !NAME_TYPES.has(detection.type))
        .map((detection) => ({
          kind: detection.type,
          start: detection.position[0],
          end: detection.position[1],
        })),
  },
]
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g
const baseline = { name: 'baseline: one-pattern regex scan', run: (text) => text.replace(EMAIL, '<EMAIL>') }

/** Spans of `original` that a redactor replaced with MARKER in `redacted`. */
function alignSpans(original, redacted) {
  const segments = redacted.split(MARKER)
  const spans = []
  let cursor = segments[0].length
  for (let index = 1; index < segments.length; index++) {
    const segment = segments[index]
    const next =
      index === segments.length - 1 ? original.length - segment.length : original.indexOf(segment, cursor + 1)
    if (next < cursor) break
    if (next > cursor) spans.push({ kind: 'any', start: cursor, end: next })
    cursor = next + segment.length
  }
  return spans
}

// --- speed ----------------------------------------------------------------------------------
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Per-KB latency samples, contenders interleaved round by round so load hits them alike. */
async function perKilobyte(all, texts, rounds) {
  const samples = new Map(all.map((contender) => [contender.name, []]))
  for (const contender of all) for (const text of texts) await contender.run(text)
  for (let round = 0; round < rounds; round++) {
    for (const contender of all) {
      if (contender.slow && round % 10 !== 0) continue
      const list = samples.get(contender.name)
      for (const text of texts) {
        const start = now()
        const result = contender.run(text)
        if (result instanceof Promise) await result
        list.push(((now() - start) * 1000 * 1024) / text.length)
      }
    }
  }
  const results = new Map()
  for (const [name, list] of samples) {
    list.sort((a, b) => a - b)
    results.set(name, { p50: percentile(list, 50), p99: percentile(list, 99) })
  }
  return results
}

/** MB/s on the 100 KB text: repeated, interleaved, each contender timed over the same rounds. */
async function megabytesPerSecond(all, large, rounds) {
  const spent = new Map(all.map((contender) => [contender.name, { bytes: 0, ms: 0 }]))
  for (const contender of all) await contender.run(large)
  for (let round = 0; round < rounds; round++) {
    for (const contender of all) {
      if (contender.slow && round > 0) continue
      const start = now()
      const result = contender.run(large)
      if (result instanceof Promise) await result
      const entry = spent.get(contender.name)
      entry.ms += now() - start
      entry.bytes += large.length
    }
  }
  return new Map([...spent].map(([name, { bytes, ms }]) => [name, bytes / 1e6 / (ms / 1000)]))
}

// --- accuracy -------------------------------------------------------------------------------
function overlapRatio(a, b) {
  const intersection = Math.min(a.end, b.end) - Math.max(a.start, b.start)
  return intersection <= 0 ? 0 : intersection / (Math.max(a.end, b.end) - Math.min(a.start, b.start))
}

async function accuracy(predict, anyKind) {
  let truePositives = 0
  let falsePositives = 0
  let falseNegatives = 0
  for (const item of corpus) {
    const matched = new Set()
    for (const prediction of await predict(item.text)) {
      const index = item.labels.findIndex(
        (label, position) =>
          !matched.has(position) &&
          (anyKind || label.kind === prediction.kind) &&
          overlapRatio(label, prediction) >= 0.5,
      )
      if (index >= 0) {
        matched.add(index)
        truePositives++
      } else falsePositives++
    }
    falseNegatives += item.labels.length - matched.size
  }
  const precision = truePositives / Math.max(1, truePositives + falsePositives)
  const recall = truePositives / Math.max(1, truePositives + falseNegatives)
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  }
}

// --- run ------------------------------------------------------------------------------------
const fixed = (value, digits = 1) => value.toFixed(digits)
console.log(
  `texts: ${promptTexts.length} prompts and ${denseTexts.length} dense texts of ~1 KB, one 100 KB text of each; corpus ${corpus.length} texts`,
)

const rounds = Number(process.env.MIMA_BENCH_ROUNDS ?? 30)
const all = [baseline, ...contenders]
const OURS = '@mima/policy detect+redact'
const latencies = new Map()
for (const set of sets) {
  const latency = await perKilobyte(all, set.texts, rounds)
  latencies.set(set.name, latency)
  const throughput = await megabytesPerSecond(all, set.large, Math.max(3, Math.round(rounds / 3)))
  console.log(`\n${set.name}:`)
  for (const contender of all) {
    const { p50, p99 } = latency.get(contender.name)
    console.log(
      `  ${contender.name.padEnd(34)} p50 ${fixed(p50).padStart(8)} µs/KB  p99 ${fixed(p99).padStart(9)} µs/KB  ${fixed(throughput.get(contender.name), 2).padStart(8)} MB/s (100 KB)`,
    )
  }
  const ours = latency.get(OURS)
  const base = latency.get(baseline.name)
  const oursThroughput = throughput.get(OURS)
  const headline = set.name === 'prompts'
  recordFigure({
    bench: 'policy',
    name: `detect+redact p50, 1 KB ${set.name}, all detectors`,
    value: ours.p50,
    unit: 'µs',
    baselineName: baseline.name,
    baseline: base.p50,
    ...(headline ? { target: '≤ 50 µs', met: ours.p50 <= 50 } : {}),
  })
  recordFigure({
    bench: 'policy',
    name: `detect+redact p99, 1 KB ${set.name}, all detectors`,
    value: ours.p99,
    unit: 'µs',
    baselineName: baseline.name,
    baseline: base.p99,
  })
  recordFigure({
    bench: 'policy',
    name: `detect+redact throughput, 100 KB ${set.name}`,
    value: oursThroughput,
    unit: 'MB/s',
    baselineName: baseline.name,
    baseline: throughput.get(baseline.name),
  })
  for (const contender of contenders.slice(1)) {
    const peer = latency.get(contender.name)
    const peerThroughput = throughput.get(contender.name)
    const faster = ours.p50 < peer.p50 && oursThroughput > peerThroughput
    console.log(
      `    vs ${contender.name}: ${fixed(peer.p50 / ours.p50, 2)}× its p50 speed, ${fixed(oursThroughput / peerThroughput, 2)}× its MB/s → ${faster ? 'faster' : 'NOT faster'}`,
    )
    recordFigure({
      bench: 'policy',
      name: `p50 per KB (${set.name}) vs ${contender.name}`,
      value: ours.p50,
      unit: 'µs',
      baselineName: contender.name,
      baseline: peer.p50,
      target: 'faster than the peer',
      met: faster,
    })
  }
}

// What a value costs: the prompts' p50 minus the same prompts' p50 without their values, per value.
{
  const perKb = valueCount / promptTexts.length
  console.log(
    `\ncost of the values (${fixed(perKb, 1)} per ~1 KB prompt): p50 prompts − p50 prose, per value`,
  )
  for (const contender of [baseline, ...contenders]) {
    const withValues = latencies.get('prompts').get(contender.name).p50
    const without = latencies.get('prose').get(contender.name).p50
    console.log(
      `  ${contender.name.padEnd(34)} prose ${fixed(without).padStart(8)} µs/KB   per value ${fixed((withValues - without) / perKb, 2).padStart(8)} µs`,
    )
  }
}

console.log('\naccuracy on the corpus (P / R / F1):')
const strict = await accuracy((text) => redact(text).findings, false)
const oursAny = await accuracy((text) => redact(text).findings, true)
console.log(
  `  @mima/policy, kind must match    P ${fixed(strict.precision, 3)}  R ${fixed(strict.recall, 3)}  F1 ${fixed(strict.f1, 3)}`,
)
console.log(
  `  @mima/policy, any kind           P ${fixed(oursAny.precision, 3)}  R ${fixed(oursAny.recall, 3)}  F1 ${fixed(oursAny.f1, 3)}`,
)
recordFigure({
  bench: 'policy',
  name: 'corpus precision (kind must match)',
  value: strict.precision,
  unit: '',
  target: '≥ 0.97',
  met: strict.precision >= 0.97,
})
recordFigure({
  bench: 'policy',
  name: 'corpus recall (kind must match)',
  value: strict.recall,
  unit: '',
  target: '≥ 0.95',
  met: strict.recall >= 0.95,
})
for (const contender of contenders.slice(1)) {
  const score = await accuracy(contender.asyncSpans ?? contender.spans, true)
  console.log(
    `  ${contender.name.padEnd(32)} P ${fixed(score.precision, 3)}  R ${fixed(score.recall, 3)}  F1 ${fixed(score.f1, 3)}`,
  )
  recordFigure({
    bench: 'policy',
    name: `corpus F1 vs ${contender.name}`,
    value: strict.f1,
    unit: '',
    baselineName: contender.name,
    baseline: score.f1,
    target: 'higher F1 than the peer',
    met: strict.f1 > score.f1,
  })
}
