import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'

const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..')
/** The built `mima` CLI. */
export const CLI_BIN: string = join(repositoryRoot, 'packages', 'cli', 'dist', 'bin.js')
const AGENT_SCRIPT = join(import.meta.dirname, 'fixtures', 'agent-child.mjs')

/** Builds @mima/policy and @mima/cli (turbo, cached) for the child processes. */
export function buildForChildren(): void {
  execFileSync(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      '--filter=@mima/policy...',
      '--filter=@mima/cli...',
      '--output-logs=errors-only',
    ],
    { cwd: repositoryRoot, stdio: 'inherit' },
  )
}

/** A running child with its stdout lines. */
export interface Child {
  child: ChildProcess
  lines: string[]
  /** Resolves with the first line `match` accepts (rejects when the process ends first). */
  waitForLine(match: (line: string) => boolean): Promise<string>
  exited: Promise<number | null>
}

function track(child: ChildProcess): Child {
  const lines: string[] = []
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = []
  let stderr = ''
  let buffer = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline !== -1) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
      newline = buffer.indexOf('\n')
    }
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    lines,
    exited,
    waitForLine(match) {
      const found = lines.find(match)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve })
        exited.then((code) =>
          reject(new Error(`child exited (${code}) before the line; stderr: ${stderr.slice(-2000)}`)),
        )
      })
    },
  }
}

/** Starts the agent fixture with `env` (MIMA_BASE_URL, MIMA_API_KEY, MIMA_WORKSPACE_ID, MODE, …). */
export function startAgent(env: Record<string, string>): Child {
  return track(
    spawn(process.execPath, [AGENT_SCRIPT], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
}

/** Runs the built CLI to completion. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string }> {
  const child = track(
    spawn(process.execPath, [CLI_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  const code = await child.exited
  return { code, stdout: child.lines.join('\n') }
}

/** Starts the built CLI without waiting for it (for `mima tail`). */
export function startCli(args: readonly string[], env: Record<string, string>): Child {
  return track(
    spawn(process.execPath, [CLI_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
}
