import { appendFileSync, mkdirSync } from 'node:fs'
import { appendFile, mkdir, rename, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Options for {@link createJsonlLog}. */
export interface JsonlLogOptions {
  readonly path: string
  /** Rotate once the file reaches this many bytes (10 MiB). */
  readonly maxBytes?: number
  /** Rotated files kept: `name.1.jsonl` … `name.N.jsonl` (3). */
  readonly backups?: number
}

/**
 * An append-only JSON-lines file with size-based rotation; writes are serialised, and each batch
 * goes to the file in one append. A reader can still catch the file between its creation and the
 * first append, or a large batch half copied: a line counts once its newline is there, so readers
 * take the text up to the last newline ({@link completeLogLines}).
 */
export interface JsonlLog {
  readonly path: string
  /** Appends the lines (each one JSON value, without newline) asynchronously, rotating first when full. */
  append(lines: readonly string[]): Promise<void>
  /** Appends synchronously (for `process.on('exit')`). Never throws. */
  appendSync(lines: readonly string[]): void
}

/** The default rotation size: 10 MiB. */
export const DEFAULT_LOG_MAX_BYTES: number = 10 * 1024 * 1024

/**
 * The finished lines of a JSONL log's text: those ended by a newline, blank ones left out. Text
 * after the last newline is a line still being written (or torn by a crash), not an entry yet.
 */
export function completeLogLines(text: string): string[] {
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
}

/** `guard_log.jsonl` → `guard_log.<n>.jsonl` */
export function rotatedLogPath(path: string, index: number): string {
  return path.endsWith('.jsonl') ? `${path.slice(0, -'.jsonl'.length)}.${index}.jsonl` : `${path}.${index}`
}

/**
 * Creates the JSONL log the guard (in-process fallback) and the daemon write: before each
 * batch, a file at or over `maxBytes` is rotated (`.2 → .3`, `.1 → .2`, current → `.1`).
 */
export function createJsonlLog(options: JsonlLogOptions): JsonlLog {
  const { path } = options
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES
  const backups = options.backups ?? 3
  let chain: Promise<void> = Promise.resolve()
  let directoryReady = false

  async function rotateIfFull(): Promise<void> {
    let size: number
    try {
      size = (await stat(path)).size
    } catch {
      return
    }
    if (size < maxBytes) return
    for (let index = backups - 1; index >= 1; index--) {
      await rename(rotatedLogPath(path, index), rotatedLogPath(path, index + 1)).catch(() => undefined)
    }
    if (backups >= 1) await rename(path, rotatedLogPath(path, 1)).catch(() => undefined)
  }

  async function write(lines: readonly string[]): Promise<void> {
    if (!directoryReady) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      directoryReady = true
    }
    await rotateIfFull()
    await appendFile(path, `${lines.join('\n')}\n`, { mode: 0o600 })
  }

  return {
    path,
    append(lines) {
      if (lines.length === 0) return chain
      chain = chain.then(
        () => write(lines),
        () => write(lines),
      )
      return chain
    },
    appendSync(lines) {
      if (lines.length === 0) return
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
        appendFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 })
      } catch {
        // recording never fails the host process
      }
    },
  }
}
