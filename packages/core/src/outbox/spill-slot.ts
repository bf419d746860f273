/** The file-system calls spill-file claiming needs (a subset of `node:fs`). */
export interface SlotFs {
  mkdirSync(path: string, options: { recursive: true; mode?: number }): unknown
  openSync(path: string, flags: string, mode?: number): number
  closeSync(fd: number): void
  writeSync(fd: number, data: string): number
  readFileSync(path: string, encoding: 'utf8'): string
  writeFileSync(path: string, data: string): void
  rmSync(path: string, options: { force: true }): void
  readdirSync(path: string): string[]
  existsSync(path: string): boolean
}

/** One claimed spill file: `<stem>[.n].jsonl`, its read offset and its lock. */
export interface SpillSlot {
  readonly spillFile: string
  readonly offsetFile: string
  /** Removes the lock so another client or process may take the slot. */
  release(): void
}

// Slots claimed by clients of this process (shared by every copy of @mima/core).
const CLAIMED_KEY = Symbol.for('mima.outbox-claimed-slots')
function claimed(): Set<string> {
  const holder = globalThis as unknown as Record<symbol, Set<string> | undefined>
  let set = holder[CLAIMED_KEY]
  if (!set) {
    set = new Set()
    Object.defineProperty(holder, CLAIMED_KEY, { value: set, enumerable: false })
  }
  return set
}

function currentPid(): number {
  return (globalThis as { process?: { pid?: number } }).process?.pid ?? 0
}

function isAlive(pid: number): boolean {
  const process = (globalThis as { process?: { kill?: (pid: number, signal: number) => unknown } }).process
  if (!process?.kill || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'
  }
}

function paths(
  directory: string,
  stem: string,
  slot: number,
): { spillFile: string; offsetFile: string; lockFile: string } {
  const base = `${directory}/${slot === 0 ? stem : `${stem}.${slot}`}`
  return { spillFile: `${base}.jsonl`, offsetFile: `${base}.offset`, lockFile: `${base}.lock` }
}

/** Takes the lock of one slot: free, or held by a process that is gone. */
function tryLock(fs: SlotFs, lockFile: string): boolean {
  const registry = claimed()
  if (registry.has(lockFile)) return false
  const pid = currentPid()
  try {
    const fd = fs.openSync(lockFile, 'wx', 0o600)
    fs.writeSync(fd, String(pid))
    fs.closeSync(fd)
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error
    let holder = 0
    try {
      holder = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10) || 0
    } catch {
      holder = 0
    }
    // Our own pid in a lock no client of this process holds is stale (a restarted container reuses pids).
    if (holder !== pid && isAlive(holder)) return false
    fs.writeFileSync(lockFile, String(pid))
  }
  registry.add(lockFile)
  return true
}

function slotFor(fs: SlotFs, directory: string, stem: string, slot: number): SpillSlot {
  const { spillFile, offsetFile, lockFile } = paths(directory, stem, slot)
  let released = false
  return {
    spillFile,
    offsetFile,
    release() {
      if (released) return
      released = true
      claimed().delete(lockFile)
      try {
        fs.rmSync(lockFile, { force: true })
      } catch {
        // a lock that cannot be removed goes stale and is taken over later
      }
    },
  }
}

/**
 * Claims the lowest free spill slot for `stem`, so that two clients (in one process or in two
 * processes sharing a home directory) never append to the same file.
 */
export function claimSpillSlot(fs: SlotFs, directory: string, stem: string): SpillSlot {
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 })
  for (let slot = 0; slot < 1000; slot++) {
    if (tryLock(fs, paths(directory, stem, slot).lockFile)) return slotFor(fs, directory, stem, slot)
  }
  throw new Error(`no free outbox slot for "${stem}" in ${directory}`)
}

/**
 * Spill files of `stem` left by clients that are gone (no live lock holder), locked for the caller,
 * who replays and then removes them. `except` is the caller's own spill file.
 */
export function claimOrphans(fs: SlotFs, directory: string, stem: string, except: string): SpillSlot[] {
  let names: string[]
  try {
    names = fs.readdirSync(directory)
  } catch {
    return []
  }
  const escaped = stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = new RegExp(`^${escaped}(?:\\.(\\d+))?\\.jsonl$`)
  const orphans: SpillSlot[] = []
  for (const name of names.sort()) {
    const match = pattern.exec(name)
    if (!match) continue
    const slot = match[1] === undefined ? 0 : Number(match[1])
    const { spillFile, lockFile } = paths(directory, stem, slot)
    if (spillFile === except) continue
    if (tryLock(fs, lockFile)) orphans.push(slotFor(fs, directory, stem, slot))
  }
  return orphans
}

/** Whether `directory` holds any spill file of `stem` (cheap check before claiming anything). */
export function hasSpillFiles(fs: SlotFs, directory: string, stem: string): boolean {
  try {
    const escaped = stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const pattern = new RegExp(`^${escaped}(?:\\.\\d+)?\\.jsonl$`)
    return fs.existsSync(directory) && fs.readdirSync(directory).some((name) => pattern.test(name))
  } catch {
    return false
  }
}
