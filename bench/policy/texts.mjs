// The texts of bench/policy, shared by index.mjs (speed and accuracy) and compare-findings.mjs
// (the same findings from two builds): the labelled corpus, and the "prompts", "prose" and "dense"
// sets built from it (seeded, so every run and every contender sees the same texts).
import { readFileSync } from 'node:fs'

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
export const corpus = parseCorpus(
  readFileSync(new URL('../../packages/policy/corpus/pii-corpus.txt', import.meta.url), 'utf8'),
)

// "dense": consecutive corpus texts joined until each is about 1 KB.
export const denseTexts = []
let current = ''
for (const { text } of corpus) {
  current += `${text} `
  if (current.length >= 1000) {
    denseTexts.push(current.slice(0, 1024))
    current = ''
  }
}

// "prompts": neutral prose with a few labelled values from the corpus (seeded, so every run and
// every contender sees the same texts).
const PROSE = [
  "Hi team, following up on yesterday's call about the quarterly migration.",
  'The vendor confirmed that the new pipeline will be ready next week.',
  'We agreed to run the pilot with the analytics group first and widen it after two weeks.',
  'Please review the attached plan and leave your comments by Thursday afternoon.',
  'The staging cluster needs two more nodes before the load test can start.',
  'Dashboards should show latency percentiles instead of averages from now on.',
  'The on-call rotation will change from weekly to fortnightly in the new year.',
  'My suggestion is to keep the legacy export running for one more cycle.',
  'Finance will validate the new reports before we switch the old ones off.',
  'Summarise the customer conversation below and draft a polite reply.',
  'The customer is asking why the refund has not arrived yet and wants an update.',
  'Translate the following note into German and keep the formatting as it is.',
  'Thanks again for all the work on this; the results look promising.',
  'Can you check whether the contract renewal was signed and filed correctly?',
  'The meeting moved to the large room on the third floor because of the demo.',
  'Let me know if anything is unclear or if you need more context from me.',
]
export const VALUES = corpus.flatMap((item) =>
  item.labels.map((label) => item.text.slice(label.start, label.end)),
)
let seed = 42
const random = (limit) => {
  seed = (seed * 16807) % 2147483647
  return seed % limit
}
export const promptTexts = []
// "prose": the same prompts without their values, so the cost of the values shows on its own
export const proseTexts = []
let valueCount = 0
for (let index = 0; index < 40; index++) {
  let text = ''
  let prose = ''
  let values = 2 + random(3)
  while (text.length < 1000) {
    const sentence = `${PROSE[random(PROSE.length)]} `
    text += sentence
    prose += sentence
    if (values > 0 && random(3) === 0) {
      text += `Details: ${VALUES[random(VALUES.length)]}. `
      values--
      if (text.length <= 1024) valueCount++
    }
  }
  promptTexts.push(text.slice(0, 1024))
  proseTexts.push(prose.slice(0, 1024))
}
export const join100k = (texts) => {
  let large = ''
  for (let index = 0; large.length < 100 * 1024; index++) large += `${texts[index % texts.length]}\n`
  return large.slice(0, 100 * 1024)
}
export const sets = [
  { name: 'prompts', texts: promptTexts, large: join100k(promptTexts) },
  { name: 'prose', texts: proseTexts, large: join100k(proseTexts) },
  { name: 'dense', texts: denseTexts, large: join100k(denseTexts) },
]

/** Values in the prompts (within their first 1024 characters). */
export const promptValueCount = valueCount
