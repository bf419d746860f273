import type { GuardEvent } from '../guard/guard-options'

// Report mode writes one JSON line per unattested call. Most of a line never changes between calls
// of the same method (call, mode, provider, operation, model, workspace, pid), so those parts are
// serialised once and joined with the two that do (the time and the call site).

const MAX_CACHED = 1000

let lastMs = Number.NaN
let lastIso = ''

/** `new Date(ms).toISOString()`, reused while the millisecond does not change. */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastIso
}

const quotedSites = new Map<string, string>()

function quotedSite(site: string): string {
  let quoted = quotedSites.get(site)
  if (quoted === undefined) {
    if (quotedSites.size >= MAX_CACHED) quotedSites.clear()
    quoted = `,"call_site":${JSON.stringify(site)}`
    quotedSites.set(site, quoted)
  }
  return quoted
}

/** The fields of an event that are the same for every call of one method with one model. */
export type EventConstants = Omit<GuardEvent, 'ts' | 'call_site'>

interface Fragments {
  readonly event: EventConstants
  readonly head: string
  readonly tail: string
}

const FIELDS = [
  'call',
  'model',
  'mode',
  'action',
  'provider',
  'layer',
  'operation',
  'workspace_id',
  'attested',
  'pid',
] as const satisfies readonly (keyof EventConstants)[]

function sameConstants(a: EventConstants, b: EventConstants): boolean {
  for (const field of FIELDS) if (a[field] !== b[field]) return false
  return true
}

const fragments = new Map<string, Fragments>()

const byOwner = new WeakMap<object, Fragments>()

function fragmentsFor(event: EventConstants, owner: object | undefined): Fragments {
  if (owner !== undefined) {
    // one entry per patched method: the usual case (one model, one mode) needs no key at all
    const last = byOwner.get(owner)
    if (last !== undefined && sameConstants(last.event, event)) return last
    const found = fragmentsByKey(event)
    byOwner.set(owner, found)
    return found
  }
  return fragmentsByKey(event)
}

function fragmentsByKey(event: EventConstants): Fragments {
  const key = `${event.call}\u0000${event.model}\u0000${event.mode}\u0000${event.action}\u0000${event.provider}\u0000${event.layer}\u0000${event.operation}\u0000${event.workspace_id}\u0000${event.attested}\u0000${event.pid}`
  let found = fragments.get(key)
  if (found === undefined || !sameConstants(found.event, event)) {
    // JSON.stringify of the event without its time and call site, cut where those two go
    const { call, ...rest } = event
    const tail = JSON.stringify({
      attested: rest.attested,
      action: rest.action,
      mode: rest.mode,
      provider: rest.provider,
      layer: rest.layer,
      operation: rest.operation,
      model: rest.model,
      workspace_id: rest.workspace_id,
      pid: rest.pid,
    })
    found = {
      event: Object.fromEntries(FIELDS.map((field) => [field, event[field]])) as unknown as EventConstants,
      head: `,"call":${JSON.stringify(call)}`,
      tail: `,${tail.slice(1)}`,
    }
    if (fragments.size >= MAX_CACHED) fragments.clear()
    fragments.set(key, found)
  }
  return found
}

/**
 * The JSONL line for an event: exactly `JSON.stringify({ ts, call, call_site, ...the rest })`
 * (keys in `GuardEvent` order, absent fields left out), built from cached pieces. `owner` (a
 * patched method's target, which lives as long as the patch) keys a cache that needs no string key.
 */
export function eventLine(
  ts: string,
  callSite: string | undefined,
  event: EventConstants,
  owner?: object,
): string {
  const { head, tail } = fragmentsFor(event, owner)
  return `{"ts":"${ts}"${head}${callSite === undefined ? '' : quotedSite(callSite)}${tail}`
}
