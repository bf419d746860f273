// Compares the findings of two builds of @mima/policy: the current one (`pnpm --filter @mima/policy
// build`) and a baseline build given by path, on the labelled corpus, every bench text (also as
// 100 KB texts) and generated texts (corpus values, altered values, context words, separators and
// other characters joined at random, seeded), under several detect options. Every finding
// ({ kind, start, end, confidence }) and every redacted text must be the same. For a change meant
// to be faster only. A baseline build, e.g. of main:
//   git worktree add /tmp/mima-base main && (cd /tmp/mima-base && pnpm install --frozen-lockfile &&
//     pnpm exec turbo run build --filter=@mima/policy...)
//   node bench/policy/compare-findings.mjs /tmp/mima-base/packages/policy/dist/index.js [texts=20000]
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as current from '@mima/policy'
import { corpus, join100k, sets, VALUES } from './texts.mjs'

const baselinePath = process.argv[2]
if (baselinePath === undefined) {
  console.error('usage: node bench/policy/compare-findings.mjs <baseline dist/index.js> [generated texts]')
  process.exit(2)
}
const baseline = await import(pathToFileURL(resolve(baselinePath)).href)
const generatedCount = Number(process.argv[3] ?? 20000)

const OPTIONS = [
  {},
  { minConfidence: 0.3 },
  { minConfidence: 0.1 },
  { minConfidence: 0.9 },
  { phoneRegions: ['DE', 'BR', 'US'] },
  { exclude: ['phone', 'date'] },
  { kinds: ['us_ssn', 'phone', 'credit_card', 'de_tax_id', 'date_of_birth'] },
]

let compared = 0
let differing = 0
let withFindings = 0
function compare(text, options) {
  compared++
  const before = JSON.stringify([baseline.detect(text, options), baseline.redact(text, options).text])
  const findings = current.detect(text, options)
  if (findings.length > 0) withFindings++
  const after = JSON.stringify([findings, current.redact(text, options).text])
  if (before === after) return
  differing++
  if (differing <= 10) {
    console.log(`DIFFERENT ${JSON.stringify(options)} ${JSON.stringify(text).slice(0, 300)}`)
    console.log(`  baseline ${before.slice(0, 400)}`)
    console.log(`  current  ${after.slice(0, 400)}`)
  }
}

for (const options of OPTIONS) {
  for (const { text } of corpus) compare(text, options)
  for (const set of sets) for (const text of set.texts) compare(text, options)
}
for (const set of sets) compare(set.large, {})
compare(join100k(corpus.map((item) => item.text)), {})
const fixed = compared

// generated texts: pieces joined at random
let seed = 7
const random = (limit) => {
  seed = (seed * 16807) % 2147483647
  return seed % limit
}
const WORDS = [
  'phone',
  'tel',
  'Tel.',
  'ssn',
  'SSN',
  'iban',
  'card',
  'passport',
  'DOB',
  'born',
  'date of birth',
  'tax id',
  'Steuer-ID',
  'NHS',
  'order',
  'invoice',
  '#',
  '$',
  '€',
  '£',
  'BSN',
  'PESEL',
  'SIN',
  'TFN',
  'Medicare',
  'NPI',
  'routing',
  'CPF',
  'licence',
  'Aadhaar',
  'ref',
  'id',
  'wallet',
  'email',
  'IVA',
  'NIR',
  'RRN',
  'kimlik',
  'NRIC',
  'call me',
  'mobile',
  'Handy',
  'née',
  'Ünal',
  'naïve',
  '日本',
  '😀',
  'the',
  'and',
  'version',
  'at',
  'ip',
  'mac',
]
const SEPARATORS = [
  ' ',
  ' ',
  '  ',
  '-',
  '.',
  '/',
  ':',
  ', ',
  '\n',
  '(',
  ')',
  '+',
  '\t',
  '',
  '_',
  '@',
  '\u00a0',
]
const digits = (count) => {
  let out = ''
  for (let index = 0; index < count; index++) out += String(random(10))
  return out
}
const alter = (value) => {
  const at = random(value.length)
  const code = value.charCodeAt(at)
  const changed = code >= 48 && code <= 57 ? String((code - 47) % 10) : value[at]
  return value.slice(0, at) + changed + value.slice(at + 1)
}
const PIECES = [
  () => VALUES[random(VALUES.length)],
  () => alter(VALUES[random(VALUES.length)]),
  () => VALUES[random(VALUES.length)].slice(1),
  () => `${VALUES[random(VALUES.length)]}${random(10)}`,
  () => WORDS[random(WORDS.length)],
  () => SEPARATORS[random(SEPARATORS.length)],
  () => digits(1 + random(20)),
  () => `${digits(1 + random(4))}${SEPARATORS[random(4) + 1]}${digits(1 + random(8))}`,
  () => `${'ABCDEFGHXYZ'[random(11)]}${'ABMNTZ'[random(6)]}${digits(2 + random(10))}`,
  () => String.fromCharCode(32 + random(400)),
]
for (let index = 0; index < generatedCount; index++) {
  let text = ''
  const pieces = random(40)
  for (let piece = 0; piece < pieces; piece++) text += PIECES[random(PIECES.length)]()
  compare(text, OPTIONS[random(OPTIONS.length)])
}

console.log(
  `${compared} comparisons (${fixed} on the corpus and bench texts, ${compared - fixed} generated; ${withFindings} with findings): ${differing} different`,
)
process.exit(differing === 0 ? 0 : 1)
