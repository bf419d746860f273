import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMigrations } from '../storage/migrations'
import { SERVER_MIGRATIONS } from '../storage/server-migrations'
import { openTestDatabase, TEST_BACKENDS } from '../storage/test-databases'
import { unattestedCallSites } from './call-site-report'
import { countUnattestedCalls, insertGuardEvents } from './guard-event-store'

// Guard report mode counts a method's calls past its rate of resolved call sites into one event
// (guard decision 0042): every total adds the calls an event stands for, not its rows.
describe.each(TEST_BACKENDS)('guard events that stand for several calls, on %s', (backend) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>
  beforeAll(async () => {
    opened = await openTestDatabase(backend, 'mima_guard_calls', 2)
    await runMigrations(opened.database, SERVER_MIGRATIONS)
    await opened.database.query("insert into workspaces (workspace_id, name) values ('ws', 'ws')")
  })
  afterAll(async () => {
    await opened?.close()
  })

  it('counts calls, not events, per workspace and per call site', async () => {
    const call = 'openai.chat.completions.create'
    const event = (extra: Record<string, unknown>) => ({ call, pid: 1, event: { call, ...extra } })
    await insertGuardEvents(opened.database, 'ws', [
      event({ call_site: 'a.ts:1:1' }),
      { ...event({ call_site: 'a.ts:1:1', calls: 30, call_site_sampled: true }), calls: 30 },
      event({ call_site: 'b.ts:2:2' }),
      { ...event({ call_site: 'b.ts:2:2' }), attested: true },
    ])
    expect(await countUnattestedCalls(opened.database, 'ws')).toBe(32)
    const sites = await unattestedCallSites(opened.database, 'ws', new Date(Date.now() - 60_000))
    expect(sites.map(({ callSite, count }) => [callSite, count])).toEqual([
      ['a.ts:1:1', 31],
      ['b.ts:2:2', 1],
    ])
  })

  it('refuses a count below one at the database too', async () => {
    await expect(
      opened.database.query(
        "insert into guard_events (workspace_id, event_id, call, unattested, event, calls) values ('ws', 'x', 'c', true, '{}', 0)",
      ),
    ).rejects.toThrow(/calls/)
  })
})
