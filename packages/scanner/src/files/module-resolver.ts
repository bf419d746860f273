import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

interface PathAliases {
  /** Directory the `paths` targets are relative to (`baseUrl`, else the tsconfig's directory). */
  readonly base: string
  readonly entries: ReadonlyArray<readonly [pattern: string, targets: readonly string[]]>
}

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']

/** Reads a tsconfig (JSON with comments and trailing commas). */
function readJsonc(file: string): Record<string, unknown> | undefined {
  try {
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\/|("(?:\\.|[^"\\])*")|\/\/[^\n]*/g, (_match, string) => string ?? '')
      .replace(/,(\s*[}\]])/g, '$1')
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
}

function aliasesFrom(file: string, depth = 0): PathAliases | undefined {
  const config = readJsonc(file)
  if (!config || depth > 5) return undefined
  const options = (config.compilerOptions ?? {}) as { paths?: Record<string, string[]>; baseUrl?: string }
  const directory = dirname(file)
  if (options.paths) {
    const base = options.baseUrl ? resolve(directory, options.baseUrl) : directory
    return { base, entries: Object.entries(options.paths) }
  }
  const parents = Array.isArray(config.extends) ? config.extends : config.extends ? [config.extends] : []
  for (const parent of parents as string[]) {
    if (typeof parent !== 'string' || !parent.startsWith('.')) continue
    const parentFile = resolve(directory, parent.endsWith('.json') ? parent : `${parent}.json`)
    const inherited = aliasesFrom(parentFile, depth + 1)
    if (inherited) return inherited
  }
  return undefined
}

/** Resolves project imports to files in the scanned set: relative paths and `tsconfig` `paths` aliases. */
export interface ModuleResolver {
  resolve(fromFile: string, specifier: string): string | undefined
}

/**
 * Creates a resolver over the files being scanned. Relative specifiers try the TypeScript
 * extensions (`./ai.js` finds `./ai.ts`) and `index` files; bare ones go through the `paths` of
 * the nearest `tsconfig.json` (following relative `extends`).
 */
export function createModuleResolver(files: ReadonlySet<string>): ModuleResolver {
  const aliasCache = new Map<string, PathAliases | undefined>()
  const results = new Map<string, string | undefined>()

  const aliasesFor = (directory: string): PathAliases | undefined => {
    if (aliasCache.has(directory)) return aliasCache.get(directory)
    const file = join(directory, 'tsconfig.json')
    let aliases: PathAliases | undefined
    if (existsSync(file)) aliases = aliasesFrom(file)
    else {
      const parent = dirname(directory)
      aliases = parent === directory ? undefined : aliasesFor(parent)
    }
    aliasCache.set(directory, aliases)
    return aliases
  }

  const probe = (candidate: string): string | undefined => {
    if (files.has(candidate)) return candidate
    const stripped = candidate.replace(/\.(m|c)?jsx?$/, '')
    for (const extension of EXTENSIONS) if (files.has(stripped + extension)) return stripped + extension
    for (const extension of EXTENSIONS) {
      const index = join(candidate, `index${extension}`)
      if (files.has(index)) return index
    }
    return undefined
  }

  const resolveUncached = (fromFile: string, specifier: string): string | undefined => {
    if (specifier.startsWith('.') || specifier.startsWith('/'))
      return probe(resolve(dirname(fromFile), specifier))
    const aliases = aliasesFor(dirname(fromFile))
    if (!aliases) return undefined
    for (const [pattern, targets] of aliases.entries) {
      const star = pattern.indexOf('*')
      let captured: string | undefined
      if (star < 0) captured = pattern === specifier ? '' : undefined
      else {
        const prefix = pattern.slice(0, star)
        const suffix = pattern.slice(star + 1)
        if (
          specifier.startsWith(prefix) &&
          specifier.endsWith(suffix) &&
          specifier.length >= prefix.length + suffix.length
        )
          captured = specifier.slice(prefix.length, specifier.length - suffix.length)
      }
      if (captured === undefined) continue
      for (const target of targets) {
        const found = probe(resolve(aliases.base, target.replace('*', captured)))
        if (found) return found
      }
    }
    return undefined
  }

  return {
    resolve(fromFile, specifier) {
      const key = `${dirname(fromFile)}\0${specifier}`
      if (results.has(key)) return results.get(key)
      const found = resolveUncached(fromFile, specifier)
      results.set(key, found)
      return found
    },
  }
}
