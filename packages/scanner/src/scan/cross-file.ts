import { readFileSync } from 'node:fs'
import { analyzeSource, type FileAnalysis, isInteresting } from '../analysis/analyze-file'
import type { ImportResolver } from '../analysis/evaluator'
import type { FileExports, Value } from '../analysis/values'
import { libraryForSpecifier } from '../catalog/sdk-catalog'
import type { ModuleResolver } from '../files/module-resolver'

const MAX_ROUNDS = 8

/** Which files may be parsed again, and where to report one that could not be. */
export interface CrossFileGuard {
  mayParse(file: string, source: string): boolean
  onProblem(file: string, message: string): void
}

/**
 * Follows project imports: once the first pass knows which files export AI handles (a client,
 * a class holding one, a factory), every file importing them is analysed again with those
 * values, until nothing changes (re-export chains, wrappers of wrappers).
 */
export function resolveCrossFile(
  analyses: Map<string, FileAnalysis>,
  specifiers: ReadonlyMap<string, readonly string[]>,
  resolver: ModuleResolver,
  guard: CrossFileGuard = { mayParse: () => true, onProblem: () => {} },
): void {
  const exportsOf = (file: string): FileExports | undefined => analyses.get(file)?.exports

  const resolveExport = (file: string, name: string, seen: Set<string>): Value | undefined => {
    const key = `${file}\0${name}`
    if (seen.has(key)) return undefined
    seen.add(key)
    const exports = exportsOf(file)
    if (!exports) return undefined
    if (name === '*') return namespace(file, seen)
    const own = exports.values[name]
    if (own) return own
    const reexport = exports.reexports[name]
    if (reexport) return importFrom(file, reexport[0], reexport[1], seen)
    if (name === 'default') return undefined
    for (const star of exports.stars) {
      const value = importFrom(file, star, name, seen)
      if (value) return value
    }
    return undefined
  }

  const namespace = (file: string, seen: Set<string>): Value | undefined => {
    const exports = exportsOf(file)
    if (!exports) return undefined
    const members: Record<string, Value> = {}
    const names = new Set([...Object.keys(exports.values), ...Object.keys(exports.reexports)])
    for (const name of names) {
      const value = resolveExport(file, name, seen)
      if (value) members[name] = value
    }
    for (const star of exports.stars) {
      const target = resolver.resolve(file, star)
      const inner = target ? namespace(target, seen) : undefined
      if (inner?.kind === 'shape')
        for (const [key, value] of Object.entries(inner.members)) members[key] ??= value
    }
    return Object.keys(members).length > 0 ? { kind: 'shape', members } : undefined
  }

  const importFrom = (
    file: string,
    specifier: string,
    name: string,
    seen: Set<string>,
  ): Value | undefined => {
    const library = libraryForSpecifier(specifier)
    if (library)
      return name === '*'
        ? { kind: 'module', library: library.name, specifier }
        : { kind: 'export', library: library.name, name }
    const target = resolver.resolve(file, specifier)
    return target ? resolveExport(target, name, seen) : undefined
  }

  const resolverFor =
    (file: string): ImportResolver =>
    (specifier, name) =>
      importFrom(file, specifier, name, new Set())

  /** What a file's project imports currently resolve to, as a comparable signature. */
  const signature = (file: string): string => {
    const parts: string[] = []
    for (const specifier of specifiers.get(file) ?? []) {
      if (libraryForSpecifier(specifier)) continue
      const target = resolver.resolve(file, specifier)
      if (!target) continue
      const value = namespace(target, new Set())
      if (value && isInteresting(value, 0)) parts.push(`${specifier}=${JSON.stringify(value)}`)
      else if (hasForwarding(exportsOf(target))) parts.push(`${specifier}=>`)
    }
    return parts.join('\n')
  }

  const analysedWith = new Map<string, string>()
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false
    const exporting = new Set<string>()
    for (const [file, analysis] of analyses) {
      const exports = analysis.exports
      if (Object.keys(exports.values).length > 0 || hasForwarding(exports)) exporting.add(file)
    }
    if (exporting.size === 0) break
    for (const [file, list] of specifiers) {
      if (
        !analysedWith.has(file) &&
        !list.some((specifier) => exporting.has(resolver.resolve(file, specifier) ?? ''))
      )
        continue
      const current = signature(file)
      if (current === (analysedWith.get(file) ?? '')) continue
      analysedWith.set(file, current)
      let source: string
      try {
        source = readFileSync(file, 'utf8')
      } catch {
        continue
      }
      if (!guard.mayParse(file, source)) continue
      const before = JSON.stringify(analyses.get(file)?.exports ?? null)
      let analysis: FileAnalysis
      try {
        analysis = analyzeSource(file, source, resolverFor(file))
      } catch (error) {
        guard.onProblem(file, (error as Error).message)
        continue
      }
      analyses.set(file, analysis)
      if (JSON.stringify(analysis.exports) !== before) changed = true
    }
    if (!changed) break
  }
}

function hasForwarding(exports: FileExports | undefined): boolean {
  return exports !== undefined && (exports.stars.length > 0 || Object.keys(exports.reexports).length > 0)
}
