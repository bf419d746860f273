import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { runInProcess } from '../src/commands/run-in-process.test-helper'

/** The built `mima` executable. */
export const MIMA_BIN: string = join(import.meta.dirname, '..', 'dist', 'bin.js')

/** What one `mima` run produced. */
export interface MimaResult {
  code: number | null
  stdout: string
  stderr: string
}

const homes: string[] = []
// Registered while the test file is collected, so it runs after the file's last test
// (a `mima serve` data directory is tens of MB).
afterAll(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true })
})

/** A fresh, empty HOME for one test (so ~/.mima never leaks between tests or from the machine). */
export async function createHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'mima-cli-home-'))
  homes.push(home)
  return home
}

/** Options for {@link runMima}. */
export interface RunMimaOptions {
  home: string
  env?: Record<string, string | undefined>
  stdin?: string
  cwd?: string
}

/** Only PATH, HOME and the variables a test gives: nothing leaks in from the developer's shell. */
function childEnv(options: RunMimaOptions): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: options.home }
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value
  return env
}

/** A running `mima` child process, its output collected as it comes. */
export interface MimaProcess {
  child: ChildProcessWithoutNullStreams
  /** What it printed so far. */
  readonly stdout: string
  readonly stderr: string
  /** Its exit code, once it has closed. */
  exited: Promise<number | null>
}

/** Starts the built `mima` with only PATH, HOME and the given variables, in HOME unless `cwd`. */
export function spawnMima(args: readonly string[], options: RunMimaOptions): MimaProcess {
  const child = spawn(process.execPath, [MIMA_BIN, ...args], {
    env: childEnv(options),
    cwd: options.cwd ?? options.home,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const output = { stdout: '', stderr: '' }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  return {
    child,
    get stdout() {
      return output.stdout
    },
    get stderr() {
      return output.stderr
    },
    exited,
  }
}

/**
 * Runs the built `mima` as a child process (asynchronously: the test server lives in this
 * process and must keep answering) with only PATH and HOME from the environment.
 */
export async function runMima(args: readonly string[], options: RunMimaOptions): Promise<MimaResult> {
  const mima = spawnMima(args, options)
  mima.child.stdin.end(options.stdin ?? '')
  const code = await mima.exited
  return { code, stdout: mima.stdout, stderr: mima.stderr }
}

/** Splits a shell-like example line (`mima push x --a "b c"`) into arguments, dropping `mima`. */
export function splitExample(line: string): string[] {
  const args: string[] = []
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g
  for (const match of line.matchAll(pattern)) args.push(match[1] ?? match[2] ?? match[3]!)
  return args[0] === 'mima' ? args.slice(1) : args
}

/**
 * Runs `mima` in this process, with the same environment rules as {@link runMima} (only PATH, HOME
 * and the given variables). For commands that need no server and no terminal: a process start costs
 * a few hundred milliseconds, seconds on a loaded machine, and the suite runs hundreds of them.
 * `bin.ts` itself (top-level help, version) still needs {@link runMima}.
 */
export function runMimaInProcess(args: readonly string[], options: RunMimaOptions): Promise<MimaResult> {
  return runInProcess(args, childEnv(options), options.stdin ?? '')
}
