import { canonicalJson, MimaError } from '@mima/core'
import type { DateInput, EvaluationType } from '../records/builder-inputs'
import { createGrcRecordBuilder } from '../records/create-grc-record-builder'
import type { GrcRecord } from '../records/validate-grc-record'

/** Options shared by the eval adapters (`fromPromptfoo`, `fromVitestEvals`, `fromLangfuseScores`). */
export interface EvalEvidenceOptions {
  /** The system the evidence belongs to (default `MIMA_SYSTEM_NAME`, then the builder's default). */
  readonly systemName?: string
  /** Who ran the evaluation (default: the CI identity, then the tool's name). */
  readonly evaluatedBy?: string
  /** The data set's name (default: what the results file names, then the tool's name). */
  readonly dataset?: string
  /** Default `triggered` (an eval run in CI or on demand). */
  readonly evaluationType?: EvaluationType
  /** `passed_threshold` is `accuracy >= threshold` (default: every test passed). */
  readonly threshold?: number
  /** The environment whose CI identity is read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** What one eval run measured for one model, before it becomes a `model_evaluation` record. */
export interface EvalSummary {
  readonly source: string
  readonly modelId: string
  readonly dataset: string
  /** 0–1: the pass rate or the mean quality score. */
  readonly accuracy: number
  /** Mean score of each named metric. */
  readonly metrics: Readonly<Record<string, number>>
  readonly tests?: { readonly total: number; readonly passed: number; readonly failed: number }
  /** Whether the run passed by the tool's own rules (every test passed), when known. */
  readonly passed?: boolean
  readonly biasMetrics?: Readonly<Record<string, number>>
  readonly robustnessScore?: number
  readonly evaluationDate?: DateInput
  /** Extra facts for the notes (run id, URL, …). */
  readonly details?: Readonly<Record<string, unknown>>
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000

/** The CI identity (reference §8): GitHub, GitLab, then a generic CI actor. */
export function ciIdentity(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.GITHUB_ACTOR)
    return `github:${env.GITHUB_ACTOR}${env.GITHUB_SHA ? `@${env.GITHUB_SHA.slice(0, 8)}` : ''}`
  if (env.GITLAB_USER_LOGIN)
    return `gitlab:${env.GITLAB_USER_LOGIN}${env.CI_COMMIT_SHORT_SHA ? `@${env.CI_COMMIT_SHORT_SHA}` : ''}`
  const actor = env.CI_ACTOR ?? env.CI_USER
  if (actor) {
    const sha = env.CI_COMMIT_SHA ?? env.CI_COMMIT
    return `ci:${actor}${sha ? `@${sha.slice(0, 8)}` : ''}`
  }
  return undefined
}

/** The mean of `values` (undefined when empty). */
export function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length
}

/** Builds the validated `model_evaluation` record of one summary. */
export function modelEvaluationRecord(summary: EvalSummary, options: EvalEvidenceOptions = {}): GrcRecord {
  const env =
    options.env ??
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ??
    {}
  if (options.threshold !== undefined && !(options.threshold >= 0 && options.threshold <= 1)) {
    throw new MimaError(
      'validation_failed',
      `threshold must be a number from 0 to 1, got ${String(options.threshold)}.`,
    )
  }
  const accuracy = round4(summary.accuracy)
  const passedThreshold = options.threshold === undefined ? summary.passed : accuracy >= options.threshold
  const metrics = Object.fromEntries(
    Object.entries(summary.metrics).map(([name, value]) => [name, round4(value)]),
  )
  const notes = canonicalJson({
    source: summary.source,
    metrics,
    ...(summary.tests === undefined ? {} : { tests: summary.tests }),
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    ...(summary.details ?? {}),
  })
  const systemName = options.systemName ?? (env.MIMA_SYSTEM_NAME?.trim() || undefined)
  return createGrcRecordBuilder(systemName === undefined ? {} : { systemName }).modelEvaluation({
    modelId: summary.modelId,
    dataset: options.dataset ?? summary.dataset,
    accuracy,
    evaluatedBy: options.evaluatedBy ?? ciIdentity(env) ?? summary.source,
    evaluationType: options.evaluationType ?? 'triggered',
    ...(summary.biasMetrics === undefined || Object.keys(summary.biasMetrics).length === 0
      ? {}
      : { biasMetrics: summary.biasMetrics }),
    ...(summary.robustnessScore === undefined ? {} : { robustnessScore: round4(summary.robustnessScore) }),
    ...(passedThreshold === undefined ? {} : { passedThreshold }),
    ...(summary.evaluationDate === undefined ? {} : { evaluationDate: summary.evaluationDate }),
    notes,
  })
}

/** Reads a JSON document given as text or as an already parsed value. */
export function parseResults(input: unknown, what: string): unknown {
  if (typeof input !== 'string') return input
  try {
    return JSON.parse(input)
  } catch (error) {
    throw new MimaError('validation_failed', `${what}: not valid JSON (${(error as Error).message}).`)
  }
}
