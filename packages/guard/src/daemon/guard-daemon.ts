import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { dirname } from 'node:path'
import type { GuardMode } from '../guard/guard-options'
import { createJsonlLog } from '../report/jsonl-log'
import {
  createGuardForwarder,
  type GuardForwarder,
  type GuardForwarderStatus,
  type GuardForwardOptions,
} from './guard-forwarder'
import { queryGuardDaemon } from './query-guard-daemon'

/** Options of the daemon process. */
export interface GuardDaemonOptions {
  readonly socketPath: string
  readonly pidPath: string
  readonly logPath: string
  readonly logMaxBytes?: number
  readonly mode: GuardMode
  readonly forward?: GuardForwardOptions
}

/** What a running daemon reports about itself (its answer to `{"type":"status"}`). */
export interface GuardDaemonReport {
  readonly pid: number
  readonly mode: GuardMode
  readonly socketPath: string
  readonly logPath: string
  readonly startedAt: string
  /** Events received since start. */
  readonly received: number
  /** Events written to the log since start. */
  readonly written: number
  /** Malformed or oversized lines ignored. */
  readonly rejected: number
  readonly forwarding: GuardForwarderStatus | undefined
}

/** A running daemon. */
export interface GuardDaemon {
  report(): GuardDaemonReport
  /** Stops listening, writes and forwards what is queued, removes the socket and PID file. */
  close(): Promise<void>
}

const MAX_LINE_BYTES = 64 * 1024

/**
 * Runs the guard daemon in this process: a Unix socket server (mode 0600, in a 0700 directory)
 * taking newline-delimited JSON events from many processes, one writer to the JSONL log, and an
 * optional forwarder to the Mima server.
 */
export async function runGuardDaemon(options: GuardDaemonOptions): Promise<GuardDaemon> {
  const socketDirectory = dirname(options.socketPath)
  mkdirSync(socketDirectory, { recursive: true, mode: 0o700 })
  chmodSync(socketDirectory, 0o700)
  if (await queryGuardDaemon(options.socketPath)) {
    throw new Error(`a guard daemon already listens on ${options.socketPath}`)
  }
  rmSync(options.socketPath, { force: true })

  const log = createJsonlLog({
    path: options.logPath,
    ...(options.logMaxBytes === undefined ? {} : { maxBytes: options.logMaxBytes }),
  })
  const forwarder: GuardForwarder | undefined = options.forward
    ? createGuardForwarder(options.forward)
    : undefined
  const startedAt = new Date().toISOString()
  const counts = { received: 0, written: 0, rejected: 0 }
  let pending: string[] = []
  let writing: Promise<void> = Promise.resolve()

  const report = (): GuardDaemonReport => ({
    pid: process.pid,
    mode: options.mode,
    socketPath: options.socketPath,
    logPath: options.logPath,
    startedAt,
    ...counts,
    forwarding: forwarder?.status(),
  })

  function writeSoon(): void {
    if (pending.length !== 1) return // already scheduled
    setImmediate(() => {
      const lines = pending
      pending = []
      writing = log
        .append(lines)
        .then(() => {
          counts.written += lines.length
        })
        .catch(() => undefined)
    })
  }

  function accept(line: string): string | undefined {
    if (line.trim() === '') return undefined
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      counts.rejected += 1
      return undefined
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      counts.rejected += 1
      return undefined
    }
    if ((value as { type?: unknown }).type === 'status') return `${JSON.stringify(report())}\n`
    counts.received += 1
    pending.push(JSON.stringify(value))
    writeSoon()
    forwarder?.push(value)
    return undefined
  }

  const server: Server = createServer((connection) => {
    let buffer = ''
    connection.setEncoding('utf8')
    connection.on('error', () => connection.destroy())
    connection.on('data', (chunk: string) => {
      buffer += chunk
      let newline = buffer.indexOf('\n')
      while (newline !== -1) {
        const answer = accept(buffer.slice(0, newline))
        if (answer !== undefined) connection.write(answer)
        buffer = buffer.slice(newline + 1)
        newline = buffer.indexOf('\n')
      }
      if (buffer.length > MAX_LINE_BYTES) {
        counts.rejected += 1
        connection.destroy()
      }
    })
    connection.on('end', () => {
      if (buffer !== '') accept(buffer)
      buffer = ''
      connection.end()
    })
  })

  const previousUmask = process.umask(0o177) // the socket is created 0600, never wider
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.socketPath, () => resolve())
    })
  } finally {
    process.umask(previousUmask)
  }
  chmodSync(options.socketPath, 0o600)
  writeFileSync(options.pidPath, `${process.pid}\n`, { mode: 0o600 })

  let closing: Promise<void> | undefined
  return {
    report,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await new Promise<void>((resolve) => setImmediate(resolve))
        await writing
        if (pending.length > 0) await log.append(pending).catch(() => undefined)
        if (forwarder) {
          forwarder.stop()
          await Promise.race([forwarder.flush(), new Promise((resolve) => setTimeout(resolve, 3000))])
        }
        rmSync(options.socketPath, { force: true })
        rmSync(options.pidPath, { force: true })
      })()
      return closing
    },
  }
}
