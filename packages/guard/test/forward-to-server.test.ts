import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runNode } from './child-process'

// The quickstart flagged an unattested call, yet the dashboard and `mima posture` said "No
// unattested AI calls": the guard only wrote locally. With a Mima connection in the process it now
// reports to the server as well.
let llm: FakeLlmServer
let mima: Server
let mimaUrl: string
const received: Array<{ path: string; authorization: string | undefined; events: unknown[] }> = []
const directory = mkdtempSync(join(tmpdir(), 'mima-guard-forward-'))

beforeAll(async () => {
  llm = await createFakeLlmServer()
  mima = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const events = (JSON.parse(body || '{}') as { events?: unknown[] }).events ?? []
      received.push({ path: request.url ?? '', authorization: request.headers.authorization, events })
      response.writeHead(201, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ accepted: events.length }))
    })
  })
  await new Promise<void>((resolve) => mima.listen(0, '127.0.0.1', resolve))
  mimaUrl = `http://127.0.0.1:${(mima.address() as { port: number }).port}`
})
afterAll(async () => {
  await llm.close()
  mima.close()
  rmSync(directory, { recursive: true, force: true })
})

function reportTwoCalls(env: Record<string, string>, log: string) {
  return runNode(['test/fixtures/report-calls.mjs'], {
    FAKE_ANTHROPIC_URL: llm.anthropicBaseUrl,
    GUARD_SOCKET: join(directory, 'no-daemon.sock'),
    GUARD_FALLBACK_LOG: log,
    NODE_NO_WARNINGS: '1',
    ...env,
  })
}

it('sends unattested-call reports to the Mima server when the process has a connection, and logs them locally', async () => {
  const log = join(directory, 'with-connection.jsonl')
  const result = await reportTwoCalls(
    { MIMA_API_KEY: 'mima_ingest_key', MIMA_BASE_URL: mimaUrl, MIMA_WORKSPACE_ID: 'ws-1' },
    log,
  )
  expect(result).toMatchObject({ code: 0, stderr: '' })
  const events = received.flatMap((request) => request.events) as Array<Record<string, unknown>>
  expect(received.every((request) => request.path === '/api/workspaces/ws-1/guard/events')).toBe(true)
  expect(received[0]?.authorization).toBe('Bearer mima_ingest_key')
  expect(events).toHaveLength(2)
  expect(events[0]).toMatchObject({
    call: 'anthropic.messages.create',
    attested: false,
    workspace_id: 'ws-1',
  })
  expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2)
})

it('stays local without a connection', async () => {
  received.length = 0
  const log = join(directory, 'without-connection.jsonl')
  const result = await reportTwoCalls({}, log)
  expect(result).toMatchObject({ code: 0, stderr: '' })
  expect(received).toEqual([])
  expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2)
})
