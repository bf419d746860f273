import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rolldown } from 'rolldown'

/** The package directory: fixtures resolve `@mima/core` from its node_modules (the built package). */
export const packageDirectory: string = join(import.meta.dirname, '..')

/** A runtime's exit code and output. */
export interface RuntimeResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `binary ...args` in the package directory (a minute at most) and collects its output. */
export function runBinary(binary: string, args: readonly string[]): Promise<RuntimeResult> {
  return new Promise((resolve) => {
    execFile(
      binary,
      [...args],
      { cwd: packageDirectory, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** A workerd process serving one worker on a loopback port. */
export interface RunningWorker {
  readonly url: string
  /** What workerd printed so far (for failure messages). */
  output(): string
  close(): Promise<void>
}

/**
 * Bundles `fixtures/worker.mjs` (with the built @mima/core) into one module, as a Workers deploy
 * does, and serves it with workerd. Outbound fetches may reach loopback, where the test server is.
 */
export async function startWorker(workerd: string): Promise<RunningWorker> {
  const directory = mkdtempSync(join(tmpdir(), 'mima-workerd-'))
  const bundle = await rolldown({
    input: join(packageDirectory, 'fixtures', 'worker.mjs'),
    platform: 'browser',
    logLevel: 'silent',
  })
  await bundle.write({ file: join(directory, 'worker.js'), format: 'esm' })
  await bundle.close()
  const port = await freePort()
  writeFileSync(
    join(directory, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "internet",
);
`,
  )
  const child: ChildProcess = spawn(workerd, ['serve', join(directory, 'config.capnp')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const url = `http://127.0.0.1:${port}`
  // Ready when the socket answers (workerd prints nothing when it starts listening).
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${output}`)
    try {
      await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) })
      break
    } catch {
      if (attempt >= 300) throw new Error(`workerd did not start listening: ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return {
    url,
    output: () => output,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
