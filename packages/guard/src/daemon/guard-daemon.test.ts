import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { type AddressInfo, createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createFakeLlmServer, type FakeLlmServer, waitFor } from '@mima-internal/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runNode } from '../../test/child-process'
import { completeLogLines } from '../report/jsonl-log'
import { guardDaemonStatus, startGuardDaemon, stopGuardDaemon } from './guard-daemon-control'

interface Received {
  path: string
  authorization: string | undefined
  events: Array<Record<string, unknown>>
}

let llm: FakeLlmServer
let mima: Server
let mimaUrl: string
const received: Received[] = []
let directory: string

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
    })
    request.on('end', () => resolve(text))
  })
}

beforeAll(async () => {
  llm = await createFakeLlmServer()
  // A stand-in for the Mima server's two endpoints the forwarder calls.
  mima = createServer(async (request, response) => {
    const text = await body(request)
    const authorized = request.headers.authorization === 'Bearer key-1'
    response.setHeader('content-type', 'application/json')
    if (!authorized) {
      response.writeHead(401).end('{"error":{"code":"unauthorized"}}')
    } else if (request.method === 'GET' && request.url === '/api/me') {
      response.end('{"workspace_id":"ws-daemon"}')
    } else if (request.method === 'POST' && request.url === '/api/workspaces/ws-daemon/guard/events') {
      const events = (JSON.parse(text) as { events: Received['events'] }).events
      received.push({ path: request.url, authorization: request.headers.authorization, events })
      response.writeHead(202).end(`{"accepted":${events.length}}`)
    } else {
      response.writeHead(404).end('{}')
    }
  })
  await new Promise<void>((resolve) => mima.listen(0, '127.0.0.1', resolve))
  mimaUrl = `http://127.0.0.1:${(mima.address() as AddressInfo).port}`
  directory = mkdtempSync(join(tmpdir(), 'mg-'))
})

afterAll(async () => {
  // Each test has its own socket, so a test that fails halfway leaves no daemon to the next one.
  await stopGuardDaemon({ socketPath: join(directory, 'guard', 'guard.sock') })
  await stopGuardDaemon({ socketPath: join(directory, 'guard-401', 'guard.sock') })
  await llm.close()
  await new Promise((resolve) => mima.close(resolve))
  rmSync(directory, { recursive: true, force: true })
})

/** Polls `read` until `done` holds; fails naming `what` after 45 s. */
function eventually<T>(what: string, read: () => T | Promise<T>, done: (value: T) => boolean): Promise<T> {
  return waitFor(
    async () => {
      const value = await read()
      return done(value) ? value : undefined
    },
    { what, timeoutMs: 45_000 }, // inside the 60 s test budget, so the message is the failure
  )
}

it('takes reports from many processes, writes one log, forwards them, and stops', async () => {
  const socketPath = join(directory, 'guard', 'guard.sock')
  const logPath = join(directory, 'guard_log.jsonl')
  const fallbackLog = join(directory, 'fallback.jsonl')

  expect((await guardDaemonStatus({ socketPath, logPath })).running).toBe(false)
  const started = await startGuardDaemon({
    mode: 'report',
    socketPath,
    logPath,
    forward: { baseUrl: `${mimaUrl}/api/`, apiKey: 'key-1', intervalMs: 100 },
  })
  expect(started).toMatchObject({ started: true, running: true, mode: 'report', socketPath, logPath })
  expect(started.pid).toBeGreaterThan(0)
  expect(statSync(socketPath).mode & 0o777).toBe(0o600)
  expect(statSync(dirname(socketPath)).mode & 0o777).toBe(0o700)
  expect((await startGuardDaemon({ socketPath, logPath })).started).toBe(false)

  const env = {
    GUARD_SOCKET: socketPath,
    GUARD_FALLBACK_LOG: fallbackLog,
    FAKE_LLM_URL: llm.openaiBaseUrl,
    FAKE_ANTHROPIC_URL: llm.anthropicBaseUrl,
  }
  const [commonjs, esm] = await Promise.all([
    runNode(['test/fixtures/report-calls.cjs'], env),
    runNode(['test/fixtures/report-calls.mjs'], env),
  ])
  expect(commonjs).toMatchObject({ code: 0, stderr: '' })
  expect(esm).toMatchObject({ code: 0, stderr: '' })

  // The daemon may be appending while this reads: only newline-ended lines are entries.
  const readLog = (): Array<Record<string, unknown>> =>
    existsSync(logPath)
      ? completeLogLines(readFileSync(logPath, 'utf8')).map(
          (line) => JSON.parse(line) as Record<string, unknown>,
        )
      : []
  const events = await eventually('4 events in the daemon log', readLog, (value) => value.length >= 4)
  expect(events).toHaveLength(4)
  expect(new Set(events.map((event) => event.pid)).size).toBe(2)
  expect(events.filter((event) => event.call === 'openai.chat.completions.create')).toHaveLength(2)
  expect(events.filter((event) => event.call === 'anthropic.messages.create')).toHaveLength(2)
  expect(existsSync(fallbackLog)).toBe(false) // nothing fell back: the daemon was the one writer

  const forwarded = await eventually(
    '4 events forwarded to the server',
    () => received.flatMap((batch) => batch.events),
    (value) => value.length >= 4,
  )
  expect(forwarded).toHaveLength(4)
  expect(received[0]?.authorization).toBe('Bearer key-1')

  const status = await guardDaemonStatus({ socketPath, logPath })
  expect(status).toMatchObject({
    running: true,
    pid: started.pid,
    received: 4,
    logEntries: 4,
    eventsLastHour: 4,
  })
  expect(status.forwarding).toMatchObject({ enabled: true, workspaceId: 'ws-daemon', sent: 4, pending: 0 })

  const stopped = await stopGuardDaemon({ socketPath })
  expect(stopped).toEqual({ wasRunning: true, pid: started.pid })
  expect(existsSync(socketPath)).toBe(false)
  expect((await guardDaemonStatus({ socketPath, logPath })).running).toBe(false)
  expect(await stopGuardDaemon({ socketPath })).toEqual({ wasRunning: false, pid: undefined })
})

it('stops forwarding on 401 but keeps logging, and rejects bad options clearly', async () => {
  const socketPath = join(directory, 'guard-401', 'guard.sock')
  const logPath = join(directory, 'second.jsonl')
  await startGuardDaemon({
    socketPath,
    logPath,
    forward: { baseUrl: mimaUrl, apiKey: 'wrong', workspaceId: 'ws-daemon', intervalMs: 100 },
  })
  await new Promise<void>((resolve) => {
    const socket = createConnection(socketPath, () => {
      socket.end('{"ts":"2026-01-01T00:00:00Z","call":"python.style","pid":1}\nnot json\n', () => resolve())
    })
  })
  const status = await eventually(
    'the forwarder turned off by the 401 and the one valid event logged',
    () => guardDaemonStatus({ socketPath, logPath }),
    (current) => current.forwarding?.enabled === false && current.logEntries === 1,
  )
  expect(status.forwarding?.enabled).toBe(false)
  expect(status.forwarding?.lastError).toMatch(/401/)
  expect(status.logEntries).toBe(1)
  await stopGuardDaemon({ socketPath })

  await expect(startGuardDaemon({ socketPath, mode: 'loud' as never })).rejects.toThrow(/mode must be one of/)
  await expect(startGuardDaemon({ socketPath: `/tmp/${'x'.repeat(120)}.sock` })).rejects.toThrow(
    /longer than 103/,
  )
  await expect(
    startGuardDaemon({ socketPath, forward: { baseUrl: 'not a url', apiKey: 'k' } }),
  ).rejects.toThrow(/not a URL/)
})

it('counts only finished lines of a log that is being written', async () => {
  const logPath = join(directory, 'being-written.jsonl')
  const socketPath = join(directory, 'none', 'guard.sock')
  writeFileSync(logPath, '')
  expect((await guardDaemonStatus({ socketPath, logPath })).logEntries).toBe(0)
  writeFileSync(logPath, `{"ts":"${new Date().toISOString()}","call":"a"}\n\n{"ts":"2026-01-01T00:0`)
  const status = await guardDaemonStatus({ socketPath, logPath })
  expect(status).toMatchObject({ running: false, logEntries: 1, eventsLastHour: 1 })
})

it('counts the calls a counted line stands for in the last hour', async () => {
  const logPath = join(directory, 'counted.jsonl')
  const socketPath = join(directory, 'none', 'guard.sock')
  const now = new Date().toISOString()
  writeFileSync(
    logPath,
    `{"ts":"${now}","call":"a"}\n{"ts":"${now}","call":"a","call_site":"x.ts:1:1","calls":41,"call_site_sampled":true}\n{"ts":"2020-01-01T00:00:00.000Z","call":"a","calls":9}\n`,
  )
  const status = await guardDaemonStatus({ socketPath, logPath })
  expect(status).toMatchObject({ logEntries: 3, eventsLastHour: 42 })
})
