import {
  createGuardForwarder,
  type GuardForwarder,
  type GuardForwardOptions,
} from '../daemon/guard-forwarder'
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
  /**
   * How long events gather before one write (50 ms), so a busy process writes in batches; the
   * timer never holds the process open, and whatever is queued at exit is written synchronously.
   */
  readonly batchDelayMs?: number
  /**
   * The Mima server to send events to as well (what the local log got; the daemon forwards on its
   * own), batched and retried through outages. Unset: local only.
   */
  readonly forward?: GuardForwardOptions
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
   * Queues `event`; `complete`, when given, runs at write time to fill in what is costly to format
   * (the call site, the timestamp), off the caller's path.
   */
  push(event: GuardEvent, complete?: () => void): void
  /** Queues a line already serialised (report mode's fast path, see `eventLine`). */
  pushLine(line: string): void
  /** Resolves once everything queued so far was handed to the daemon or written. */
  flush(): Promise<void>
  readonly stats: GuardReporterStats
  close(): void
}

/** Creates the reporter; writing never runs on the caller's stack and never throws into it. */
export function createGuardReporter(options: GuardReporterOptions): GuardReporter {
  const maxQueue = options.maxQueue ?? 10_000
  const batchDelayMs = options.batchDelayMs ?? 50
  const log: JsonlLog = createJsonlLog({
    path: options.logPath,
    ...(options.logMaxBytes === undefined ? {} : { maxBytes: options.logMaxBytes }),
    ...(options.logBackups === undefined ? {} : { backups: options.logBackups }),
  })
  const daemon: DaemonClient = createDaemonClient(options.socketPath)
  const stats: GuardReporterStats = { daemon: 0, log: 0, dropped: 0 }
  const forwarder: GuardForwarder | undefined =
    options.forward === undefined ? undefined : createGuardForwarder({ intervalMs: 1000, ...options.forward })
  const forward = (lines: readonly string[]): void => {
    if (forwarder === undefined) return
    for (const line of lines) forwarder.push(JSON.parse(line) as unknown)
  }
  let queue: Array<string | readonly [GuardEvent, (() => void) | undefined]> = []

  function serialise(entries: typeof queue): string[] {
    const lines: string[] = []
    for (const entry of entries) {
      if (typeof entry === 'string') {
        lines.push(entry)
        continue
      }
      const [event, complete] = entry
      try {
        complete?.()
        lines.push(JSON.stringify(event))
      } catch {
        stats.dropped += 1
      }
    }
    return lines
  }
  let running: Promise<void> | undefined
  let scheduled: ReturnType<typeof setTimeout> | undefined
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
          forward(lines)
        }
      } catch {
        stats.dropped += lines.length
      }
    }
  }

  function run(): Promise<void> {
    if (scheduled) clearTimeout(scheduled)
    scheduled = undefined
    if (!running) {
      running = drain().finally(() => {
        running = undefined
        if (queue.length > 0 && !scheduled) schedule()
      })
    }
    return running
  }

  function schedule(): void {
    scheduled = setTimeout(run, batchDelayMs)
    scheduled.unref()
  }

  const onExit = (): void => {
    // Whatever is still queued when the process exits is written synchronously.
    if (queue.length > 0) {
      const lines = serialise(queue)
      queue = []
      log.appendSync(lines)
      stats.log += lines.length
    }
    forwarder?.stop()
  }
  // A process that ends on its own (no process.exit) sends what is queued the normal way first.
  // A few rounds at most: a server that stays down must not keep the process alive.
  let exitRounds = 0
  const onBeforeExit = (): void => {
    if (queue.length > 0) void run().then(() => forwarder?.flush())
    else if (forwarder !== undefined && forwarder.status().pending > 0 && exitRounds++ < 3) {
      void forwarder.flush()
    }
  }
  process.on('exit', onExit)
  process.on('beforeExit', onBeforeExit)

  function enqueue(entry: (typeof queue)[number]): void {
    if (closed) return
    if (queue.length >= maxQueue) {
      stats.dropped += 1
      return
    }
    queue.push(entry)
    if (queue.length >= 1000) void run()
    else if (!scheduled && !running) schedule()
  }

  return {
    stats,
    push(event, complete) {
      enqueue([event, complete])
    },
    pushLine(line) {
      enqueue(line)
    },
    async flush() {
      while (queue.length > 0 || running) await run()
      await forwarder?.flush()
    },
    close() {
      closed = true
      onExit()
      process.off('exit', onExit)
      process.off('beforeExit', onBeforeExit)
      daemon.close()
      forwarder?.stop()
    },
  }
}
