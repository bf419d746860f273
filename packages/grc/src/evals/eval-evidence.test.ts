import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { mapRecordToControls } from '../mapping/map-record-to-controls'
import { validateGrcRecord } from '../records/validate-grc-record'
import { ciIdentity } from './eval-evidence'
import { fromLangfuseScores } from './from-langfuse-scores'
import { fromPromptfoo } from './from-promptfoo'
import { fromVitestEvals } from './from-vitest-evals'

const promptfooResults = readFileSync(join(import.meta.dirname, 'fixtures', 'promptfoo-results.json'), 'utf8')
const env = { MIMA_SYSTEM_NAME: 'support-bot' }

describe('fromPromptfoo', () => {
  it('makes one valid model_evaluation record per provider, with pass rate, named scores and threshold', () => {
    const records = fromPromptfoo(promptfooResults, { env, evaluatedBy: 'ci@example.com' })
    expect(records).toHaveLength(2)
    const [gpt, claude] = records
    for (const record of records) validateGrcRecord(record)
    expect(gpt).toMatchObject({
      record_type: 'model_evaluation',
      system_name: 'support-bot',
      payload: {
        model_id: 'openai:gpt-4o-mini',
        dataset: 'capital-cities golden set',
        accuracy: 0.5,
        evaluated_by: 'ci@example.com',
        evaluation_type: 'triggered',
        passed_threshold: false,
      },
    })
    expect(JSON.parse(gpt?.payload.notes as string)).toEqual({
      source: 'promptfoo',
      eval_id: 'eval-7Xa-2026-12-01T10:00:00',
      metrics: { pass_rate: 0.5, mean_score: 0.75, relevance: 0.7 },
      tests: { total: 2, passed: 1, failed: 1 },
    })
    expect(claude?.payload).toMatchObject({ model_id: 'claude', accuracy: 1, passed_threshold: true })
    expect(mapRecordToControls(gpt as never).length).toBeGreaterThan(0)
  })

  it('judges passed_threshold by the given threshold and names the CI identity', () => {
    const [gpt] = fromPromptfoo(JSON.parse(promptfooResults), {
      threshold: 0.5,
      env: { ...env, GITHUB_ACTOR: 'octocat', GITHUB_SHA: '0123456789abcdef' },
    })
    expect(gpt?.payload).toMatchObject({ passed_threshold: true, evaluated_by: 'github:octocat@01234567' })
    expect(JSON.parse(gpt?.payload.notes as string).threshold).toBe(0.5)
  })

  it('refuses a file that is not promptfoo output, or a threshold outside 0–1', () => {
    expect(() => fromPromptfoo('{"results": {}}', { env })).toThrow(/results\.results/)
    expect(() => fromPromptfoo('not json', { env })).toThrow(MimaError)
    expect(() => fromPromptfoo(promptfooResults, { env, threshold: 2 })).toThrow(/threshold/)
  })
})

describe('fromVitestEvals', () => {
  // The shape vitest's JSON reporter writes for vitest-evals suites (task.meta.eval).
  const report = {
    startTime: Date.UTC(2026, 11, 2),
    testResults: [
      {
        name: '/repo/evals/support.eval.ts',
        assertionResults: [
          {
            title: 'refund policy',
            status: 'passed',
            meta: {
              eval: {
                scores: [
                  { name: 'Factuality', score: 1 },
                  { name: 'Tone', score: 0.8 },
                ],
                avgScore: 0.9,
                thresholdFailed: false,
              },
            },
          },
          {
            title: 'shipping times',
            status: 'failed',
            meta: {
              eval: {
                scores: [
                  { name: 'Factuality', score: 0.4 },
                  { name: 'Tone', score: 0.6 },
                ],
                avgScore: 0.5,
                thresholdFailed: true,
              },
            },
          },
          { title: 'a plain unit test', status: 'passed', meta: {} },
        ],
      },
    ],
  }

  it('averages the eval scores per judge and passes only when every eval met its threshold', () => {
    const record = fromVitestEvals(JSON.stringify(report), { modelId: 'gpt-4o', env })
    validateGrcRecord(record)
    expect(record.payload).toMatchObject({
      model_id: 'gpt-4o',
      accuracy: 0.7,
      passed_threshold: false,
      dataset: 'vitest-evals',
    })
    expect(JSON.parse(record.payload.notes as string)).toMatchObject({
      metrics: { Factuality: 0.7, Tone: 0.7 },
      tests: { total: 2, passed: 1, failed: 1 },
    })
    expect(record.occurred_at?.slice(0, 10)).toBe('2026-12-02')
  })

  it('refuses a report without evals and a call without the model id', () => {
    expect(() => fromVitestEvals({ testResults: [] }, { modelId: 'gpt-4o', env })).toThrow(/no eval results/)
    expect(() => fromVitestEvals(report, { modelId: '', env })).toThrow(/modelId/)
  })
})

describe('fromLangfuseScores', () => {
  it('maps quality, bias and hallucination scores as the Python adapter does', () => {
    const record = fromLangfuseScores(
      {
        data: [
          { name: 'Faithfulness', value: 0.9, dataType: 'NUMERIC' },
          { name: 'faithfulness', value: 0.7, dataType: 'NUMERIC' },
          { name: 'answer_relevancy', value: true, dataType: 'BOOLEAN' },
          { name: 'toxicity', value: 0.1 },
          { name: 'hallucination', value: 0.2 },
          { name: 'tone', value: 'friendly', dataType: 'CATEGORICAL' },
        ],
      },
      { modelId: 'gpt-4o', env },
    )
    validateGrcRecord(record)
    expect(record.payload).toMatchObject({
      accuracy: 0.9,
      bias_metrics: { toxicity: 0.1 },
      robustness_score: 0.8,
      evaluated_by: 'langfuse',
      dataset: 'langfuse',
    })
    expect(JSON.parse(record.payload.notes as string).metrics).toEqual({
      faithfulness: 0.8,
      answer_relevancy: 1,
      toxicity: 0.1,
      hallucination: 0.2,
    })
  })

  it('refuses scores without a numeric value', () => {
    expect(() => fromLangfuseScores([{ name: 'tone', value: 'ok' }], { modelId: 'm', env })).toThrow(
      /no numeric/,
    )
  })
})

it('ciIdentity reads GitHub, GitLab and generic CI variables, in that order', () => {
  expect(ciIdentity({ GITLAB_USER_LOGIN: 'ann', CI_COMMIT_SHORT_SHA: 'abc123' })).toBe('gitlab:ann@abc123')
  expect(ciIdentity({ CI_ACTOR: 'bot', CI_COMMIT_SHA: 'ffffffffffff' })).toBe('ci:bot@ffffffff')
  expect(ciIdentity({})).toBeUndefined()
})
