import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'tsdown'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { definePackageBuild } from '../../../../tsdown.shared.ts'
import { startTestServer } from '../../test/mima-test-server'
import { createMima } from '../client/create-mima'
import { sha256HexPortable } from '../hashing/sha256'

const packageDirectory = join(import.meta.dirname, '..', '..')
let work: string
let bundle: string
// Inside the package, so the bundle resolves this package's dependencies (ky, @noble/*).
const bundleDirectory = join(packageDirectory, 'node_modules', '.cache', `restart-test-${process.pid}`)

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mima-restart-'))
  // The child process runs this package's source, bundled by the project's own build recipe.
  await build({
    ...definePackageBuild({ directory: packageDirectory }),
    config: false,
    format: ['esm'],
    dts: false,
    sourcemap: false,
    outDir: bundleDirectory,
    logLevel: 'silent',
  })
  bundle = join(bundleDirectory, 'index.js')
}, 60_000)

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  rmSync(bundleDirectory, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('outbox across a process restart', () => {
  it('saves what a process had not sent when it exits (no close()), and a new process replays it in order', async () => {
    const port = await freePort()
    const outbox = join(work, 'outbox')
    const script = join(work, 'child.mjs')
    writeFileSync(
      script,
      `import { createMima } from ${JSON.stringify(bundle)}
const mima = createMima({ apiKey: 'k', systemName: 'child', baseUrl: 'http://127.0.0.1:${port}', workspaceId: 'ws-test',
  env: {}, configFile: false, onError: 'silent', retry: { limit: 0 }, outbox: { directory: ${JSON.stringify(outbox)}, maxMemoryRecords: 5 } })
const step = mima.attest({ toolName: 'child-step', mode: 'batch' }, (index) => index)
for (let index = 0; index < 12; index++) step(index)
process.stdout.write(String(mima.pending))
process.exit(0) // exits without close(): the exit hook must write everything to disk
`,
    )
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 })
    expect(child.stderr).toBe('')
    expect(child.stdout).toBe('12')
    expect(readFileSync(join(outbox, 'child.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12)

    const server = await startTestServer({}, port)
    try {
      const mima = createMima({
        apiKey: 'k',
        systemName: 'child',
        baseUrl: server.url,
        workspaceId: 'ws-test',
        env: {},
        configFile: false,
        flushOnExit: false,
        outbox: { directory: outbox },
      })
      expect(mima.pending).toBe(12)
      await mima.close()
      expect(server.recorder.attestations.map((record) => record.input_hash)).toEqual(
        Array.from({ length: 12 }, (_, index) => sha256HexPortable(`[${index}]`)),
      )
    } finally {
      await server.close()
    }
  })

  it('flushes buffered records when the process ends on its own (beforeExit), and saves them when the server is down', async () => {
    const outbox = join(work, 'outbox-natural')
    const script = (port: number): string => {
      const file = join(work, `natural-${port}.mjs`)
      writeFileSync(
        file,
        `import { createMima } from ${JSON.stringify(bundle)}
const mima = createMima({ apiKey: 'k', systemName: 'natural', baseUrl: 'http://127.0.0.1:${port}', workspaceId: 'ws-test',
  env: {}, configFile: false, onError: 'silent', outbox: { directory: ${JSON.stringify(outbox)} } })
const step = mima.attest({ toolName: 'natural-step', mode: 'batch' }, (index) => index)
for (let index = 0; index < 7; index++) step(index)
// no close(), no exit(): the event loop simply runs dry
`,
      )
      return file
    }
    const server = await startTestServer()
    try {
      // Asynchronous spawn: this process must keep serving HTTP while the child runs.
      await promisify(execFile)(process.execPath, [script(server.port)], {
        encoding: 'utf8',
        timeout: 30_000,
      })
      expect(server.recorder.attestationsFor('natural-step')).toHaveLength(7)
    } finally {
      await server.close()
    }
    const down = spawnSync(process.execPath, [script(await freePort())], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(down.status).toBe(0)
    expect(readFileSync(join(outbox, 'natural.jsonl'), 'utf8').trim().split('\n')).toHaveLength(7)
  })
})
