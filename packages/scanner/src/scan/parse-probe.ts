import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { parserLanguage } from '../analysis/analyze-file'
import { needsParseProbe } from '../analysis/parse-guard'

// The child parses on a worker thread with Node's default worker stack (4 MB), the smallest a
// scan runs on (the main thread has 8 MB, the scan's own workers 16 MB), so a file that parses
// there parses anywhere. For each path it writes the path's index, parses the file, then writes
// "ok". A native stack overflow kills the child mid-file: the last index without "ok" is the
// file that crashed it.
const PROBE_WORKER = `
const { readFileSync, writeSync } = require('node:fs')
const { workerData } = require('node:worker_threads')
const { parseSync } = require(workerData.parser)
for (let index = 0; index < workerData.files.length; index++) {
  const [path, lang] = workerData.files[index]
  writeSync(1, index + ' ')
  let source = ''
  try { source = readFileSync(path, 'utf8') } catch {}
  parseSync(path, source, { lang })
  writeSync(1, 'ok\\n')
}
`
const PROBE_MAIN = `
const { Worker } = require('node:worker_threads')
const files = JSON.parse(require('node:fs').readFileSync(0, 'utf8'))
const [worker, parser] = process.argv.slice(1)
new Worker(worker, { eval: true, workerData: { parser, files }, resourceLimits: { stackSizeMb: 4 } })
`

/** The most files one probe child takes before a fresh one starts (bounds its memory and time). */
const FILES_PER_CHILD = 500
const CHILD_TIMEOUT_MS = 300_000

function oxcParserPath(): string {
  return createRequire(import.meta.url).resolve('oxc-parser')
}

/**
 * Parses each file once in a child process and returns the ones that crashed the parser there
 * (path → problem). Files after a crash are probed again in a fresh child.
 */
export function probeParser(paths: readonly string[]): Map<string, string> {
  const crashed = new Map<string, string>()
  let remaining = paths.map((path) => [path, parserLanguage(path)] as const)
  const parser = oxcParserPath()
  while (remaining.length > 0) {
    const batch = remaining.slice(0, FILES_PER_CHILD)
    const child = spawnSync(process.execPath, ['-e', PROBE_MAIN, PROBE_WORKER, parser], {
      input: JSON.stringify(batch),
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'ignore'],
      // Only the parser: no loaders or hooks the scan's own process was started with.
      env: { ...process.env, NODE_OPTIONS: '' },
    })
    const lines = (child.stdout ?? '').split('\n')
    const done = lines.filter((line) => line.endsWith(' ok')).length
    if (child.status === 0 && done === batch.length) {
      remaining = remaining.slice(batch.length)
      continue
    }
    // The child died on file `done` (or could not start at all: then every file is reported).
    const failedAt = Math.min(done, batch.length - 1)
    const [failedPath] = batch[failedAt] as readonly [string, string]
    const how = child.signal ?? (child.error ? child.error.message : `exit code ${child.status}`)
    crashed.set(
      failedPath,
      `not analysed: the parser crashed on this file in a test run (${how}); it nests too deep to parse safely`,
    )
    remaining = remaining.slice(failedAt + 1)
  }
  return crashed
}

/**
 * What a scan knows about which files the parser may see: the ones probed safely, and a problem
 * for each that crashed the probe. Files are probed at most once.
 */
export class ParseSafety {
  readonly problems: Array<{ file: string; message: string }> = []
  readonly #safe = new Set<string>()
  readonly #unsafe = new Set<string>()

  /** Probes these files; returns the ones that parsed safely. */
  probe(paths: readonly string[]): ReadonlySet<string> {
    const fresh = paths.filter((path) => !this.#safe.has(path) && !this.#unsafe.has(path))
    const crashed = fresh.length === 0 ? new Map<string, string>() : probeParser(fresh)
    for (const path of fresh) {
      const problem = crashed.get(path)
      if (problem === undefined) this.#safe.add(path)
      else {
        this.#unsafe.add(path)
        this.problems.push({ file: path, message: problem })
      }
    }
    return new Set(paths.filter((path) => this.#safe.has(path)))
  }

  /** Whether `source` (the text of `file`) may be parsed in this process, probing it if needed. */
  mayParse(file: string, source: string): boolean {
    if (this.#unsafe.has(file)) return false
    if (this.#safe.has(file) || !needsParseProbe(source)) return true
    return this.probe([file]).has(file)
  }
}
