import { expect, it } from 'vitest'
import type { GuardEvent } from '../guard/guard-options'
import { eventLine, isoTime } from './event-line'

const base: GuardEvent = {
  ts: '2026-12-06T20:00:00.123Z',
  call: 'openai.chat.completions.create',
  call_site: 'src/app.ts:12:7',
  attested: false,
  action: 'reported',
  mode: 'report',
  provider: 'openai',
  operation: 'chat',
  model: 'gpt-4o',
  workspace_id: 'ws_1',
  pid: 4242,
}

/** The event as the guard builds it: every key present, absent ones `undefined`. */
function full(event: GuardEvent): GuardEvent {
  return {
    ts: event.ts,
    call: event.call,
    call_site: event.call_site,
    attested: event.attested,
    action: event.action,
    mode: event.mode,
    provider: event.provider,
    layer: event.layer,
    operation: event.operation,
    model: event.model,
    workspace_id: event.workspace_id,
    pid: event.pid,
  } as GuardEvent
}

const { call_site: _site, ...withoutSite } = base
const { model: _model, workspace_id: _workspace, ...withoutModel } = base

const variants: GuardEvent[] = [
  base,
  withoutSite,
  withoutModel,
  { ...base, layer: 'network', call: 'POST api.openai.com/v1/chat/completions' },
  { ...base, call_site: 'C:\\work\\"quoted" app.ts:1:2', model: 'm\u0000\n"x"' },
  { ...base, action: 'warned', mode: 'warn', provider: 'anthropic', operation: 'embeddings' },
]

it('writes exactly the JSON of the event, for every shape of event', () => {
  for (const event of variants) {
    const line = eventLine(event.ts, event.call_site, full(event))
    expect(line).toBe(JSON.stringify(full(event)))
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(event)))
  }
})

it('keeps one owner’s cached pieces only while the event’s fields stay the same', () => {
  const owner = {}
  for (const event of [...variants, ...variants.reverse()]) {
    expect(eventLine(event.ts, event.call_site, full(event), owner)).toBe(JSON.stringify(full(event)))
  }
})

it('formats the time as an ISO string, the same within a millisecond and new after it', () => {
  expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z')
  expect(isoTime(1_765_051_200_123)).toBe(new Date(1_765_051_200_123).toISOString())
  expect(isoTime(1_765_051_200_123)).toBe('2025-12-06T20:00:00.123Z')
  expect(isoTime(1_765_051_200_124)).toBe('2025-12-06T20:00:00.124Z')
})
