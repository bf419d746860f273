import { MimaError } from '@mima/core'
import type { GrcRecord } from '../records/validate-grc-record'
import {
  type EvalEvidenceOptions,
  type EvalSummary,
  mean,
  modelEvaluationRecord,
  parseResults,
} from './eval-evidence'

/** One row of promptfoo's `results.results` (an `EvaluateResult`). */
interface PromptfooResult {
  readonly provider?: { readonly id?: string; readonly label?: string } | string
  readonly success?: boolean
  readonly score?: number
  readonly error?: string | null
  readonly namedScores?: Readonly<Record<string, number>>
  readonly gradingResult?: { readonly namedScores?: Readonly<Record<string, number>> } | null
}

function providerName(result: PromptfooResult): string {
  const provider = result.provider
  if (typeof provider === 'string') return provider
  return provider?.label || provider?.id || 'unknown-provider'
}

/**
 * Turns promptfoo's results JSON (`promptfoo eval --output results.json`) into `model_evaluation`
 * evidence: one record per provider (model), with the pass rate as `accuracy`, the mean of each
 * named score, the test counts, and `passed_threshold` (every test passed, or the pass rate reaches
 * `threshold`). Takes the file's text or its parsed value.
 *
 * @example
 * ```ts
 * const records = fromPromptfoo(readFileSync('results.json', 'utf8'), { systemName: 'support-bot' })
 * for (const record of records) await mima.pushEvidence(record)
 * ```
 */
export function fromPromptfoo(results: unknown, options: EvalEvidenceOptions = {}): GrcRecord[] {
  const document = parseResults(results, 'promptfoo results') as {
    evalId?: string
    results?: { results?: unknown; timestamp?: string }
    config?: { description?: string }
    shareableUrl?: string | null
  }
  const rows = document?.results?.results
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new MimaError(
      'validation_failed',
      'promptfoo results: expected `results.results` with at least one test result (write it with `promptfoo eval --output results.json`).',
    )
  }
  const byProvider = new Map<string, PromptfooResult[]>()
  for (const row of rows as PromptfooResult[]) {
    const name = providerName(row)
    const list = byProvider.get(name) ?? []
    list.push(row)
    byProvider.set(name, list)
  }
  const dataset = document.config?.description || 'promptfoo'
  return [...byProvider].map(([modelId, providerRows]) => {
    const passed = providerRows.filter((row) => row.success === true).length
    const named = new Map<string, number[]>()
    for (const row of providerRows) {
      for (const [name, value] of Object.entries(row.namedScores ?? row.gradingResult?.namedScores ?? {})) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue
        named.set(name, [...(named.get(name) ?? []), value])
      }
    }
    const scores = providerRows.flatMap((row) => (typeof row.score === 'number' ? [row.score] : []))
    const metrics: Record<string, number> = { pass_rate: passed / providerRows.length }
    const meanScore = mean(scores)
    if (meanScore !== undefined) metrics.mean_score = meanScore
    for (const [name, values] of named) metrics[name] = mean(values) as number
    const summary: EvalSummary = {
      source: 'promptfoo',
      modelId,
      dataset,
      accuracy: passed / providerRows.length,
      metrics,
      tests: { total: providerRows.length, passed, failed: providerRows.length - passed },
      passed: passed === providerRows.length,
      ...(document.results?.timestamp ? { evaluationDate: document.results.timestamp.slice(0, 10) } : {}),
      details: {
        ...(document.evalId ? { eval_id: document.evalId } : {}),
        ...(document.shareableUrl ? { url: document.shareableUrl } : {}),
      },
    }
    return modelEvaluationRecord(summary, options)
  })
}
