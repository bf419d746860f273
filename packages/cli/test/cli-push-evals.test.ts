import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHome, runMimaInProcess } from './run-mima'

const promptfooResults = {
  evalId: 'eval-1',
  results: {
    version: 3,
    timestamp: '2026-12-01T10:00:00.000Z',
    results: [
      { provider: { id: 'openai:gpt-4o-mini' }, success: true, score: 1, namedScores: {} },
      { provider: { id: 'openai:gpt-4o-mini' }, success: false, score: 0, namedScores: {} },
      { provider: { id: 'openai:gpt-4o' }, success: true, score: 1, namedScores: {} },
    ],
    stats: { successes: 2, failures: 1, errors: 0 },
  },
  config: { description: 'golden set v3' },
}

let server: TestServer
let home: string
let file: string

beforeAll(async () => {
  server = await startTestServer()
  home = await createHome()
  file = join(home, 'results.json')
  await writeFile(file, JSON.stringify(promptfooResults))
})

afterAll(async () => {
  await server?.close()
})

describe('mima push model_evaluation --from-promptfoo', () => {
  it('checks the records offline with --dry-run: one per provider, and the controls they earn', async () => {
    const result = await runMimaInProcess(
      [
        'push',
        'model_evaluation',
        '--from-promptfoo',
        file,
        '--dry-run',
        '--json',
        '--system-name',
        'support-bot',
      ],
      { home },
    )
    expect(result.code, result.stderr).toBe(0)
    const body = JSON.parse(result.stdout) as {
      records: {
        record: { payload: Record<string, unknown>; system_name: string }
        mapped_controls: string[]
      }[]
    }
    expect(body.records.map((entry) => entry.record.payload.model_id)).toEqual([
      'openai:gpt-4o-mini',
      'openai:gpt-4o',
    ])
    expect(body.records[0]?.record.payload).toMatchObject({
      accuracy: 0.5,
      passed_threshold: false,
      dataset: 'golden set v3',
    })
    expect(body.records[0]?.record.system_name).toBe('support-bot')
    expect(body.records[0]?.mapped_controls.length).toBeGreaterThan(0)
  })

  it('pushes the records to the server, with the pass/fail threshold applied', async () => {
    const env = {
      MIMA_BASE_URL: server.baseUrl,
      MIMA_API_KEY: server.adminKey,
      MIMA_WORKSPACE_ID: server.workspaceId,
    }
    const result = await runMimaInProcess(
      [
        'push',
        'model_evaluation',
        '--from-promptfoo',
        file,
        '--threshold',
        '0.5',
        '--evaluated-by',
        'ci@example.com',
        '--json',
      ],
      { home, env },
    )
    expect(result.code, result.stderr).toBe(0)
    const body = JSON.parse(result.stdout) as { records: { record_id: string }[] }
    expect(body.records).toHaveLength(2)
    const listed = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/grc/evidence?record_type=model_evaluation`,
      { headers: { authorization: `Bearer ${server.adminKey}` } },
    )
    const { records } = (await listed.json()) as {
      records: { record_id: string; payload: Record<string, unknown> }[]
    }
    const stored = records.filter((record) =>
      body.records.some((sent) => sent.record_id === record.record_id),
    )
    expect(stored).toHaveLength(2)
    for (const record of stored)
      expect(record.payload).toMatchObject({ passed_threshold: true, evaluated_by: 'ci@example.com' })
  })

  it('exits 2 for a missing file or a flag the file replaces, and 1 for a file that is not promptfoo output', async () => {
    const missing = await runMimaInProcess(
      ['push', 'model_evaluation', '--from-promptfoo', join(home, 'nope.json'), '--dry-run'],
      { home },
    )
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('cannot read')
    const clash = await runMimaInProcess(
      ['push', 'model_evaluation', '--from-promptfoo', file, '--accuracy', '0.9', '--dry-run'],
      { home },
    )
    expect(clash.code).toBe(2)
    const notPromptfoo = join(home, 'other.json')
    await writeFile(notPromptfoo, '{"hello": 1}')
    const refused = await runMimaInProcess(
      ['push', 'model_evaluation', '--from-promptfoo', notPromptfoo, '--dry-run'],
      { home },
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('results.results')
  })
})
