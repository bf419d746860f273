import type { GuardEvent } from '../guard/guard-options'
import { isoTime } from './event-line'
import type { GuardReporter } from './guard-reporter'

// Report mode resolves the call site of an unattested call by capturing the caller's stack frame,
// which costs V8 about 2 µs, and that is most of what report mode adds to a call. At ordinary
// rates every call's site is resolved. Past `callSitesPerSecond` unattested calls of one method,
// the rest of each 10 ms window are counted instead: one line then stands for them all, with the
// site of the method's last resolved call (systematic sampling, decision 0042).

const WINDOW_MS = 10

/** Resolved call sites per second of one method before report mode starts counting (1,000). */
export const DEFAULT_CALL_SITES_PER_SECOND = 1000

/** Sites one window may resolve for a rate of `perSecond` (at least one; `Infinity`: every call). */
export function sitesPerWindow(perSecond: number): number {
  if (perSecond === Number.POSITIVE_INFINITY) return perSecond
  return Math.max(1, Math.round((perSecond * WINDOW_MS) / 1000))
}

/** The line that counts a method's unresolved calls, still open while it waits in the queue. */
type CountedEvent = {
  -readonly [Key in Exclude<keyof GuardEvent, 'calls' | 'call_site_sampled'>]-?: GuardEvent[Key] | undefined
} & { calls: number; call_site_sampled: true }

interface MethodWindow {
  start: number
  resolved: number
  /** The site of the method's last resolved call. */
  site: string | undefined
  open: { readonly event: CountedEvent; lastMs: number } | undefined
}

/** The event fields a counted line copies from the call. */
export type CountedCall = {
  readonly [Key in Exclude<keyof GuardEvent, 'ts' | 'call_site' | 'calls' | 'call_site_sampled'>]-?:
    | GuardEvent[Key]
    | undefined
} & { readonly call: string }

/** Per-method windows of resolved call sites; one per guard state. */
export interface SiteSampling {
  /** Whether the next unattested call of `call` at `now` gets its site resolved. */
  resolves(call: string, now: number): boolean
  /** Remembers the site a resolved call found; later counted calls carry it. */
  resolved(call: string, site: string | undefined): void
  /** Counts an unresolved call into the method's open line (queued on the reporter when new). */
  count(reporter: GuardReporter, event: CountedCall, now: number): void
}

/** Creates the sampling state for `callSitesPerSecond` resolved sites per method. */
export function createSiteSampling(callSitesPerSecond: number): SiteSampling {
  const perWindow = sitesPerWindow(callSitesPerSecond)
  const windows = new Map<string, MethodWindow>()
  const windowOf = (call: string): MethodWindow => {
    let window = windows.get(call)
    if (window === undefined) {
      if (windows.size >= 1000) windows.clear()
      window = { start: 0, resolved: 0, site: undefined, open: undefined }
      windows.set(call, window)
    }
    return window
  }
  return {
    resolves(call, now) {
      if (perWindow === Number.POSITIVE_INFINITY) return true
      const window = windowOf(call)
      if (now - window.start >= WINDOW_MS || now < window.start) {
        window.start = now
        window.resolved = 0
      }
      if (window.resolved >= perWindow) return false
      window.resolved += 1
      return true
    },
    resolved(call, site) {
      if (perWindow === Number.POSITIVE_INFINITY) return
      const window = windowOf(call)
      window.site = site
      window.open = undefined // later counted calls start a line with this site
    },
    count(reporter, event, now) {
      const window = windowOf(event.call)
      const open = window.open
      if (
        open !== undefined &&
        open.event.model === event.model &&
        open.event.workspace_id === event.workspace_id
      ) {
        open.event.calls += 1
        open.lastMs = now
        return
      }
      const { call, ...fields } = event
      // keys in GuardEvent order, as the line's JSON has them
      const counted: CountedEvent = {
        ts: '',
        call,
        call_site: window.site,
        calls: 1,
        call_site_sampled: true,
        ...fields,
      }
      const line = { event: counted, lastMs: now }
      window.open = line
      // Written when the reporter drains: the line is closed then (its time is its last call's),
      // and a later call opens another.
      reporter.push(counted as GuardEvent, () => {
        if (window.open === line) window.open = undefined
        counted.ts = isoTime(line.lastMs)
      })
    },
  }
}
