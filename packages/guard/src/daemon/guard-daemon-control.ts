import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MimaError } from '@mima/core'
import type { GuardMode } from '../guard/guard-options'
import { SELF_URL } from '../guard/self-location'
import { defaultGuardLogPath, defaultGuardSocketPath } from '../report/guard-paths'
import { completeLogLines } from '../report/jsonl-log'
import type { GuardDaemonReport } from './guard-daemon'
import type { GuardForwarderStatus } from './guard-forwarder'
import { queryGuardDaemon } from './query-guard-daemon'

/** Options for {@link startGuardDaemon}. */
export interface StartGuardDaemonOptions {
  /** Recorded by the daemon and shown in its status (`warn` by default); enforcement stays in each process. */
  readonly mode?: GuardMode
  /** Forward batches to `POST {baseUrl}/api/workspaces/{workspaceId}/guard/events` with `Authorization: Bearer`. */
  readonly forward?: {
    readonly baseUrl: string
    readonly apiKey: string
    /** Resolved through `GET {baseUrl}/api/me` when omitted. */
    readonly workspaceId?: string
    /** How often batches are sent (5,000 ms). */
    readonly intervalMs?: number
  }
  /** `~/.mima/guard/guard.sock` by default (at most 103 bytes). */
  readonly socketPath?: string
  /** `~/.mima/guard_log.jsonl` by default. */
  readonly logPath?: string
  /** Rotate the log at this size (10 MiB). */
  readonly logMaxBytes?: number
  /** How long to wait for the daemon to answer (5,000 ms). */
  readonly timeoutMs?: number
}

/** Where to find a daemon (defaults as in {@link StartGuardDaemonOptions}). */
export interface GuardDaemonLocation {
  readonly socketPath?: string
  readonly logPath?: string
}

/** What {@link guardDaemonStatus} reports. */
export interface GuardDaemonStatus {
  readonly running: boolean
  readonly pid: number | undefined
  readonly socketPath: string
  readonly logPath: string
  readonly mode: GuardMode | undefined
  readonly startedAt: string | undefined
  /** Events received by the running daemon since it started. */
  readonly received: number
  /** Lines in the current log file. */
  readonly logEntries: number
  /** Events in the current log file from the last 60 minutes. */
  readonly eventsLastHour: number
  readonly forwarding: GuardForwarderStatus | undefined
}

/** What {@link startGuardDaemon} returns. */
export interface StartedGuardDaemon extends GuardDaemonStatus {
  /** `false` when a daemon was already running (and was left as it was). */
  readonly started: boolean
}

/** What {@link stopGuardDaemon} returns. */
export interface StoppedGuardDaemon {
  readonly wasRunning: boolean
  readonly pid: number | undefined
}

const MAX_SOCKET_PATH_BYTES = 103

function pidPathFor(socketPath: string): string {
  return join(dirname(socketPath), 'guard.pid')
}

/** The built daemon entry next to this package's `dist`. */
function daemonEntry(): string {
  let directory = dirname(fileURLToPath(SELF_URL))
  while (!existsSync(join(directory, 'package.json')) && dirname(directory) !== directory)
    directory = dirname(directory)
  const entry = join(directory, 'dist', 'daemon.js')
  if (!existsSync(entry)) {
    throw new MimaError(
      'config_missing',
      `The guard daemon entry ${entry} is missing; build @mima/guard first`,
    )
  }
  return entry
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function logFigures(logPath: string): Promise<{ logEntries: number; eventsLastHour: number }> {
  let text: string
  try {
    text = await readFile(logPath, 'utf8')
  } catch {
    return { logEntries: 0, eventsLastHour: 0 }
  }
  const since = Date.now() - 3_600_000
  let logEntries = 0
  let eventsLastHour = 0
  for (const line of completeLogLines(text)) {
    logEntries += 1
    const match = /"ts":"([^"]+)"/.exec(line)
    const time = match?.[1] === undefined ? Number.NaN : Date.parse(match[1])
    // a line of report mode's counted calls stands for `calls` of them (decision 0042)
    const calls = /"calls":(\d+)/.exec(line)?.[1]
    if (time >= since) eventsLastHour += calls === undefined ? 1 : Number(calls)
  }
  return { logEntries, eventsLastHour }
}

async function describe(
  report: GuardDaemonReport | undefined,
  socketPath: string,
  logPath: string,
): Promise<GuardDaemonStatus> {
  const path = report?.logPath ?? logPath
  return {
    running: report !== undefined,
    pid: report?.pid,
    socketPath,
    logPath: path,
    mode: report?.mode,
    startedAt: report?.startedAt,
    received: report?.received ?? 0,
    ...(await logFigures(path)),
    forwarding: report?.forwarding,
  }
}

/**
 * Starts the guard daemon as a detached Node process (unless one already answers on the socket)
 * and waits until it answers. Many processes then report unattested calls to it; it is the one
 * writer of the JSONL log and optionally forwards batches to the Mima server.
 *
 * @example
 * ```ts
 * const daemon = await startGuardDaemon({ forward: { baseUrl: 'https://mima.example', apiKey } })
 * console.log(`Guard daemon started (PID ${daemon.pid})`)
 * ```
 */
export async function startGuardDaemon(options: StartGuardDaemonOptions = {}): Promise<StartedGuardDaemon> {
  const socketPath = resolve(options.socketPath ?? defaultGuardSocketPath())
  const logPath = resolve(options.logPath ?? defaultGuardLogPath())
  const mode = options.mode ?? 'warn'
  if (!['warn', 'block', 'report'].includes(mode)) {
    throw new MimaError(
      'validation_failed',
      `startGuardDaemon: mode must be one of warn, block, report (got ${mode})`,
    )
  }
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new MimaError(
      'validation_failed',
      `The socket path ${socketPath} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`,
    )
  }
  if (options.forward && (!options.forward.baseUrl || !options.forward.apiKey)) {
    throw new MimaError('config_missing', 'Forwarding needs a baseUrl and an apiKey (run `mima login` first)')
  }
  if (options.forward) {
    try {
      new URL(options.forward.baseUrl)
    } catch {
      throw new MimaError('validation_failed', `Forwarding baseUrl is not a URL: ${options.forward.baseUrl}`)
    }
  }
  const existing = await queryGuardDaemon(socketPath)
  if (existing) return { ...(await describe(existing, socketPath, logPath)), started: false }

  const entry = daemonEntry()
  const args = [
    entry,
    '--socket',
    socketPath,
    '--log',
    logPath,
    '--pid',
    pidPathFor(socketPath),
    '--mode',
    mode,
  ]
  if (options.logMaxBytes !== undefined) args.push('--log-max-bytes', String(options.logMaxBytes))
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.MIMA_GUARD_FORWARD_API_KEY
  if (options.forward) {
    args.push('--forward-url', options.forward.baseUrl)
    if (options.forward.workspaceId) args.push('--workspace', options.forward.workspaceId)
    if (options.forward.intervalMs !== undefined) args.push('--interval', String(options.forward.intervalMs))
    env.MIMA_GUARD_FORWARD_API_KEY = options.forward.apiKey
  }
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 })
  const outputPath = join(dirname(socketPath), 'daemon.log')
  const output = openSync(outputPath, 'a', 0o600)
  const child = spawn(process.execPath, args, {
    cwd: dirname(socketPath),
    detached: true,
    stdio: ['ignore', output, output],
    env,
  })
  closeSync(output)
  let exited: number | null | undefined
  child.once('exit', (code) => {
    exited = code
  })
  child.unref()

  const deadline = Date.now() + (options.timeoutMs ?? 5000)
  while (Date.now() < deadline) {
    const report = await queryGuardDaemon(socketPath, 250)
    if (report) return { ...(await describe(report, socketPath, logPath)), started: true }
    if (exited !== undefined) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const tail = existsSync(outputPath) ? readFileSync(outputPath, 'utf8').split('\n').slice(-6).join('\n') : ''
  if (exited === undefined && child.pid !== undefined) process.kill(child.pid, 'SIGTERM')
  throw new MimaError('internal_error', `The guard daemon did not start (${outputPath}):\n${tail}`)
}

/**
 * Stops the daemon that answers on the socket (SIGTERM, then SIGKILL after 5 s); it writes and
 * forwards what it holds, then removes its socket and PID file.
 */
export async function stopGuardDaemon(location: GuardDaemonLocation = {}): Promise<StoppedGuardDaemon> {
  const socketPath = resolve(location.socketPath ?? defaultGuardSocketPath())
  const pidPath = pidPathFor(socketPath)
  // Only a daemon that answers on the socket is signalled: a stale PID file may name a reused PID.
  const pid = (await queryGuardDaemon(socketPath))?.pid
  if (pid === undefined) {
    rmSync(pidPath, { force: true })
    return { wasRunning: false, pid: undefined }
  }
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    // already gone
  }
  const deadline = Date.now() + 5000
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25))
  if (alive(pid)) process.kill(pid, 'SIGKILL')
  rmSync(pidPath, { force: true })
  rmSync(socketPath, { force: true })
  return { wasRunning: true, pid }
}

/** Whether a daemon answers on the socket, with its counts and the log's figures. */
export async function guardDaemonStatus(location: GuardDaemonLocation = {}): Promise<GuardDaemonStatus> {
  const socketPath = resolve(location.socketPath ?? defaultGuardSocketPath())
  const logPath = resolve(location.logPath ?? defaultGuardLogPath())
  return describe(await queryGuardDaemon(socketPath), socketPath, logPath)
}
