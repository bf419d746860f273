// The consumer check's runtime plumbing: a real @mima/server from the installed tarball, one run
// of a script on a runtime, and a worker served by workerd.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { rolldown } from 'rolldown'

// 300 s: on a loaded 2-core machine (CI beside the other stages) a cold server start took over 120 s.
const DEADLINE_MS = 300_000

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitForUrl(url, child, output) {
  const deadline = Date.now() + DEADLINE_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited before listening:\n${output()}`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) })
      return
    } catch {
      if (Date.now() > deadline) throw new Error(`not listening after ${DEADLINE_MS / 1000} s:\n${output()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function spawnCollecting(binary, args, options) {
  const child = spawn(binary, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  child.stdout.on('data', (chunk) => {
    text += chunk
  })
  child.stderr.on('data', (chunk) => {
    text += chunk
  })
  const close = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return { child, output: () => text, close }
}

/** Starts the packed `mima-server` (PGlite in a fresh directory) with a known workspace and admin key. */
export async function startMimaServer(project) {
  const port = await freePort()
  const apiKey = `mima_consumer_${randomBytes(16).toString('hex')}`
  const workspaceId = randomUUID()
  const dataDir = join(project, '.mima-data')
  const server = spawnCollecting(
    process.execPath,
    [join(project, 'node_modules', '@mima', 'server', 'dist', 'bin.js')],
    {
      cwd: project,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        MIMA_DATA_DIR: dataDir,
        MIMA_BOOTSTRAP_API_KEY: apiKey,
        MIMA_BOOTSTRAP_WORKSPACE_ID: workspaceId,
        DATABASE_URL: '',
      },
    },
  )
  const baseUrl = `http://127.0.0.1:${port}`
  await waitForUrl(`${baseUrl}/api/ledger/public-key`, server.child, server.output)
  return { target: { baseUrl, apiKey, workspaceId }, close: server.close }
}

/** Runs `binary args` in `cwd`, printing its output; throws (naming the runtime) when it fails. */
export function runOn(label, binary, args, cwd) {
  try {
    const output = execFileSync(binary, args, { cwd, encoding: 'utf8', timeout: DEADLINE_MS, stdio: 'pipe' })
    console.log(
      `${label} ${args.find((arg) => /\.(mjs|cjs)$/.test(arg))}: ${output.trim().split('\n').at(-1)}`,
    )
  } catch (error) {
    throw new Error(
      `${label} ${args.join(' ').slice(0, 80)} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`,
    )
  }
}

/** Bundles a worker into one ES module, as a Workers deploy does. */
export async function bundleWorker(input, directory) {
  mkdirSync(directory, { recursive: true })
  const bundle = await rolldown({ input, platform: 'browser', logLevel: 'silent' })
  const file = join(directory, 'worker.js')
  await bundle.write({ file, format: 'esm' })
  await bundle.close()
  return file
}

/** Serves `workerFile` with workerd on a loopback port (outbound fetches may reach loopback), runs `use(url)`. */
export async function serveWorker(binary, workerFile, use) {
  const port = await freePort()
  const config = join(workerFile, '..', 'config.capnp')
  writeFileSync(
    config,
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
  const worker = spawnCollecting(binary, ['serve', config], {})
  try {
    const url = `http://127.0.0.1:${port}`
    await waitForUrl(`${url}/ready-check`, worker.child, worker.output)
    await use(url)
  } catch (error) {
    throw new Error(`${error.message}\n${worker.output()}`)
  } finally {
    await worker.close()
  }
}
