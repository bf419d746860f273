import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

/** `node_modules/.cache/mima-tests` at the repository root: never in the user's HOME. */
export const TEST_CACHE_DIRECTORY: string = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'node_modules',
  '.cache',
  'mima-tests',
)

/** Options for {@link cachedBuild}. */
export interface CachedBuildOptions {
  /** A file name prefix (`pglite-migrated`). */
  readonly name: string
  /** Everything the result depends on (migration texts, library versions); a new key builds anew. */
  readonly key: string
  /** Makes the bytes when no cached copy exists. */
  build(): Promise<Uint8Array>
  /** How long to wait for another process that is building the same thing (300 s). */
  readonly waitMs?: number
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Bytes that are expensive to make and the same for every test process (a migrated PGlite data
 * directory takes 4 s on a quiet machine, a minute at load 30), made once and kept on disk under
 * a hash of `key`. Many test processes start at once: one builds (holding a lock file), the others
 * wait for its result; a crashed builder's lock is taken over. Any trouble with the cache falls
 * back to building in this process, so a test never fails because of it.
 */
export async function cachedBuild(options: CachedBuildOptions): Promise<Uint8Array> {
  const digest = createHash('sha256').update(options.key).digest('hex').slice(0, 20)
  const path = join(TEST_CACHE_DIRECTORY, `${options.name}-${digest}.bin`)
  const lockPath = `${path}.lock`
  const deadline = Date.now() + (options.waitMs ?? 300_000)
  let pause = 50
  for (;;) {
    if (existsSync(path)) {
      try {
        return readFileSync(path)
      } catch {
        break
      }
    }
    let lock: number | undefined
    try {
      mkdirSync(TEST_CACHE_DIRECTORY, { recursive: true })
      lock = openSync(lockPath, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') break
    }
    if (lock !== undefined) {
      writeFileSync(lock, String(process.pid))
      closeSync(lock)
      try {
        const bytes = await options.build()
        const temporary = `${path}.${process.pid}.tmp`
        writeFileSync(temporary, bytes)
        renameSync(temporary, path) // readers see the whole file or none
        return bytes
      } finally {
        rmSync(lockPath, { force: true })
      }
    }
    // Another process builds it: wait, unless it died holding the lock.
    const holder = Number.parseInt(readFileSafely(lockPath), 10)
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) rmSync(lockPath, { force: true })
    if (Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, pause))
    pause = Math.min(pause * 1.5, 500)
  }
  return options.build()
}

function readFileSafely(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
