import type { GuardEvent } from '../guard/guard-options'
import { createDaemonClient, type DaemonClient } from './daemon-client'
import { createJsonlLog, type JsonlLog } from './jsonl-log'

/** Where the in-process reporter sends events that no tracer took. */
export interface GuardReporterOptions {
  readonly logPath: string
  readonly logMaxBytes?: number
  readonly logBackups?: number
  readonly socketPath: string
  /** Events held at most; more are dropped and counted (10,000). */
  readonly maxQueue?: number
}

/** Counts kept by the reporter. */
export interface GuardReporterStats {
  /** Events handed to the daemon. */
  daemon: number
  /** Events written to the JSONL log. */
  log: number
  /** Events dropped because the queue was full. */
  dropped: number
}

/** Queues events and writes them asynchronously: daemon socket first, else the JSONL log. */
export interface GuardReporter {
  /**
   * Queues `event`; `resolveSite`, when given, runs at write time and fills `call_site` (so the
   * stack is formatted off the caller's path).
   */
  push(event: GuardEvent, resolveSite?: () => string | undefined): void
  /** Resolves once everything queued so far was handed to the daemon or written. */
  flush(): Promise<void>
  readonly stats: GuardReporterStats
  close(): void
}

/** Creates the reporter; writing never runs on the caller's stack and never throws into it. */
export function createGuardReporter(options: GuardReporterOptions): GuardReporter {
  const maxQueue = options.maxQueue ?? 10_000
  const log: JsonlLog = createJsonlLog({
    path: options.logPath,
    ...(options.logMaxBytes === undefined ? {} : { maxBytes: options.logMaxBytes }),
    ...(options.logBackups === undefined ? {} : { backups: options.logBackups }),
  })
  const daemon: DaemonClient = createDaemonClient(options.socketPath)
  const stats: GuardReporterStats = { daemon: 0, log: 0, dropped: 0 }
  let queue: Array<readonly [GuardEvent, (() => string | undefined) | undefined]> = []

  function serialise(entries: typeof queue): string[] {
    const lines: string[] = []
    for (const [event, resolveSite] of entries) {
      try {
        if (resolveSite) (event as { call_site?: string | undefined }).call_site = resolveSite()
        lines.push(JSON.stringify(event))
      } catch {
        stats.dropped += 1
      }
    }
    return lines
  }
  let running: Promise<void> | undefined
  let scheduled = false
  let closed = false

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const lines = serialise(queue)
      queue = []
      try {
        if (await daemon.send(lines)) stats.daemon += lines.length
        else {
          await log.append(lines)
          stats.log += lines.length
        }
      } catch {
        stats.dropped += lines.length
      }
    }
  }

  function run(): Promise<void> {
    scheduled = false
    if (!running) {
      running = drain().finally(() => {
        running = undefined
        if (queue.length > 0 && !scheduled) schedule()
      })
    }
    return running
  }

  function schedule(): void {
    scheduled = true
    setImmediate(run)
  }

  const onExit = (): void => {
    // Whatever is still queued when the process exits is written synchronously.
    if (queue.length > 0) {
      const lines = serialise(queue)
      queue = []
      log.appendSync(lines)
      stats.log += lines.length
    }
  }
  process.on('exit', onExit)

  return {
    stats,
    push(event, resolveSite) {
      if (closed) return
      if (queue.length >= maxQueue) {
        stats.dropped += 1
        return
      }
      queue.push([event, resolveSite])
      if (!scheduled && !running) schedule()
    },
    async flush() {
      while (queue.length > 0 || running) await run()
    },
    close() {
      closed = true
      onExit()
      process.off('exit', onExit)
      daemon.close()
    },
  }
}
