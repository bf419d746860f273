import { existsSync } from 'node:fs'
import { dirname, relative, resolve, sep } from 'node:path'
import type { FileAnalysis } from '../analysis/analyze-file'
import type { Confidence, RawFinding } from '../analysis/finding'
import { libraryByName, type Operation } from '../catalog/sdk-catalog'
import { createModuleResolver } from '../files/module-resolver'
import { type WalkOptions, walkSourceFiles } from '../files/walk-files'
import { findMcpConfigServers } from '../mcp/find-mcp-config-servers'
import { resolveCrossFile } from './cross-file'
import { runFallbackTask, runProbedFileTask } from './file-task'
import { plannedWorkers, runFirstPass } from './first-pass'
import { installedVersion } from './installed-version'
import { ParseSafety } from './parse-probe'

/** Options for {@link scan}. */
export interface ScanOptions extends WalkOptions {
  /** Paths in results are relative to this directory (default `process.cwd()`). */
  readonly cwd?: string
  /** Worker threads for the parse pass: a number, or `auto` (default; threads only for large trees). */
  readonly workers?: number | 'auto'
  /** Called as files are done, for progress bars. */
  readonly onProgress?: (done: number, total: number) => void
}

/** One AI call site. */
export interface ScanFinding {
  /** Relative to `cwd`, with `/` separators. */
  readonly file: string
  readonly line: number
  readonly column: number
  readonly library: string
  readonly operation: Operation
  readonly attested: boolean
  readonly confidence: Confidence
  /** `model` for a model request, `tool` for an MCP tool call. */
  readonly kind: 'model' | 'tool'
  readonly callee: string
}

/** An AI library the code imports, with the version installed (or declared) where found. */
export interface ScannedLibrary {
  readonly name: string
  readonly package: string
  readonly version?: string
}

/** An MCP server the code connects to, or one an MCP client's configuration file names. */
export interface ScannedMcpServer {
  readonly transport: 'stdio' | 'http'
  readonly target: string
  readonly file: string
  readonly line: number
  /** `config` when found in a configuration file (`claude_desktop_config.json`, `.cursor/mcp.json`, …); absent for code. */
  readonly source?: 'config'
  /** The server's name in the configuration file. */
  readonly name?: string
  /** The client whose file it is (`claude-desktop`, `claude-code`, `cursor`, `vscode`, `mima-mcp`). */
  readonly client?: string
  /** Started through `mima mcp proxy` (configuration files only). */
  readonly governed?: boolean
}

/** Everything a scan found. */
export interface ScanResult {
  readonly paths: readonly string[]
  readonly filesScanned: number
  readonly filesParsed: number
  readonly bytesScanned: number
  readonly workers: number
  readonly durationMs: number
  /** Every call site, in file and position order. */
  readonly findings: readonly ScanFinding[]
  /** Attested call sites (any confidence). */
  readonly attested: number
  /** Unattested high-confidence call sites: what `--strict` fails on. */
  readonly unattested: number
  /** Unattested low-confidence call sites (heuristics), to review by hand. */
  readonly lowConfidence: number
  /** attested high / all high; 1 when there are none. */
  readonly coverage: number
  readonly libraries: readonly ScannedLibrary[]
  readonly models: readonly string[]
  readonly mcpServers: readonly ScannedMcpServer[]
  /** Files that could not be read or parsed cleanly, in file order. */
  readonly problems: readonly ScanProblem[]
}

/**
 * A file the scan could not fully see. `error`: the file, or statements in it, were not analysed
 * (unreadable, or nested too deep to parse safely), so AI calls in them may be missing; `--strict`
 * and {@link assertAttested} fail on these. `warning`: the parser recovered from syntax errors.
 */
export interface ScanProblem {
  readonly file: string
  readonly message: string
  readonly severity: 'error' | 'warning'
}

/**
 * Scans TypeScript and JavaScript files for AI call sites and whether an attestation covers them.
 *
 * @example
 * ```ts
 * import { assertAttested, scan } from '@mima/scanner'
 * const result = await scan(['src'])
 * assertAttested(result, { minCoverage: 0.9 })
 * ```
 */
export async function scan(paths: readonly string[], options: ScanOptions = {}): Promise<ScanResult> {
  const started = performance.now()
  const cwd = resolve(options.cwd ?? process.cwd())
  const files = walkSourceFiles(
    paths.map((path) => resolve(cwd, path)),
    options,
  )
  const workers = plannedWorkers(files.length, options.workers)
  const firstPass = await runFirstPass(files, {
    workers: options.workers ?? 'auto',
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  const analyses = new Map<string, FileAnalysis>()
  const specifiers = new Map<string, readonly string[]>()
  const problems: ScanProblem[] = []
  let bytes = 0
  // Files with enough nesting to crash the parser are parsed in a child process first.
  const safety = new ParseSafety()
  const textOnly = new Map<string, readonly RawFinding[]>()
  const probed = safety.probe(firstPass.filter((result) => result.needsProbe).map((result) => result.path))
  for (const first of firstPass) {
    const result = first.needsProbe && probed.has(first.path) ? runProbedFileTask(first.path) : first
    bytes += result.bytes
    if (result.analysis) analyses.set(result.path, result.analysis)
    if (result.specifiers.length > 0) specifiers.set(result.path, result.specifiers)
    if (result.error) problems.push({ file: result.path, message: result.error, severity: 'error' })
    // A file the parser must not see still shows what its text alone does.
    const fallback =
      first.needsProbe && !probed.has(first.path) ? runFallbackTask(first.path) : result.fallback
    if (fallback !== undefined && fallback.length > 0) textOnly.set(result.path, fallback)
  }
  for (const problem of safety.problems) problems.push({ ...problem, severity: 'error' })
  const parsedInFirstPass = analyses.size
  if (analyses.size > 0)
    resolveCrossFile(analyses, specifiers, createModuleResolver(new Set(files)), {
      mayParse: (file, source) => safety.mayParse(file, source),
      onProblem: (file, message) => problems.push({ file, message, severity: 'error' }),
    })

  const toRelative = (file: string): string => relative(cwd, file).split(sep).join('/')
  const findings: ScanFinding[] = []
  const libraryNames = new Set<string>()
  const models = new Set<string>()
  const mcpServers: ScannedMcpServer[] = []
  for (const file of files) {
    const analysis = analyses.get(file)
    if (!analysis) {
      for (const { offset: _offset, ...rest } of textOnly.get(file) ?? []) {
        findings.push({ file: toRelative(file), ...rest })
        libraryNames.add(rest.library)
      }
      continue
    }
    if (analysis.parseErrors > 0)
      problems.push({ file, message: `${analysis.parseErrors} parse error(s)`, severity: 'warning' })
    if (analysis.tooDeepStatements > 0)
      problems.push({
        file,
        message: `${analysis.tooDeepStatements} statement(s) nest too deep to analyse; AI calls inside them are not reported`,
        severity: 'error',
      })
    for (const name of analysis.libraries) libraryNames.add(name)
    for (const model of analysis.models) models.add(model)
    if (analysis.findings.length === 0 && analysis.mcpServers.length === 0) continue
    const relativeFile = toRelative(file)
    for (const { offset: _offset, ...rest } of analysis.findings)
      findings.push({ file: relativeFile, ...rest })
    for (const server of analysis.mcpServers)
      mcpServers.push({
        transport: server.transport,
        target: server.target,
        file: toRelative(file),
        line: server.line,
      })
  }
  for (const server of findMcpConfigServers(
    paths.map((path) => resolve(cwd, path)),
    cwd,
  )) {
    mcpServers.push({ ...server, source: 'config' })
  }
  const high = findings.filter((finding) => finding.confidence === 'high')
  const attestedHigh = high.filter((finding) => finding.attested).length
  const versionBase = paths[0] ? resolve(cwd, paths[0]) : cwd
  const libraries: ScannedLibrary[] = []
  for (const name of [...libraryNames].sort()) {
    const library = libraryByName(name)
    const packageName = library?.packages[0]
    if (!packageName) continue
    const version = installedVersion(
      existsSync(versionBase) && !versionBase.match(/\.[cm]?[jt]sx?$/) ? versionBase : dirname(versionBase),
      packageName,
    )
    libraries.push(version ? { name, package: packageName, version } : { name, package: packageName })
  }
  return {
    paths: paths.map((path) => path),
    filesScanned: files.length,
    filesParsed: Math.max(parsedInFirstPass, analyses.size),
    bytesScanned: bytes,
    workers,
    durationMs: Math.round(performance.now() - started),
    findings,
    attested: findings.filter((finding) => finding.attested).length,
    unattested: high.length - attestedHigh,
    lowConfidence: findings.filter((finding) => finding.confidence === 'low' && !finding.attested).length,
    coverage: high.length === 0 ? 1 : attestedHigh / high.length,
    libraries,
    models: [...models].sort(),
    mcpServers,
    problems: uniqueProblems(problems.map((problem) => ({ ...problem, file: toRelative(problem.file) }))),
  }
}

/** Each problem once, in file order (a file analysed again in a later round may repeat one). */
function uniqueProblems(problems: readonly ScanProblem[]): ScanProblem[] {
  const seen = new Set<string>()
  return problems
    .filter((problem) => {
      const key = `${problem.file}\0${problem.message}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
}
