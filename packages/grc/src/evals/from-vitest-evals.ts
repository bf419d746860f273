import { MimaError } from '@mima/core'
import type { GrcRecord } from '../records/validate-grc-record'
import {
  type EvalEvidenceOptions,
  type EvalSummary,
  mean,
  modelEvaluationRecord,
  parseResults,
} from './eval-evidence'

/** What vitest-evals stores on each eval test (`task.meta.eval`), as vitest's JSON reporter writes it. */
interface EvalMeta {
  readonly scores?: readonly { readonly name?: string; readonly score?: number | null }[]
  readonly avgScore?: number
  readonly thresholdFailed?: boolean
}

interface AssertionResult {
  readonly status?: string
  readonly meta?: { readonly eval?: EvalMeta }
}

/**
 * Turns a vitest JSON report of `vitest-evals` suites (`vitest --reporter=json
 * --outputFile.json=vitest-results.json`) into one `model_evaluation` record for `modelId` (the
 * model the evals ran against; the report does not say): `accuracy` is the mean eval score, each
 * judge's mean score is a metric, and `passed_threshold` says whether every eval met its threshold.
 */
export function fromVitestEvals(
  report: unknown,
  options: EvalEvidenceOptions & { readonly modelId: string },
): GrcRecord {
  if (typeof options?.modelId !== 'string' || options.modelId === '') {
    throw new MimaError(
      'validation_failed',
      'fromVitestEvals needs { modelId }: the model the evals ran against.',
    )
  }
  const document = parseResults(report, 'vitest report') as {
    testResults?: readonly {
      readonly name?: string
      readonly assertionResults?: readonly AssertionResult[]
    }[]
    startTime?: number
  }
  const evals = (document?.testResults ?? [])
    .flatMap((file) => file.assertionResults ?? [])
    .filter((result) => result.meta?.eval !== undefined)
  if (evals.length === 0) {
    throw new MimaError(
      'validation_failed',
      'vitest report: no eval results (tests with meta.eval); run the vitest-evals suites with `--reporter=json`.',
    )
  }
  const byJudge = new Map<string, number[]>()
  for (const result of evals) {
    for (const score of result.meta?.eval?.scores ?? []) {
      if (typeof score.score !== 'number') continue
      const name = score.name ?? 'score'
      byJudge.set(name, [...(byJudge.get(name) ?? []), score.score])
    }
  }
  const averages = evals
    .map((result) => result.meta?.eval?.avgScore)
    .filter((value): value is number => typeof value === 'number')
  const passed = evals.filter(
    (result) => result.status === 'passed' && result.meta?.eval?.thresholdFailed !== true,
  ).length
  const metrics: Record<string, number> = {}
  for (const [name, values] of byJudge) metrics[name] = mean(values) as number
  const summary: EvalSummary = {
    source: 'vitest-evals',
    modelId: options.modelId,
    dataset: 'vitest-evals',
    accuracy: mean(averages) ?? 0,
    metrics,
    tests: { total: evals.length, passed, failed: evals.length - passed },
    passed: passed === evals.length,
    ...(typeof document.startTime === 'number'
      ? { evaluationDate: new Date(document.startTime).toISOString().slice(0, 10) }
      : {}),
  }
  return modelEvaluationRecord(summary, options)
}
