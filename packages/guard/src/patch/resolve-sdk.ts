import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join } from 'node:path'

/** The CommonJS and ESM entry files of one installed copy of an SDK package. */
export interface ResolvedSdk {
  /** The package directory (real path). */
  readonly root: string
  readonly version: string | undefined
  readonly commonjs: string
  /** `undefined` when the package ships no separate ESM build. */
  readonly esm: string | undefined
}

function requireFrom(base: string): NodeRequire {
  let file = base.startsWith('file:') ? new URL(base).pathname : base
  try {
    if (statSync(file).isDirectory()) file = join(file, '__mima_guard__.js')
  } catch {
    // a file that does not exist is fine as a base
  }
  return createRequire(file)
}

function packageRoot(file: string): string | undefined {
  let directory = dirname(file)
  for (;;) {
    if (existsSync(join(directory, 'package.json'))) {
      try {
        const json = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: unknown }
        if (typeof json.name === 'string') return directory
      } catch {
        // keep walking
      }
    }
    const parent = dirname(directory)
    if (parent === directory) return undefined
    directory = parent
  }
}

function exportTarget(value: unknown, conditions: readonly string[]): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  for (const [key, nested] of Object.entries(value)) {
    if (!conditions.includes(key)) continue
    const found = exportTarget(nested, conditions)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Resolves `specifier` (a package name or a path) from each base, and finds each distinct copy's
 * ESM entry through its `exports` map (the `import` side of `"."`).
 */
export function resolveSdk(specifier: string, bases: readonly string[]): ResolvedSdk[] {
  const found = new Map<string, ResolvedSdk>()
  for (const base of isAbsolute(specifier) ? [specifier] : bases) {
    let commonjs: string
    try {
      commonjs = realpathSync(requireFrom(base).resolve(specifier))
    } catch {
      continue
    }
    if (found.has(commonjs)) continue
    const root = packageRoot(commonjs) ?? dirname(commonjs)
    let version: string | undefined
    let esm: string | undefined
    try {
      const json = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        version?: string
        exports?: unknown
        module?: string
      }
      version = json.version
      const rootExport =
        typeof json.exports === 'object' && json.exports !== null && '.' in json.exports
          ? (json.exports as Record<string, unknown>)['.']
          : json.exports
      const target = exportTarget(rootExport, ['import', 'node', 'default']) ?? json.module
      if (target !== undefined) {
        const candidate = realpathSync(join(root, target))
        if (candidate !== commonjs) esm = candidate
      }
    } catch {
      // no readable package.json or no ESM entry: patch the CommonJS copy only
    }
    found.set(commonjs, { root, version, commonjs, esm })
  }
  return [...found.values()]
}
