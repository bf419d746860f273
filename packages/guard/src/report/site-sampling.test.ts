import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { disableGuard, enableGuard, flushGuardReports, guardStatus } from '../guard/enable-guard'
import type { GuardEvent, GuardOptions } from '../guard/guard-options'
import { sitesPerWindow } from './site-sampling'

// Report mode past `callSitesPerSecond`: calls are counted into lines that carry the method's last
// resolved site (decision 0042). Calls fired in one tick reach the guard within a few milliseconds,
// far past one resolved site per 10 ms window.

const THIS_FILE = 'src/report/site-sampling.test.ts'
const messages = [{ role: 'user' as const, content: 'hi' }]
let server: FakeLlmServer
let directory: string

beforeAll(async () => {
  server = await createFakeLlmServer()
})
afterAll(async () => {
  await server.close()
})
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-sites-'))
})
afterEach(async () => {
  await disableGuard()
  rmSync(directory, { recursive: true, force: true })
})

function enable(extra: GuardOptions = {}): OpenAI {
  enableGuard({
    mode: 'report',
    logPath: join(directory, 'guard_log.jsonl'),
    socketPath: join(directory, 'no-daemon.sock'),
    forward: false,
    ...extra,
  })
  return new OpenAI({ apiKey: 'test', baseURL: server.openaiBaseUrl, maxRetries: 0 })
}

async function loggedEvents(): Promise<GuardEvent[]> {
  await flushGuardReports()
  return readFileSync(join(directory, 'guard_log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as GuardEvent)
}

const callsIn = (events: readonly GuardEvent[]): number =>
  events.reduce((sum, event) => sum + (event.calls ?? 1), 0)
const lineOf = (site: string | undefined): number =>
  Number(site?.match(new RegExp(`^${THIS_FILE}:(\\d+):\\d+$`))?.[1])

describe('report mode past its rate of resolved call sites', () => {
  it('counts every call, and each counted line carries the site of the last resolved call before it', async () => {
    const openai = enable({ callSitesPerSecond: 100 })
    const fromA = Array.from({ length: 120 }, () =>
      openai.chat.completions.create({ model: 'm-a', messages }),
    )
    // a later window: a burst inside the same window as A's would be counted under A's site
    await sleep(15)
    const fromB = Array.from({ length: 80 }, () => openai.chat.completions.create({ model: 'm-a', messages }))
    const replies = await Promise.all([...fromA, ...fromB])
    expect(replies.every((reply) => reply.choices[0]?.message.content === 'fake-reply')).toBe(true)
    const events = await loggedEvents()

    expect(callsIn(events)).toBe(200)
    expect(guardStatus().counts).toMatchObject({ unattested: 200, recorded: 200 })
    const counted = events.filter((event) => event.call_site_sampled === true)
    expect(counted.length).toBeGreaterThan(0)
    expect(events.length).toBeLessThan(200)
    let lastResolved: string | undefined
    for (const event of events) {
      expect(event).toMatchObject({
        call: 'openai.chat.completions.create',
        action: 'reported',
        model: 'm-a',
      })
      if (event.call_site_sampled === true) {
        expect(event.calls).toBeGreaterThanOrEqual(1)
        expect(event.call_site).toBe(lastResolved)
      } else {
        expect(event.calls).toBeUndefined()
        lastResolved = event.call_site
      }
    }
    // both sites were resolved: B's burst began in a window of its own
    const lines = new Set(events.map((event) => lineOf(event.call_site)))
    expect(lines.size).toBe(2)
    expect([...lines].every((line) => Number.isInteger(line) && line > 0)).toBe(true)
  })

  it('resolves every call’s site with callSitesPerSecond: Infinity', async () => {
    const openai = enable({ callSitesPerSecond: Number.POSITIVE_INFINITY })
    await Promise.all(
      Array.from({ length: 60 }, () => openai.chat.completions.create({ model: 'm', messages })),
    )
    const events = await loggedEvents()
    expect(events).toHaveLength(60)
    for (const event of events) {
      expect(event.calls).toBeUndefined()
      expect(event.call_site_sampled).toBeUndefined()
      expect(lineOf(event.call_site)).toBeGreaterThan(0)
    }
  })

  it('keeps one line per model', async () => {
    const openai = enable({ callSitesPerSecond: 100 })
    await Promise.all(
      Array.from({ length: 90 }, (_, index) =>
        openai.chat.completions.create({ model: index % 2 === 0 ? 'even' : 'odd', messages }),
      ),
    )
    const events = await loggedEvents()
    expect(callsIn(events.filter((event) => event.model === 'even'))).toBe(45)
    expect(callsIn(events.filter((event) => event.model === 'odd'))).toBe(45)
  })

  it('counts what the network guard sees, too', async () => {
    enable({
      callSitesPerSecond: 100,
      sdks: [],
      network: {
        builtInHosts: false,
        hosts: [{ host: new URL(server.openaiBaseUrl).host, provider: 'fake' }],
      },
    })
    const body = JSON.stringify({ model: 'net', messages })
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${server.openaiBaseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
      ),
    )
    await Promise.all(responses.map((response) => response.text()))
    const events = (await loggedEvents()).filter((event) => event.layer === 'network')
    expect(callsIn(events)).toBe(50)
    expect(events.some((event) => event.call_site_sampled === true)).toBe(true)
  })

  it('refuses a rate that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, '5']) {
      expect(() => enable({ callSitesPerSecond: bad as never })).toThrow(
        /callSitesPerSecond must be a positive/,
      )
    }
    expect(guardStatus().enabled).toBe(false)
  })

  it('allows at least one site per 10 ms window', () => {
    expect(sitesPerWindow(1)).toBe(1)
    expect(sitesPerWindow(1000)).toBe(10)
    expect(sitesPerWindow(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('modes that need every site', () => {
  it('block mode still names each call’s site in its error', async () => {
    const openai = enable({ mode: 'block', callSitesPerSecond: 100 })
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => openai.chat.completions.create({ model: 'm', messages })),
    )
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    for (const result of results) {
      const reason = (result as PromiseRejectedResult).reason as Error
      expect(reason.message).toContain(THIS_FILE)
    }
    expect(guardStatus().counts.blocked).toBe(40)
  })
})
