import { readJsonObject, requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { isObject } from '../http/validation'
import { countUnattestedCalls, type GuardEventInput, insertGuardEvents } from './guard-event-store'

/** Most events one `POST …/guard/events` carries (the Python daemon sends at most 100). */
export const MAX_GUARD_EVENTS = 1000

/** Most calls one counted event may stand for (an int4 column). */
const MAX_CALLS = 1_000_000_000

function parseEvent(value: unknown, index: number): GuardEventInput {
  const fail = (message: string) => httpError('validation_failed', `events[${index}]: ${message}`, { index })
  if (!isObject(value))
    throw fail('must be an object like {"ts": …, "call": "openai.chat.completions.create", "pid": 123}.')
  const { call, ts, pid, attested, calls, call_site_sampled: sampled } = value
  if (typeof call !== 'string' || call.length === 0 || call.length > 500)
    throw fail('call must be a non-empty string.')
  if (ts !== undefined && ts !== null && typeof ts !== 'string' && typeof ts !== 'number')
    throw fail('ts must be a string or number.')
  if (
    pid !== undefined &&
    pid !== null &&
    (!Number.isInteger(pid) || (pid as number) < 0 || (pid as number) > 2 ** 31 - 1)
  ) {
    throw fail('pid must be a non-negative integer.')
  }
  if (attested !== undefined && typeof attested !== 'boolean') throw fail('attested must be a boolean.')
  if (
    calls !== undefined &&
    (!Number.isInteger(calls) || (calls as number) < 1 || (calls as number) > MAX_CALLS)
  )
    throw fail(`calls must be an integer from 1 to ${MAX_CALLS}.`)
  if (sampled !== undefined && typeof sampled !== 'boolean')
    throw fail('call_site_sampled must be a boolean.')
  return {
    call,
    ts: ts === null ? undefined : (ts as string | number | undefined),
    pid: pid === null ? undefined : (pid as number | undefined),
    attested: attested as boolean | undefined,
    calls: calls as number | undefined,
    event: value,
  }
}

/** `POST …/guard/events` (the guard daemon's forwarder) and `GET …/guard/unattested`. */
export const guardEventsFeature: ServerFeature = defineFeature({
  name: 'guard-events',
  register(api, server) {
    api.post('/workspaces/:ws/guard/events', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['ingest', 'admin', 'approver'] })
      const body = await readJsonObject(c)
      if (!Array.isArray(body.events))
        throw httpError('validation_failed', 'events must be an array.', { field: 'events' })
      if (body.events.length > MAX_GUARD_EVENTS) {
        throw httpError(
          'validation_failed',
          `At most ${MAX_GUARD_EVENTS} events per request; got ${body.events.length}.`,
          {
            field: 'events',
          },
        )
      }
      const events = body.events.map(parseEvent)
      const accepted = await insertGuardEvents(server.database, workspaceId, events)
      return c.json({ accepted }, 201)
    })

    api.get('/workspaces/:ws/guard/unattested', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json({ unattested_24h: await countUnattestedCalls(server.database, workspaceId) })
    })
  },
})
