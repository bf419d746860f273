import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, resolve, sep } from 'node:path'
import type { ScanFinding, ScanResult } from '../scan/scan'

/** One AI call the guard saw at run time (a line of its JSONL log, or a server event). */
export interface RuntimeEvent {
  /** The SDK method, e.g. `openai.chat.completions.create`. */
  readonly call: string
  /** `file:line:column` of the caller, when the guard captured it. */
  readonly call_site?: string
  readonly attested?: boolean
  readonly ts?: string
  /** How many calls the line stands for: the guard counts calls past its rate of resolved sites (1 when absent). */
  readonly calls?: number
}

/** The calls one event stands for: its `calls` when that is a positive integer, else 1. */
function callsOf(event: RuntimeEvent): number {
  const calls = event.calls
  return typeof calls === 'number' && Number.isSafeInteger(calls) && calls >= 1 ? calls : 1
}

/** A static call site with the runtime calls matched to it. */
export interface RuntimeSite {
  readonly finding: ScanFinding
  readonly calls: number
  readonly attestedCalls: number
}

/** Static and runtime coverage side by side. */
export interface RuntimeJoin {
  /** AI calls in the runtime report (a counted line adds its `calls`). */
  readonly events: number
  readonly attestedEvents: number
  /** attestedEvents / events; 1 when there were none. */
  readonly attestedShare: number
  /** Static sites that were seen running, with their call counts. */
  readonly seen: readonly RuntimeSite[]
  /** Unattested static sites (any confidence) that were seen running: the ones to fix first. */
  readonly unattestedSeen: readonly RuntimeSite[]
  /** Runtime calls whose call site matched no static finding (compiled code, dynamic calls, other repos). */
  readonly unmatched: number
}

/** How many lines below a finding's first line the runtime position may be (multi-line call chains). */
const LINE_SLACK = 4

/** Reads a guard JSONL log (and skips lines that are not events). */
export function readGuardLog(path: string): RuntimeEvent[] {
  if (!existsSync(path)) return []
  const events: RuntimeEvent[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      const value = JSON.parse(line) as Partial<RuntimeEvent>
      if (typeof value.call === 'string') events.push(value as RuntimeEvent)
    } catch {
      // a torn last line from a crash is not an event
    }
  }
  return events
}

function parseCallSite(site: string): { file: string; line: number } | undefined {
  const match = /^(.*?):(\d+)(?::(\d+))?$/.exec(site.replace(/^file:\/\//, ''))
  if (!match) return undefined
  return { file: (match[1] as string).split('\\').join('/'), line: Number(match[2]) }
}

function sameFile(runtimeFile: string, staticFile: string, cwd: string): boolean {
  if (isAbsolute(runtimeFile) && resolve(cwd, staticFile).split(sep).join('/') === runtimeFile) return true
  const a = runtimeFile.replace(/^(?:\.\.?\/)+/, '')
  const b = staticFile.replace(/^(?:\.\.?\/)+/, '')
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`)
}

/**
 * Joins a scan with the guard's runtime reports: which static call sites ran (matched on file
 * and line), which unattested ones ran, and what share of runtime AI calls was attested.
 *
 * @example
 * ```ts
 * const join = joinRuntime(await scan(['.']), readGuardLog(`${homedir()}/.mima/guard_log.jsonl`))
 * join.unattestedSeen // fix these first
 * ```
 */
export function joinRuntime(
  result: ScanResult,
  events: readonly RuntimeEvent[],
  options: { cwd?: string } = {},
): RuntimeJoin {
  const cwd = options.cwd ?? process.cwd()
  const counts = new Map<ScanFinding, { calls: number; attested: number }>()
  const byFile = new Map<string, ScanFinding[]>()
  for (const finding of result.findings) {
    const list = byFile.get(finding.file) ?? []
    list.push(finding)
    byFile.set(finding.file, list)
  }
  let total = 0
  let attestedEvents = 0
  let unmatched = 0
  for (const event of events) {
    const calls = callsOf(event)
    total += calls
    if (event.attested === true) attestedEvents += calls
    const site = event.call_site ? parseCallSite(event.call_site) : undefined
    let match: ScanFinding | undefined
    if (site) {
      for (const [file, findings] of byFile) {
        if (!sameFile(site.file, file, cwd)) continue
        for (const finding of findings) {
          if (finding.line <= site.line && site.line - finding.line <= LINE_SLACK)
            if (!match || finding.line > match.line) match = finding
        }
      }
    }
    if (!match) {
      unmatched += calls
      continue
    }
    const entry = counts.get(match) ?? { calls: 0, attested: 0 }
    entry.calls += calls
    if (event.attested === true) entry.attested += calls
    counts.set(match, entry)
  }
  const seen = result.findings
    .filter((finding) => counts.has(finding))
    .map((finding) => {
      const entry = counts.get(finding) as { calls: number; attested: number }
      return { finding, calls: entry.calls, attestedCalls: entry.attested }
    })
  return {
    events: total,
    attestedEvents,
    attestedShare: total === 0 ? 1 : attestedEvents / total,
    seen,
    unattestedSeen: seen.filter((site) => !site.finding.attested),
    unmatched,
  }
}
