/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Says what was awaited, for the failure message ("a pending approval of type refund"). */
  readonly what: string
  /** Gives up after this long. Default 60 s: generous for a 2-core machine at load average 8. */
  readonly timeoutMs?: number
  /** Pause between attempts; grows ×1.5 up to 250 ms so a slow wait does not hammer the server. */
  readonly intervalMs?: number
}

/** How long a test waits for something by default (see {@link waitFor}). */
export const DEFAULT_WAIT_MS = 60_000

/**
 * Calls `probe` until it returns something other than `undefined`, then returns that. Fails with
 * a message naming what was awaited, how long and how many attempts, and the last error the probe
 * threw, once `timeoutMs` has passed. Every wait in a test goes through this (or has its own
 * deadline): a loop without one turns a single failure into a suite of timeouts.
 *
 * @example
 * ```ts
 * const pending = await waitFor(async () => (await approver.list()).find((a) => a.actionType === 'refund'), {
 *   what: 'a pending "refund" approval',
 * })
 * ```
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitForOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS
  const started = Date.now()
  let interval = options.intervalMs ?? 10
  let attempts = 0
  let lastError: unknown
  for (;;) {
    attempts++
    try {
      const value = await probe()
      if (value !== undefined) return value
      lastError = undefined
    } catch (error) {
      lastError = error
    }
    const elapsed = Date.now() - started
    if (elapsed >= timeoutMs) {
      const cause =
        lastError === undefined
          ? ''
          : `; the last attempt failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      throw new Error(
        `Timed out after ${Math.round(elapsed / 1000)} s (${attempts} attempts) waiting for ${options.what}${cause}`,
        { cause: lastError },
      )
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, timeoutMs - elapsed)))
    interval = Math.min(interval * 1.5, 250)
  }
}
