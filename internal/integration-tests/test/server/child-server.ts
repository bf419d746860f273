import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..')
/** The built `mima-server` bin. */
export const SERVER_BIN: string = join(repositoryRoot, 'packages', 'server', 'dist', 'bin.js')

/**
 * Builds @mima/server and its dependencies through turbo (cached, so cheap when nothing changed):
 * child processes must run the built bin, not the TypeScript source.
 */
export function buildServer(): void {
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@mima/server...', '--output-logs=errors-only'],
    {
      cwd: repositoryRoot,
      stdio: 'inherit',
    },
  )
  if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} is missing after the build`)
}

/** A `mima-server` child process. */
export interface ChildServer {
  url: string
  child: ChildProcess
  /** Resolves with the exit code or signal once the process ended. */
  exited: Promise<number | string | null>
  /** Resolves when the server logs a line whose `msg` is `message`. */
  waitForLog(message: string): Promise<void>
  stop(): Promise<void>
}

/** Starts the built bin with `env` on a free port and waits for its `listening` log line. */
export function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, [SERVER_BIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MIMA_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const seen = new Set<string>()
  const waiters = new Map<string, Array<() => void>>()
  const waitForLog = (message: string): Promise<void> =>
    seen.has(message)
      ? Promise.resolve()
      : new Promise((done) => waiters.set(message, [...(waiters.get(message) ?? []), done]))
  return new Promise((resolve, reject) => {
    let buffer = ''
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString()
      let newline = buffer.indexOf('\n')
      while (newline >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        newline = buffer.indexOf('\n')
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string }
          if (entry.msg !== undefined) {
            seen.add(entry.msg)
            for (const done of waiters.get(entry.msg) ?? []) done()
            waiters.delete(entry.msg)
          }
          if (entry.msg === 'listening' && entry.url !== undefined) {
            resolve({
              waitForLog,
              url: entry.url,
              child,
              exited,
              async stop() {
                if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
                await exited
              },
            })
          }
        } catch {
          // not a JSON line
        }
      }
    }
    child.stdout?.on('data', onData)
    void exited.then((code) => reject(new Error(`mima-server exited (${code}) before listening:\n${stderr}`)))
  })
}
