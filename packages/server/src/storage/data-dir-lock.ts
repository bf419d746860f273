import {
  chmodSync,
  closeSync,
  type Dirent,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { MimaError } from '@mima/core'

/** The lock file's name inside a PGlite data directory. */
export const DATA_DIR_LOCK_FILE = 'mima-server.lock'

/** What the lock file records about the process that holds the directory. */
export interface DataDirLockOwner {
  pid: number
  hostname: string
  started_at: string
  /** Set once the holder listens. */
  url?: string
}

/** An exclusive hold on a PGlite data directory (see {@link lockDataDir}). */
export interface DataDirLock {
  /** The lock file. */
  readonly path: string
  /** Records where the holder listens, for the message a second process prints. */
  describe(details: { url: string }): void
  /** Gives the directory up. Safe to call twice. */
  release(): void
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readOwner(path: string): DataDirLockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<DataDirLockOwner>
    return typeof owner.pid === 'number' ? (owner as DataDirLockOwner) : undefined
  } catch {
    return undefined
  }
}

/** The permission bits a new file gets under this process's umask. */
function fileMode(): number {
  return 0o666 & ~process.umask()
}

/**
 * Takes the PGlite data directory for this process, before the database opens: two processes on
 * one PGlite directory can corrupt it. Creates the directory (mode 0700) when missing. A lock held
 * by a running process is refused with a message naming it; one left by a process that is gone
 * (a crash, `kill -9`) is taken over. Released by {@link DataDirLock.release} and, as a last
 * resort, when the process exits.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const directory = resolve(dataDir)
  mkdirSync(directory, { recursive: true, mode: 0o700 })
  const path = join(directory, DATA_DIR_LOCK_FILE)
  const owner: DataDirLockOwner = {
    pid: process.pid,
    hostname: hostname(),
    started_at: new Date().toISOString(),
  }
  for (let attempt = 0; ; attempt++) {
    let descriptor: number
    try {
      descriptor = openSync(path, 'wx', fileMode())
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(error, path)
      const holder = readOwner(path)
      const sameHost = holder === undefined || holder.hostname === owner.hostname
      if (holder !== undefined && (!sameHost || isRunning(holder.pid))) {
        throw new MimaError(
          'data_dir_locked',
          `The data directory ${directory} is in use by another Mima server (pid ${holder.pid}` +
            `${sameHost ? '' : ` on ${holder.hostname}`}${holder.url ? `, listening on ${holder.url}` : ''}, ` +
            `started ${holder.started_at}). Two servers on one PGlite directory would corrupt it: stop that ` +
            'one first, or give this one its own directory (--data-dir or MIMA_DATA_DIR).',
        )
      }
      // Left behind by a process that is gone: take it over.
      rmSync(path, { force: true })
      continue
    }
    try {
      writeFileSync(descriptor, `${JSON.stringify(owner)}\n`)
    } finally {
      closeSync(descriptor)
    }
    break
  }
  let held = true
  const releaseOnExit = (): void => release()
  function release(): void {
    if (!held) return
    held = false
    process.off('exit', releaseOnExit)
    // Only our own lock: never remove one a later process took over.
    if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true })
  }
  process.on('exit', releaseOnExit)
  return {
    path,
    describe(details) {
      if (!held) return
      owner.url = details.url
      writeFileSync(path, `${JSON.stringify(owner)}\n`)
    },
    release,
  }
}

function lockError(error: unknown, path: string): MimaError {
  return new MimaError(
    'data_dir_locked',
    `Could not lock the data directory (${path}): ${(error as Error).message}`,
    { cause: error },
  )
}

/**
 * PGlite creates its files 0666 whatever the umask. Applies this process's umask to every file and
 * directory under `dataDir` (run after the database opens and after it closes); the directory
 * itself is 0700 as PostgreSQL wants, so files created in between are not reachable by others.
 */
export function applyUmaskToDataDir(dataDir: string): void {
  const umask = process.umask()
  const visit = (path: string, isDirectory: boolean): void => {
    const wanted = (isDirectory ? 0o777 : 0o666) & ~umask
    try {
      const mode = statMode(path)
      if (mode !== undefined && (mode & 0o777 & ~wanted) !== 0) chmodSafe(path, mode & wanted)
    } catch {
      // A file PGlite removed meanwhile.
    }
    if (!isDirectory) return
    for (const entry of readDirectory(path)) visit(join(path, entry.name), entry.isDirectory())
  }
  visit(resolve(dataDir), true)
  chmodSafe(resolve(dataDir), 0o700)
}

function statMode(path: string): number | undefined {
  return statSync(path).mode
}

function chmodSafe(path: string, mode: number): void {
  try {
    chmodSync(path, mode & 0o777)
  } catch {
    // Gone, or not ours to change.
  }
}

function readDirectory(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true })
  } catch {
    return []
  }
}
