// bench/policy: the PII and secret detectors, on the same texts as three npm PII redactors.
//
//   1. Speed: detect + redact (what a precheck does to a prompt) with every detector on, per 1 KB
//      text (p50/p99 µs, texts cut from the labelled corpus, so ~1 finding per 60 characters),
//      and MB/s on a 100 KB text. The same texts go through `redact-pii`, `@redactpii/node` and
//      `openredaction`, and through the baseline: a plain one-pattern regex scan (an email regex
//      replace), which is the floor for any regex-based redactor.
//   2. Accuracy on packages/policy/corpus/pii-corpus.txt: precision, recall and F1. Ours is scored
//      per kind (the kind must match) and kind-agnostic; the peers kind-agnostic (a finding counts
//      when it overlaps a labelled value by half their union), which favours them. Person names
//      and street addresses are off for the peers: the corpus does not label them.
// Peers' spans: openredaction returns positions; the other two return only text, so each is run
// with one marker character as the replacement and the spans are recovered by aligning the
// unchanged segments. Run `pnpm --filter @mima/policy build` first.
import { readFileSync } from 'node:fs'
import { redact } from '@mima/policy'
import { Redactor } from '@redactpii/node'
import { OpenRedaction } from 'openredaction'
import { SyncRedactor } from 'redact-pii'
import { recordFigure } from '../report.mjs'

const now = () => performance.now()
const MARKER = '\u241f'

// --- the corpus -----------------------------------------------------------------------------
const MARK = /\[\[([a-z0-9_]+)\|((?:(?!\]\]).)+)\]\]/g
function parseCorpus(source) {
  const texts = []
  for (const line of source.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    let text = ''
    let cursor = 0
    const labels = []
    for (const match of line.matchAll(MARK)) {
      text += line.slice(cursor, match.index).replaceAll('\\n', '\n')
      const value = match[2].replaceAll('\\n', '\n')
      labels.push({ kind: match[1], start: text.length, end: text.length + value.length })
      text += value
      cursor = match.index + match[0].length
    }
    text += line.slice(cursor).replaceAll('\\n', '\n')
    texts.push({ text, labels })
  }
  return texts
}
const corpus = parseCorpus(
  readFileSync(new URL('../../packages/policy/corpus/pii-corpus.txt', import.meta.url), 'utf8'),
)

// 1 KB texts: consecutive corpus texts joined until each is about 1 KB.
const kilobyteTexts = []
let current = ''
for (const { text } of corpus) {
  current += `${text} `
  if (current.length >= 1000) {
    kilobyteTexts.push(current.slice(0, 1024))
    current = ''
  }
}
let large = ''
for (let index = 0; large.length < 100 * 1024; index++)
  large += `${kilobyteTexts[index % kilobyteTexts.length]}\n`
large = large.slice(0, 100 * 1024)

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

async function perKilobyte(contender, rounds) {
  for (let index = 0; index < 3; index++) for (const text of kilobyteTexts) await contender.run(text)
  const samples = []
  for (let round = 0; round < rounds; round++) {
    for (const text of kilobyteTexts) {
      const start = now()
      const result = contender.run(text)
      if (result instanceof Promise) await result
      samples.push(((now() - start) * 1000 * 1024) / text.length)
    }
  }
  samples.sort((a, b) => a - b)
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) }
}

async function megabytesPerSecond(contender, budgetMs) {
  await contender.run(large)
  let bytes = 0
  const start = now()
  while (now() - start < budgetMs) {
    const result = contender.run(large)
    if (result instanceof Promise) await result
    bytes += large.length
  }
  return bytes / 1e6 / ((now() - start) / 1000)
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
  `texts: ${kilobyteTexts.length} × ~1 KB cut from the corpus, one 100 KB text; corpus ${corpus.length} texts`,
)

const rounds = Number(process.env.MIMA_BENCH_ROUNDS ?? 20)
const speed = new Map()
for (const contender of [baseline, ...contenders]) {
  const latency = await perKilobyte(
    contender,
    contender.name === 'openredaction' ? Math.max(2, rounds / 10) : rounds,
  )
  const throughput = await megabytesPerSecond(contender, contender.name === 'openredaction' ? 3000 : 1500)
  speed.set(contender.name, { ...latency, throughput })
  console.log(
    `${contender.name.padEnd(34)} p50 ${fixed(latency.p50).padStart(8)} µs/KB  p99 ${fixed(latency.p99).padStart(8)} µs/KB  ${fixed(throughput, 2).padStart(8)} MB/s (100 KB)`,
  )
}

const ours = speed.get('@mima/policy detect+redact')
const base = speed.get(baseline.name)
recordFigure({
  bench: 'policy',
  name: 'detect+redact p50, 1 KB, all detectors',
  value: ours.p50,
  unit: 'µs',
  baselineName: baseline.name,
  baseline: base.p50,
  target: '≤ 50 µs',
  met: ours.p50 <= 50,
})
recordFigure({
  bench: 'policy',
  name: 'detect+redact p99, 1 KB, all detectors',
  value: ours.p99,
  unit: 'µs',
  baselineName: baseline.name,
  baseline: base.p99,
})
recordFigure({
  bench: 'policy',
  name: 'detect+redact throughput, 100 KB',
  value: ours.throughput,
  unit: 'MB/s',
  baselineName: baseline.name,
  baseline: base.throughput,
})
for (const contender of contenders.slice(1)) {
  const peer = speed.get(contender.name)
  const faster = ours.p50 < peer.p50 && ours.throughput > peer.throughput
  console.log(
    `  vs ${contender.name}: ${fixed(peer.p50 / ours.p50, 2)}× faster per KB (p50), ${fixed(ours.throughput / peer.throughput, 2)}× the MB/s → ${faster ? 'faster' : 'NOT faster'}`,
  )
  recordFigure({
    bench: 'policy',
    name: `p50 per KB vs ${contender.name}`,
    value: ours.p50,
    unit: 'µs',
    baselineName: contender.name,
    baseline: peer.p50,
    target: 'faster than the peer',
    met: faster,
  })
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
