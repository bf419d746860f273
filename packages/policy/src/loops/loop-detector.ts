import { LoopDetectedError } from '../runtime/runtime-errors'

/** One call as the loop detector counts it. */
export interface LoopCall {
  readonly agentName: string
  readonly toolName: string
  readonly sessionId?: string | undefined
}

/** A detected loop (also sent to the server as `loop.detected`). */
export interface DetectedLoop extends LoopCall {
  readonly calls: number
  readonly windowMs: number
  readonly action: 'raise' | 'log'
}

/** Options of {@link createLoopDetector}. */
export interface LoopDetectorOptions {
  /** Most calls of one (agent, session, tool) allowed within `windowMs` (default 20). */
  readonly maxCalls?: number | undefined
  /** The sliding window in milliseconds (default 60 000). */
  readonly windowMs?: number | undefined
  /** `raise` throws {@link LoopDetectedError}; `log` only reports (default `raise`). */
  readonly action?: 'raise' | 'log' | undefined
  /** Receives every detected loop (the runtime controls send it to the server). */
  readonly onLoop?: ((loop: DetectedLoop) => void) | undefined
  /** Time source in milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined
}

/** Sliding-window call counts per agent, session and tool. */
export interface LoopDetector {
  /** Counts a call; throws {@link LoopDetectedError} for a loop when the action is `raise`. */
  record(call: LoopCall): void
  /** Calls of this (agent, session, tool) within the window now. */
  count(call: LoopCall): number
  /** Forgets every count. */
  reset(): void
}

/**
 * Creates a loop detector. A loop is reported once each time the count first passes the limit
 * within a window (not once per call beyond it).
 *
 * @example
 * ```ts
 * const loops = createLoopDetector({ maxCalls: 5, windowMs: 10_000, action: 'raise' })
 * loops.record({ agentName: 'researcher', toolName: 'search', sessionId: 's1' })
 * ```
 */
export function createLoopDetector(options: LoopDetectorOptions = {}): LoopDetector {
  const maxCalls = options.maxCalls ?? 20
  const windowMs = options.windowMs ?? 60_000
  const action = options.action ?? 'raise'
  const now = options.now ?? Date.now
  const windows = new Map<string, { times: number[]; reported: boolean }>()
  const keyOf = (call: LoopCall): string =>
    JSON.stringify([call.agentName, call.sessionId ?? '', call.toolName])

  const prune = (times: number[], at: number): void => {
    let drop = 0
    while (drop < times.length && (times[drop] as number) <= at - windowMs) drop++
    if (drop > 0) times.splice(0, drop)
  }

  return {
    record(call) {
      const at = now()
      const key = keyOf(call)
      let window = windows.get(key)
      if (window === undefined) {
        if (windows.size > 10_000) windows.clear()
        window = { times: [], reported: false }
        windows.set(key, window)
      }
      prune(window.times, at)
      if (window.times.length < maxCalls) window.reported = false
      window.times.push(at)
      if (window.times.length <= maxCalls) return
      const calls = window.times.length
      if (!window.reported) {
        window.reported = true
        options.onLoop?.({ ...call, calls, windowMs, action })
      }
      if (action === 'raise') {
        window.times.pop() // a refused call did not happen
        throw new LoopDetectedError(
          `${call.agentName}/${call.toolName}${call.sessionId ? ` (session ${call.sessionId})` : ''}`,
          calls,
          windowMs,
        )
      }
    },
    count(call) {
      const window = windows.get(keyOf(call))
      if (window === undefined) return 0
      prune(window.times, now())
      return window.times.length
    },
    reset: () => windows.clear(),
  }
}
