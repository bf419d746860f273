import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_HINT, findChromium } from '../../../scripts/find-chromium.mjs'
import { createHome, runMima, runMimaInProcess } from './run-mima'

let server: TestServer
let env: Record<string, string>

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return response.json()
}

beforeAll(async () => {
  server = await startTestServer()
  env = {
    MIMA_BASE_URL: server.baseUrl,
    MIMA_API_KEY: server.adminKey,
    MIMA_WORKSPACE_ID: server.workspaceId,
  }
  const record = {
    system_name: 'support-bot',
    agent_name: 'triage',
    tool_name: 'chat',
    model_id: 'gpt-4o-mini',
    input_hash: 'a'.repeat(64),
    output_hash: 'b'.repeat(64),
    executed_at: new Date().toISOString(),
    duration_ms: 80,
  }
  await api('POST', '/governance/attestations/batch', {
    records: [record, { ...record, tool_name: 'search' }],
  })
})

afterAll(async () => {
  await server?.close()
})

describe('mima report', { timeout: 120_000 }, () => {
  it('prints the Article 12 report with a status per requirement and the ledger check', async () => {
    const home = await createHome()
    const text = await runMimaInProcess(['report', 'article12', '--system', 'support-bot'], { home, env })
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('EU AI Act Article 12 record-keeping report')
    expect(text.stdout).toMatch(/1\. .*compliant.* Recording of events/)
    expect(text.stdout).toContain('Human oversight')
    expect(text.stdout).toContain('Ledger verified')

    const json = await runMimaInProcess(['report', 'article12', '--json', '--since', '30d'], { home, env })
    expect(json.code, json.stderr).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(report.sections).toHaveLength(7)
    expect(report.sections[0].data.calls).toBe(2)
    expect(report.chain_integrity_status).toBe('verified')

    // No oversight or monitoring records: --strict fails the run (a CI step).
    const strict = await runMimaInProcess(['report', 'article12', '--strict'], { home, env })
    expect(strict.code).toBe(1)
  })

  it('writes Markdown and a PDF, and prints the summary for an agent', async () => {
    const home = await createHome()
    const markdown = await runMimaInProcess(['report', 'article12', '--format', 'md'], { home, env })
    expect(markdown.code, markdown.stderr).toBe(0)
    expect(markdown.stdout).toContain('## 1. Recording of events')

    if (findChromium() === undefined) throw new Error(CHROMIUM_HINT)
    // A relative --out lands in the working directory: a real process, started in HOME.
    const pdf = await runMima(['report', 'article12', '--format', 'pdf', '--out', 'art12.pdf'], { home, env })
    expect(pdf.code, pdf.stderr).toBe(0)
    const bytes = await readFile(join(home, 'art12.pdf'))
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')

    const summary = await runMimaInProcess(['report', 'summary', '--agent', 'triage', '--json'], {
      home,
      env,
    })
    expect(summary.code, summary.stderr).toBe(0)
    expect(JSON.parse(summary.stdout).sections.map((section: { id: string }) => section.id)).toContain(
      'spend',
    )
  })

  it('refuses a summary without a subject and a bad date as usage errors (exit 2)', async () => {
    const home = await createHome()
    const noSubject = await runMimaInProcess(['report', 'summary'], { home, env })
    expect(noSubject.code).toBe(2)
    expect(noSubject.stderr).toContain('--agent NAME or --system NAME')
    const badDate = await runMimaInProcess(['report', 'article12', '--since', 'last-tuesday'], { home, env })
    expect(badDate.code).toBe(2)
    expect(badDate.stderr).toContain('--since')
  })
})
