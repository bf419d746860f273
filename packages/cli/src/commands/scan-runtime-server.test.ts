import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInProcess } from './run-in-process.test-helper'

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'scanner', 'test', 'fixtures')
let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
}, 60_000)
afterAll(async () => {
  await server?.close()
})

describe('mima scan --runtime server', () => {
  it('joins the static sites with the guard events the server holds', async () => {
    const ingest = await server.createKey('ingest')
    const site = join(FIXTURES, 'attestation', 'attested.ts')
    const events = [
      {
        ts: '2026-12-06T09:00:00Z',
        call: 'openai.chat.completions.create',
        call_site: `${site}:54:50`,
        attested: false,
        pid: 1,
      },
      {
        ts: '2026-12-06T09:00:01Z',
        call: 'openai.chat.completions.create',
        call_site: `${site}:14:60`,
        attested: true,
        pid: 1,
      },
      { ts: '2026-12-06T09:00:02Z', call: 'openai.responses.create', pid: 1 },
    ]
    const posted = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/guard/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    })
    expect(posted.status).toBe(201)

    const result = await runInProcess(
      ['scan', join(FIXTURES, 'attestation'), '--runtime', 'server', '--json'],
      {
        HOME: '/nonexistent-mima-home',
        PATH: process.env.PATH ?? '',
        MIMA_BASE_URL: server.baseUrl,
        MIMA_API_KEY: server.adminKey,
        MIMA_WORKSPACE_ID: server.workspaceId,
      },
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const { runtime } = JSON.parse(result.stdout)
    expect(runtime).toMatchObject({ events: 3, attested_events: 1, unmatched: 1 })
    expect(runtime.seen.map((entry: { line: number; calls: number }) => [entry.line, entry.calls])).toEqual([
      [14, 1],
      [54, 1],
    ])
  })

  it('pages with a cursor and refuses a bad cursor, limit or since with 422', async () => {
    const headers = { authorization: `Bearer ${server.adminKey}` }
    const base = `${server.baseUrl}/api/workspaces/${server.workspaceId}/scanner/runtime-events`
    const first = await (await fetch(`${base}?limit=2`, { headers })).json()
    expect(first.events).toHaveLength(2)
    const second = await (await fetch(`${base}?limit=2&cursor=${first.next_cursor}`, { headers })).json()
    expect(second).toMatchObject({
      events: [{ call: 'openai.responses.create', call_site: null, attested: false }],
      next_cursor: null,
    })
    for (const query of ['cursor=nope', 'limit=0', 'limit=5000', 'since=yesterday']) {
      const response = await fetch(`${base}?${query}`, { headers })
      expect(response.status, query).toBe(422)
    }
  })

  it("mima push ai-bom sends the scan's BOM as evidence for a system; the server refuses what is not CycloneDX", async () => {
    const env = {
      HOME: '/nonexistent-mima-home',
      PATH: process.env.PATH ?? '',
      MIMA_BASE_URL: server.baseUrl,
      MIMA_API_KEY: await server.createKey('ingest'),
      MIMA_WORKSPACE_ID: server.workspaceId,
    }
    const file = join(mkdtempSync(join(tmpdir(), 'mima-push-bom-')), 'bom.json')
    expect(
      (await runInProcess(['scan', join(FIXTURES, 'sdks'), '--bom', 'cyclonedx', '-o', file], env)).code,
    ).toBe(0)
    const pushed = await runInProcess(
      ['push', 'ai-bom', '--file', file, '--system', 'checkout', '--json'],
      env,
    )
    expect(pushed.stderr).toBe('')
    expect(pushed.code).toBe(0)
    const stored = JSON.parse(pushed.stdout)
    expect(stored).toMatchObject({ system_name: 'checkout', spec_version: '1.6', services: 2 })
    expect(stored.digest).toMatch(/^[0-9a-f]{64}$/)
    const listed = await (
      await fetch(
        `${server.baseUrl}/api/workspaces/${server.workspaceId}/scanner/ai-boms?system_name=checkout`,
        {
          headers: { authorization: `Bearer ${server.adminKey}` },
        },
      )
    ).json()
    expect(listed.boms.map((bom: { bom_id: string }) => bom.bom_id)).toEqual([stored.bom_id])

    const refused = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/scanner/ai-boms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ system_name: 'checkout', bom: { bomFormat: 'SPDX' } }),
    })
    expect(refused.status).toBe(422)
    expect((await runInProcess(['push', 'ai-bom', '--file', file], env)).code).toBe(2)
  })
})
