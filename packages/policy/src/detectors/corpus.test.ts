import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadCorpus, scoreCorpus, totals } from './corpus-score'
import { detect } from './detect'

const corpus = loadCorpus(join(import.meta.dirname, '../../corpus/pii-corpus.txt'))

describe('the labelled corpus', () => {
  test('precision ≥ 0.97 and recall ≥ 0.95 overall, printed per kind', () => {
    const scores = scoreCorpus(corpus, (text) => detect(text))
    const rows = [...scores.entries()].sort(([a], [b]) => a.localeCompare(b))
    const lines = rows.map(([kind, score]) => {
      const precision = score.truePositives / Math.max(1, score.truePositives + score.falsePositives)
      const recall = score.truePositives / Math.max(1, score.truePositives + score.falseNegatives)
      return `${kind.padEnd(26)} P ${precision.toFixed(2)}  R ${recall.toFixed(2)}  (tp ${score.truePositives}, fp ${score.falsePositives}, fn ${score.falseNegatives})`
    })
    const overall = totals(scores)
    console.log(
      `corpus: ${corpus.length} texts, ${corpus.reduce((sum, item) => sum + item.labels.length, 0)} labelled values\n${lines.join('\n')}\noverall P ${overall.precision.toFixed(3)} R ${overall.recall.toFixed(3)} F1 ${overall.f1.toFixed(3)}`,
    )
    expect(overall.precision).toBeGreaterThanOrEqual(0.97)
    expect(overall.recall).toBeGreaterThanOrEqual(0.95)
  })

  test('every kind in the corpus has labelled positives and none is missed entirely', () => {
    const scores = scoreCorpus(corpus, (text) => detect(text))
    for (const [kind, score] of scores) {
      if (score.truePositives + score.falseNegatives > 0) expect(score.truePositives, kind).toBeGreaterThan(0)
    }
  })
})
