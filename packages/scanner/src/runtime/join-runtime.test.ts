import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scan } from '../scan/scan'
import { joinRuntime, readGuardLog } from './join-runtime'

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures')

describe('joinRuntime', () => {
  it('matches guard log events to static sites by file and line, and reports the attested share', async () => {
    const root = join(FIXTURES, 'attestation')
    const result = await scan(['.'], { cwd: root, workers: 0 })
    const directory = mkdtempSync(join(tmpdir(), 'mima-runtime-'))
    const log = join(directory, 'guard_log.jsonl')
    const lines = [
      // the unattested `plain` call (line 54), seen twice; the guard points at the `create` column
      { call: 'openai.chat.completions.create', call_site: `${root}/attested.ts:54:50`, attested: false },
      { call: 'openai.chat.completions.create', call_site: 'attested.ts:54:50', attested: false },
      // the attested `classify` call (line 14)
      { call: 'openai.chat.completions.create', call_site: 'attested.ts:14:60', attested: true },
      // a call from code the scan never saw
      { call: 'openai.responses.create', call_site: 'elsewhere/other.ts:3:1', attested: false },
    ]
    writeFileSync(log, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n{"torn`)
    const joined = joinRuntime(result, readGuardLog(log))
    expect(joined.events).toBe(4)
    expect(joined.attestedEvents).toBe(1)
    expect(joined.attestedShare).toBe(0.25)
    expect(joined.unmatched).toBe(1)
    expect(joined.unattestedSeen.map((site) => [site.finding.line, site.calls])).toEqual([[54, 2]])
    expect(joined.seen.map((site) => [site.finding.line, site.calls, site.attestedCalls])).toEqual([
      [14, 1, 1],
      [54, 2, 0],
    ])
  })

  it('adds the calls a counted line stands for, and reads a bad count as one call', async () => {
    const root = join(FIXTURES, 'attestation')
    const result = await scan(['.'], { cwd: root, workers: 0 })
    const call = 'openai.chat.completions.create'
    const joined = joinRuntime(result, [
      { call, call_site: 'attested.ts:54:50', attested: false },
      { call, call_site: 'attested.ts:54:50', attested: false, calls: 9 },
      { call, call_site: 'attested.ts:14:60', attested: true, calls: 3 },
      { call, call_site: 'elsewhere/other.ts:3:1', attested: false, calls: 5 },
      { call, call_site: 'attested.ts:54:50', attested: false, calls: -4 },
      { call, call_site: 'attested.ts:54:50', attested: false, calls: 'x' as never },
    ])
    expect(joined.events).toBe(20)
    expect(joined.attestedEvents).toBe(3)
    expect(joined.attestedShare).toBe(0.15)
    expect(joined.unmatched).toBe(5)
    expect(joined.seen.map((site) => [site.finding.line, site.calls, site.attestedCalls])).toEqual([
      [14, 3, 3],
      [54, 12, 0],
    ])
  })

  it('reads a missing log as no events', () => {
    expect(readGuardLog(join(tmpdir(), 'no-such-mima-log.jsonl'))).toEqual([])
  })
})
