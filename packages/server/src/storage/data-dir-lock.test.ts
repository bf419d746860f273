import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer } from '../server/start-server'
import { applyUmaskToDataDir, DATA_DIR_LOCK_FILE, lockDataDir } from './data-dir-lock'

const root = mkdtempSync(join(tmpdir(), 'mima-lock-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let directories = 0
const freshDirectory = (): string => join(root, `data-${++directories}`)

describe('the PGlite data directory lock', () => {
  it('refuses a second holder while the first runs, naming its pid and URL, and frees on release', () => {
    const directory = freshDirectory()
    const first = lockDataDir(directory)
    first.describe({ url: 'http://127.0.0.1:8080' })
    expect(statSync(directory).mode & 0o777).toBe(0o700)
    expect(() => lockDataDir(directory)).toThrow(
      new RegExp(
        `is in use by another Mima server \\(pid ${process.pid}, listening on http://127.0.0.1:8080`,
      ),
    )
    first.release()
    expect(existsSync(first.path)).toBe(false)
    lockDataDir(directory).release()
  })

  it('takes over a lock left by a process that is gone', () => {
    const directory = freshDirectory()
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    })
    lockDataDir(directory).release()
    const path = join(directory, DATA_DIR_LOCK_FILE)
    writeFileSync(path, JSON.stringify({ pid: Number(gone.stdout), hostname: 'x', started_at: 'then' }))
    // Another host's lock is never taken over; this host's stale one is.
    expect(() => lockDataDir(directory)).toThrow(/on x/)
    writeFileSync(
      path,
      JSON.stringify({ pid: Number(gone.stdout), hostname: hostname(), started_at: 'then' }),
    )
    const lock = lockDataDir(directory)
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid)
    lock.release()
  })

  it('applies the umask to files PGlite created 0666', () => {
    const directory = freshDirectory()
    lockDataDir(directory).release()
    const file = join(directory, 'PG_VERSION')
    writeFileSync(file, '17', { mode: 0o666 })
    chmodSync(file, 0o666)
    applyUmaskToDataDir(directory)
    expect(statSync(file).mode & 0o777).toBe(0o666 & ~process.umask())
  })
})

describe('startServer on a taken directory or port', () => {
  it('refuses a locked data directory before opening it', async () => {
    const directory = freshDirectory()
    const lock = lockDataDir(directory)
    try {
      await expect(startServer({ dataDir: directory })).rejects.toMatchObject({ code: 'data_dir_locked' })
      expect(existsSync(join(directory, 'PG_VERSION'))).toBe(false)
    } finally {
      lock.release()
    }
  })

  it('refuses a busy port in one line, without opening the database or keeping the lock', async () => {
    const busy: Server = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as { port: number }).port
    const directory = freshDirectory()
    try {
      await expect(startServer({ dataDir: directory, port })).rejects.toMatchObject({
        code: 'address_in_use',
        message: expect.stringMatching(new RegExp(`^Port ${port} on 127.0.0.1 is already in use`)),
      })
      expect(existsSync(join(directory, 'PG_VERSION'))).toBe(false)
      expect(existsSync(join(directory, DATA_DIR_LOCK_FILE))).toBe(false)
    } finally {
      busy.close()
    }
  })
})
