// The labelled corpus (corpus/pii-corpus.txt) and its scoring, shared by the corpus test. A line
// marks each value as [[kind|value]]; `\n` in a value is a newline; `#` lines are comments.
import { readFileSync } from 'node:fs'

export interface LabelledText {
  readonly text: string
  readonly labels: readonly { readonly kind: string; readonly start: number; readonly end: number }[]
}

export interface Span {
  readonly kind: string
  readonly start: number
  readonly end: number
}

export interface KindScore {
  truePositives: number
  falsePositives: number
  falseNegatives: number
}

const MARK = /\[\[([a-z0-9_]+)\|((?:(?!\]\]).)+)\]\]/g

export function parseCorpus(source: string): LabelledText[] {
  const texts: LabelledText[] = []
  for (const line of source.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    let text = ''
    let cursor = 0
    const labels: { kind: string; start: number; end: number }[] = []
    for (const match of line.matchAll(MARK)) {
      text += line.slice(cursor, match.index).replaceAll('\\n', '\n')
      const value = (match[2] as string).replaceAll('\\n', '\n')
      labels.push({ kind: match[1] as string, start: text.length, end: text.length + value.length })
      text += value
      cursor = match.index + match[0].length
    }
    text += line.slice(cursor).replaceAll('\\n', '\n')
    texts.push({ text, labels })
  }
  return texts
}

export function loadCorpus(path: string): LabelledText[] {
  return parseCorpus(readFileSync(path, 'utf8'))
}

function overlapRatio(a: Span, b: Span): number {
  const intersection = Math.min(a.end, b.end) - Math.max(a.start, b.start)
  if (intersection <= 0) return 0
  return intersection / (Math.max(a.end, b.end) - Math.min(a.start, b.start))
}

/**
 * Scores predictions against the labels: a prediction is a true positive when it overlaps an
 * unmatched label by at least half their union and (unless `anyKind`) has the same kind.
 */
export function scoreCorpus(
  corpus: readonly LabelledText[],
  predict: (text: string) => readonly Span[],
  anyKind = false,
): Map<string, KindScore> {
  const scores = new Map<string, KindScore>()
  const scoreOf = (kind: string): KindScore => {
    const key = anyKind ? 'any' : kind
    let score = scores.get(key)
    if (score === undefined) {
      score = { truePositives: 0, falsePositives: 0, falseNegatives: 0 }
      scores.set(key, score)
    }
    return score
  }
  for (const item of corpus) {
    const matched = new Set<number>()
    for (const prediction of predict(item.text)) {
      const index = item.labels.findIndex(
        (label, position) =>
          !matched.has(position) &&
          (anyKind || label.kind === prediction.kind) &&
          overlapRatio(label, prediction) >= 0.5,
      )
      if (index >= 0) {
        matched.add(index)
        scoreOf(prediction.kind).truePositives++
      } else scoreOf(prediction.kind).falsePositives++
    }
    item.labels.forEach((label, position) => {
      if (!matched.has(position)) scoreOf(label.kind).falseNegatives++
    })
  }
  return scores
}

export function totals(scores: Map<string, KindScore>): { precision: number; recall: number; f1: number } {
  let truePositives = 0
  let falsePositives = 0
  let falseNegatives = 0
  for (const score of scores.values()) {
    truePositives += score.truePositives
    falsePositives += score.falsePositives
    falseNegatives += score.falseNegatives
  }
  const precision = truePositives / Math.max(1, truePositives + falsePositives)
  const recall = truePositives / Math.max(1, truePositives + falseNegatives)
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  }
}
