import type { GateResult } from '@mima/grc'

/** How long a reported failing gate stays quiet while its score does not change, in milliseconds. */
export const GATE_FAILED_QUIET_MS = 60_000

/** Decides which failing gates a `gate.failed` event reports (see {@link createGateFailedThrottle}). */
export interface GateFailedThrottle {
  /**
   * The failing gates of one check worth reporting now, and records them as reported: a gate
   * (workspace + gate + system checked) is reported again only after the quiet period, or sooner
   * when its score changed.
   */
  take(workspaceId: string, systemName: string | null, failing: readonly GateResult[]): GateResult[]
}

/** Options of {@link createGateFailedThrottle}. */
export interface GateFailedThrottleOptions {
  /** Quiet period per gate, in milliseconds (default {@link GATE_FAILED_QUIET_MS}). */
  quietMs?: number
  /** The clock, in milliseconds (default `Date.now`). */
  now?: () => number
  /** Most gates remembered; the oldest entries are dropped beyond it (default 10 000). */
  maxEntries?: number
}

/** Creates the in-process throttle that keeps repeated gate checks from flooding webhooks. */
export function createGateFailedThrottle(options: GateFailedThrottleOptions = {}): GateFailedThrottle {
  const quietMs = options.quietMs ?? GATE_FAILED_QUIET_MS
  const now = options.now ?? Date.now
  const maxEntries = options.maxEntries ?? 10_000
  const reported = new Map<string, { at: number; score: number }>()
  return {
    take(workspaceId, systemName, failing) {
      const at = now()
      const due: GateResult[] = []
      for (const gate of failing) {
        const key = JSON.stringify([workspaceId, gate.policy_id, systemName])
        const last = reported.get(key)
        if (last !== undefined && at - last.at < quietMs && last.score === gate.current_pct) continue
        due.push(gate)
        reported.delete(key)
        reported.set(key, { at, score: gate.current_pct })
      }
      // Map iteration is insertion order: the first entries are the least recently reported.
      for (const key of reported.keys()) {
        if (reported.size <= maxEntries) break
        reported.delete(key)
      }
      return due
    },
  }
}
