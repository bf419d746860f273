import type { AttestationPayload } from '../attestation/attestation-payload'
import type { GrcWireRecord } from '../grc/grc-record'
import { claimOrphans, claimSpillSlot, hasSpillFiles, type SpillSlot } from './spill-slot'

/** One unsent record: an attestation, or a GRC evidence record (it has `record_type`). */
export type OutboxRecord = AttestationPayload | GrcWireRecord

/** A record, or a function that finishes one (buffered attestations are hashed and signed late). */
export type OutboxEntry = OutboxRecord | (() => OutboxRecord)

export function isEvidence(record: OutboxRecord): record is GrcWireRecord {
  return (record as GrcWireRecord).record_type !== undefined
}

/** Where unsent records wait. */
export interface OutboxOptions {
  /** Records kept in memory before they spill to disk (default 10 000). */
  readonly maxMemoryRecords?: number
  /**
   * Directory of the spill file on Node (default `~/.mima/outbox`); `false` keeps records in memory
   * only, where the oldest are dropped (and reported) once `maxMemoryRecords` is reached.
   */
  readonly directory?: string | false
}

/** The oldest unsent records, handed out one batch at a time. */
export interface OutboxBatch {
  readonly records: readonly OutboxRecord[]
  /** The records reached the server (or were rejected for good): forget them. */
  ack(): void
  /** Sending failed: keep them, in order, for the next attempt. */
  release(): void
}

/** A bounded, ordered queue of unsent records that spills to an append-only file on Node. */
export interface Outbox {
  /** Records waiting, in memory and on disk (including a batch being sent). */
  readonly size: number
  /** Records held in memory. */
  readonly memorySize: number
  /** Path of the spill file, when this runtime has a file system. */
  readonly spillFile: string | undefined
  add(record: OutboxEntry): void
  /** The oldest records (at most `max`), or undefined when empty or a batch is already out. */
  next(max: number): OutboxBatch | undefined
  /** Writes everything still in memory to the spill file (synchronous; used at exit). */
  persist(): void
  close(): void
}

interface NodeFs {
  mkdirSync(path: string, options: { recursive: true; mode?: number }): unknown
  openSync(path: string, flags: string, mode?: number): number
  closeSync(fd: number): void
  writeSync(fd: number, data: string): number
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number
  fstatSync(fd: number): { size: number }
  readFileSync(path: string, encoding: 'utf8'): string
  writeFileSync(path: string, data: string): void
  renameSync(from: string, to: string): void
  rmSync(path: string, options: { force: true }): void
  existsSync(path: string): boolean
  readdirSync(path: string): string[]
}

function nodeFs(): NodeFs | undefined {
  try {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    return process?.getBuiltinModule?.('node:fs') as NodeFs | undefined
  } catch {
    return undefined
  }
}

function defaultDirectory(): string | undefined {
  const process = (
    globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> }
    }
  ).process
  const fromEnv = process?.env?.MIMA_OUTBOX_DIR
  if (fromEnv) return fromEnv
  const os = process?.getBuiltinModule?.('node:os') as { homedir(): string } | undefined
  return os ? `${os.homedir()}/.mima/outbox` : undefined
}

const WRITE_BUFFER_LIMIT = 256 * 1024
const READ_CHUNK = 1024 * 1024

function countLines(fs: NodeFs, fd: number, from: number, to: number): number {
  const buffer = new Uint8Array(READ_CHUNK)
  let lines = 0
  for (let position = from; position < to; ) {
    const read = fs.readSync(fd, buffer, 0, Math.min(READ_CHUNK, to - position), position)
    if (read <= 0) break
    for (let index = 0; index < read; index++) if (buffer[index] === 0x0a) lines++
    position += read
  }
  return lines
}

const decoder = new TextDecoder()

export interface CreateOutboxOptions extends OutboxOptions {
  /** File name stem, normally the system name. */
  readonly name: string
  /** Told when records are dropped (memory-only outbox at its cap) or a spill file line is unreadable. */
  readonly onLoss: (count: number, reason: string) => void
  /** Told when the spill file cannot be used (read-only file system, …). */
  readonly onSpillError: (error: unknown) => void
}

/**
 * Creates the outbox. Records live in memory until `maxMemoryRecords`; from then on everything
 * (the queue first, then each new record) goes to `<directory>/<name>.jsonl`, which is read back
 * oldest-first, so order is kept. The read position is saved in `<name>.offset` after each
 * acknowledged batch, and a fresh process that finds an unfinished file replays it before
 * anything newer. A batch that was out when spilling began is written to the file too; if it is
 * then acknowledged it is sent twice, which the idempotency key makes harmless.
 */
export function createOutbox(options: CreateOutboxOptions): Outbox {
  const maxMemory = Math.max(1, options.maxMemoryRecords ?? 10_000)
  const fs = options.directory === false ? undefined : nodeFs()
  const directory = options.directory === false ? undefined : (options.directory ?? defaultDirectory())
  const stem = options.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'default'
  // The spill file is claimed (locked) on first use, or at once when files from earlier runs exist.
  let slot: SpillSlot | undefined
  let spillFile: string | undefined
  let offsetFile: string | undefined

  let memory: OutboxEntry[] = []
  let head = 0
  // The batch that is out: from memory (`count` records at the front) or from the file.
  let out:
    | { source: 'memory'; records: OutboxRecord[] }
    | { source: 'file'; end: number; records: OutboxRecord[] }
    | undefined
  let detached = false // the memory batch that was out has been copied to the file
  let spilling = false
  let fd: number | undefined
  let fileSize = 0
  let readOffset = 0
  let fileRecords = 0 // records in the file past readOffset (estimate after a restart)
  let writeBuffer = ''
  let bufferedRecords = 0
  let disabled = false

  function finished(entry: OutboxEntry): OutboxRecord | undefined {
    if (typeof entry !== 'function') return entry
    try {
      return entry()
    } catch (error) {
      options.onLoss(
        1,
        `a buffered record could not be finished (${error instanceof Error ? error.message : String(error)})`,
      )
      return undefined
    }
  }

  function claim(): boolean {
    if (slot) return true
    if (!fs || !directory || disabled) return false
    try {
      slot = claimSpillSlot(fs, directory, stem)
      spillFile = slot.spillFile
      offsetFile = slot.offsetFile
      return true
    } catch (error) {
      disabled = true
      options.onSpillError(error)
      return false
    }
  }

  function openFile(): boolean {
    if (!fs || disabled || !claim()) return false
    if (fd !== undefined) return true
    try {
      fd = fs.openSync(spillFile as string, 'a+', 0o600)
      fileSize = fs.fstatSync(fd).size
      return true
    } catch (error) {
      disabled = true
      options.onSpillError(error)
      return false
    }
  }

  function flushWrites(): void {
    if (writeBuffer === '' || !fs || !openFile()) return
    const data = writeBuffer
    const count = bufferedRecords
    fileSize += fs.writeSync(fd as number, data)
    writeBuffer = ''
    bufferedRecords = 0
    fileRecords += count
  }

  function appendLine(entry: OutboxEntry): void {
    const record = finished(entry)
    if (record === undefined) return
    writeBuffer += `${JSON.stringify(record)}\n`
    bufferedRecords++
    if (writeBuffer.length >= WRITE_BUFFER_LIMIT) flushWrites()
  }

  function saveOffset(): void {
    if (!fs || !offsetFile) return
    fs.writeFileSync(`${offsetFile}.tmp`, String(readOffset))
    fs.renameSync(`${offsetFile}.tmp`, offsetFile)
  }

  function resetFile(): void {
    if (!fs || !spillFile || !offsetFile) return
    if (fd !== undefined) fs.closeSync(fd)
    fd = undefined
    fs.rmSync(spillFile, { force: true })
    fs.rmSync(offsetFile, { force: true })
    fileSize = 0
    readOffset = 0
    fileRecords = 0
    spilling = false
  }

  function queued(): number {
    return memory.length - head
  }

  function compact(): void {
    if (head > 1024 && head * 2 > memory.length) {
      memory = memory.slice(head)
      head = 0
    }
  }

  function startSpilling(): boolean {
    if (!openFile()) return false
    spilling = true
    if (out?.source === 'memory' && !detached) {
      for (const record of out.records) appendLine(record)
      detached = true
    }
    for (let index = head; index < memory.length; index++) appendLine(memory[index] as OutboxEntry)
    memory = []
    head = 0
    return true
  }

  // Earlier runs left records behind: they go first (ours, then any orphaned slot's).
  if (fs && directory && hasSpillFiles(fs, directory, stem) && openFile()) {
    try {
      readOffset = Number.parseInt(fs.readFileSync(offsetFile as string, 'utf8'), 10) || 0
    } catch {
      readOffset = 0
    }
    if (readOffset < fileSize) {
      spilling = true
      fileRecords = countLines(fs, fd as number, readOffset, fileSize)
    } else if (fileSize > 0) {
      resetFile()
    }
    for (const orphan of claimOrphans(fs, directory, stem, spillFile as string)) {
      adopt(fs, orphan)
    }
  }

  function adopt(files: NodeFs, orphan: SpillSlot): void {
    let offset = 0
    try {
      offset = Number.parseInt(files.readFileSync(orphan.offsetFile, 'utf8'), 10) || 0
    } catch {
      offset = 0
    }
    try {
      const content = files.readFileSync(orphan.spillFile, 'utf8')
      const unread = new TextDecoder().decode(new TextEncoder().encode(content).subarray(offset))
      const complete = unread.endsWith('\n') ? unread : unread.slice(0, unread.lastIndexOf('\n') + 1)
      if (complete !== unread) options.onLoss(1, `an incomplete last line in ${orphan.spillFile} was skipped`)
      if (complete !== '') {
        if (!spilling) startSpilling()
        const count = complete.split('\n').length - 1
        writeBuffer += complete
        bufferedRecords += count
        flushWrites()
      }
      files.rmSync(orphan.spillFile, { force: true })
      files.rmSync(orphan.offsetFile, { force: true })
    } catch (error) {
      options.onSpillError(error)
    } finally {
      orphan.release()
    }
  }

  function readBatch(max: number): { records: OutboxRecord[]; end: number } {
    flushWrites()
    const records: OutboxRecord[] = []
    let position = readOffset
    let chunkSize = READ_CHUNK
    while (records.length < max && position < fileSize && fs && fd !== undefined) {
      const length = Math.min(chunkSize, fileSize - position)
      const buffer = new Uint8Array(length)
      const read = fs.readSync(fd, buffer, 0, length, position)
      let lineStart = 0
      let consumed = false
      for (let index = 0; index < read && records.length < max; index++) {
        if (buffer[index] !== 0x0a) continue
        const line = decoder.decode(buffer.subarray(lineStart, index))
        lineStart = index + 1
        consumed = true
        if (line.trim() === '') continue
        try {
          records.push(JSON.parse(line) as OutboxRecord)
        } catch {
          options.onLoss(1, `an unreadable line in ${spillFile} (a write torn by a crash) was skipped`)
        }
      }
      if (!consumed) {
        if (position + read >= fileSize) {
          // A last line without a newline: a torn write. Skip it.
          options.onLoss(1, `an incomplete last line in ${spillFile} was skipped`)
          position = fileSize
          break
        }
        chunkSize *= 2 // one record bigger than the chunk
        continue
      }
      position += lineStart
    }
    return { records, end: position }
  }

  return {
    get size() {
      const inFile = spilling ? fileRecords + bufferedRecords : 0
      return queued() + inFile + (out && !detached && out.source === 'memory' ? out.records.length : 0)
    },
    get memorySize() {
      return queued() + (out?.source === 'memory' && !detached ? out.records.length : 0)
    },
    get spillFile() {
      return spillFile ?? (fs && directory ? `${directory}/${stem}.jsonl` : undefined)
    },
    add(record) {
      if (spilling) {
        appendLine(record)
        return
      }
      if (queued() >= maxMemory && !startSpilling()) {
        // No file system: keep the newest, drop (and report) the oldest.
        head++
        compact()
        options.onLoss(
          1,
          `the in-memory outbox is full (${maxMemory} records) and this runtime cannot spill to disk`,
        )
      }
      if (spilling) appendLine(record)
      else memory.push(record)
    },
    next(max) {
      if (out) return undefined
      if (queued() > 0) {
        const taken = memory.slice(head, head + max)
        head += taken.length
        const records: OutboxRecord[] = []
        for (const entry of taken) {
          const record = finished(entry)
          if (record !== undefined) records.push(record)
        }
        compact()
        out = { source: 'memory', records }
        detached = false
      } else if (spilling) {
        const { records, end } = readBatch(max)
        if (records.length === 0) {
          if (end > readOffset) {
            readOffset = end
            saveOffset()
          }
          if (readOffset >= fileSize && writeBuffer === '') resetFile()
          return undefined
        }
        out = { source: 'file', end, records }
      } else {
        return undefined
      }
      const batch = out
      return {
        records: batch.records,
        ack() {
          if (out !== batch) return
          out = undefined
          if (batch.source === 'file') {
            readOffset = batch.end
            fileRecords = Math.max(0, fileRecords - batch.records.length)
            if (readOffset >= fileSize && writeBuffer === '') resetFile()
            else saveOffset()
          }
        },
        release() {
          if (out !== batch) return
          out = undefined
          if (batch.source === 'memory' && !detached) {
            if (spilling) return // cannot happen: spilling detaches the batch
            memory = (batch.records as OutboxEntry[]).concat(memory.slice(head))
            head = 0
          }
        },
      }
    },
    persist() {
      if (!spilling && (queued() > 0 || (out?.source === 'memory' && !detached))) {
        if (!startSpilling()) return
      }
      if (spilling) {
        try {
          flushWrites()
        } catch (error) {
          options.onSpillError(error)
        }
      }
    },
    close() {
      this.persist()
      if (fd !== undefined && fs) {
        fs.closeSync(fd)
        fd = undefined
      }
      // Free the slot when nothing is left in it; otherwise the lock dies with this process.
      if (slot && !spilling) {
        slot.release()
        slot = undefined
        spillFile = undefined
        offsetFile = undefined
      } else {
        slot?.release()
        slot = undefined
      }
    },
  }
}
