import { MimaError } from '@mima/core'
import type { GrcRecord } from '../records/validate-grc-record'
import {
  type EvalEvidenceOptions,
  type EvalSummary,
  mean,
  modelEvaluationRecord,
  parseResults,
} from './eval-evidence'

/** One Langfuse score (`GET /api/public/scores` → `data[]`, or the SDK's score objects). */
export interface LangfuseScore {
  readonly name: string
  readonly value?: number | boolean | string | null
  readonly dataType?: string
}

// The Python SDK's DeepEval/Langfuse adapters treat these as quality metrics (reference §8).
const QUALITY = new Set([
  'answer_relevancy',
  'answer relevancy',
  'faithfulness',
  'contextual_precision',
  'contextual_recall',
  'contextual_relevancy',
  'summarization',
  'task_completion',
  'g-eval',
  'geval',
  'correctness',
  'accuracy',
  'relevance',
  'helpfulness',
])

/**
 * Turns Langfuse scores into one `model_evaluation` record for `modelId`, as the Python SDK's
 * Langfuse adapter does: names are lowercased, numeric and boolean values are averaged per name,
 * other values are skipped; `accuracy` is the mean of the quality metrics (or of all metrics when
 * none is a quality metric); `bias`/`toxicity` become bias metrics and `1 − hallucination` the
 * robustness score. Takes the scores array, `{ data: scores }` (the API's answer) or its JSON text.
 */
export function fromLangfuseScores(
  scores: unknown,
  options: EvalEvidenceOptions & { readonly modelId: string },
): GrcRecord {
  if (typeof options?.modelId !== 'string' || options.modelId === '') {
    throw new MimaError(
      'validation_failed',
      'fromLangfuseScores needs { modelId }: the model the scores judge.',
    )
  }
  const document = parseResults(scores, 'Langfuse scores') as
    | readonly LangfuseScore[]
    | { data?: readonly LangfuseScore[] }
  const list = Array.isArray(document) ? document : (document as { data?: readonly LangfuseScore[] })?.data
  if (!Array.isArray(list))
    throw new MimaError('validation_failed', 'Langfuse scores: expected an array of { name, value }.')
  const byName = new Map<string, number[]>()
  for (const score of list as readonly LangfuseScore[]) {
    if (typeof score?.name !== 'string') continue
    const value = typeof score.value === 'boolean' ? (score.value ? 1 : 0) : score.value
    if (typeof value !== 'number' || !Number.isFinite(value)) continue
    const name = score.name.toLowerCase()
    byName.set(name, [...(byName.get(name) ?? []), value])
  }
  if (byName.size === 0)
    throw new MimaError('validation_failed', 'Langfuse scores: no numeric or boolean score to report.')
  const metrics: Record<string, number> = {}
  for (const [name, values] of byName) metrics[name] = mean(values) as number
  const quality = Object.entries(metrics).filter(([name]) => QUALITY.has(name))
  const rest = Object.entries(metrics).filter(
    ([name]) => !['bias', 'toxicity', 'hallucination'].includes(name),
  )
  const bias: Record<string, number> = {}
  if (metrics.bias !== undefined) bias.bias = metrics.bias
  if (metrics.toxicity !== undefined) bias.toxicity = metrics.toxicity
  const summary: EvalSummary = {
    source: 'langfuse',
    modelId: options.modelId,
    dataset: 'langfuse',
    accuracy: mean((quality.length > 0 ? quality : rest).map(([, value]) => value)) ?? 0,
    metrics,
    biasMetrics: bias,
    ...(metrics.hallucination === undefined ? {} : { robustnessScore: 1 - metrics.hallucination }),
  }
  return modelEvaluationRecord(summary, options)
}
