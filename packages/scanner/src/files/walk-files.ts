import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { MimaError } from '@mima/core'
import ignore, { type Ignore } from 'ignore'
import picomatch from 'picomatch'

/** The source extensions the scanner parses. */
export const SOURCE_EXTENSIONS: readonly string[] = [
  '.ts',
  '.tsx',
  '.mts',
  '.cts',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
]

/** Directories skipped by default: dependencies, build output, caches and tests. */
export const DEFAULT_EXCLUDED_DIRECTORIES: readonly string[] = [
  'node_modules',
  'dist',
  'build',
  'out',
  'coverage',
  '.next',
  '.nuxt',
  '.output',
  '.svelte-kit',
  '.turbo',
  '.vercel',
  '.cache',
  'test',
  'tests',
  '__tests__',
  '__mocks__',
  'e2e',
]

/** File globs skipped by default: tests, stories, minified bundles. */
export const DEFAULT_EXCLUDED_FILES: readonly string[] = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/*.stories.*',
  '**/*.min.js',
  '**/vitest.config.*',
  '**/jest.config.*',
]

/** How files are picked. */
export interface WalkOptions {
  /** Globs (relative to each scan root); when given, only matching files are scanned. */
  readonly include?: readonly string[]
  /** Globs to skip, on top of the defaults. */
  readonly exclude?: readonly string[]
  /** Skip dependencies, build output and tests (default true). */
  readonly defaultExcludes?: boolean
  /** Honour `.gitignore` files (default true). */
  readonly gitignore?: boolean
}

interface IgnoreLayer {
  readonly base: string
  readonly rules: Ignore
}

function isDeclarationFile(name: string): boolean {
  return name.endsWith('.d.ts') || name.endsWith('.d.mts') || name.endsWith('.d.cts')
}

function hasSourceExtension(name: string): boolean {
  const dot = name.lastIndexOf('.')
  return dot > 0 && SOURCE_EXTENSIONS.includes(name.slice(dot)) && !isDeclarationFile(name)
}

function loadGitignore(directory: string): IgnoreLayer | undefined {
  const file = join(directory, '.gitignore')
  if (!existsSync(file)) return undefined
  try {
    return { base: directory, rules: ignore().add(readFileSync(file, 'utf8')) }
  } catch {
    return undefined
  }
}

/** `.gitignore` files from the repository root (the nearest `.git`) down to `directory`. */
function ancestorLayers(directory: string): IgnoreLayer[] {
  const chain: string[] = []
  let current = directory
  for (;;) {
    chain.unshift(current)
    if (existsSync(join(current, '.git'))) break
    const parent = dirname(current)
    if (parent === current) return [] // not in a repository: only the root's own .gitignore applies
    current = parent
  }
  return chain.slice(0, -1).flatMap((entry) => loadGitignore(entry) ?? [])
}

function ignoredBy(layers: readonly IgnoreLayer[], path: string, isDirectory: boolean): boolean {
  for (const layer of layers) {
    const relativePath = relative(layer.base, path).split(sep).join('/')
    if (relativePath === '' || relativePath.startsWith('..')) continue
    if (layer.rules.ignores(isDirectory ? `${relativePath}/` : relativePath)) return true
  }
  return false
}

/**
 * Lists the source files under the given paths (files are taken as they are), honouring
 * `.gitignore`, the default excludes and `include`/`exclude` globs, in a stable order.
 *
 * @example
 * ```ts
 * const files = walkSourceFiles(['src'], { exclude: ['**\/generated/**'] })
 * ```
 */
export function walkSourceFiles(paths: readonly string[], options: WalkOptions = {}): string[] {
  const defaults = options.defaultExcludes ?? true
  const useGitignore = options.gitignore ?? true
  const excludeGlobs = [...(defaults ? DEFAULT_EXCLUDED_FILES : []), ...(options.exclude ?? [])]
  const excluded = excludeGlobs.length > 0 ? picomatch(excludeGlobs as string[], { dot: true }) : () => false
  const userExcluded =
    options.exclude && options.exclude.length > 0
      ? picomatch(options.exclude as string[], { dot: true })
      : () => false
  const included =
    options.include && options.include.length > 0
      ? picomatch(options.include as string[], { dot: true })
      : () => true
  const prunedNames = new Set(['.git', ...(defaults ? DEFAULT_EXCLUDED_DIRECTORIES : [])])
  const files: string[] = []
  const seen = new Set<string>()

  for (const input of paths) {
    const root = resolve(input)
    let stats: ReturnType<typeof statSync>
    try {
      stats = statSync(root)
    } catch {
      throw new MimaError('validation_failed', `path not found: ${input}`)
    }
    if (stats.isFile()) {
      if (hasSourceExtension(root) && !seen.has(root)) {
        seen.add(root)
        files.push(root)
      }
      continue
    }
    const baseLayers = useGitignore ? ancestorLayers(root) : []
    const walk = (directory: string, prefix: string, layers: readonly IgnoreLayer[]): void => {
      const own = useGitignore ? loadGitignore(directory) : undefined
      const active = own ? [...layers, own] : layers
      let entries: Dirent[]
      try {
        entries = readdirSync(directory, { withFileTypes: true })
      } catch {
        return
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      for (const entry of entries) {
        const path = `${directory}${sep}${entry.name}`
        const relativePath = prefix + entry.name
        if (entry.isDirectory()) {
          if (prunedNames.has(entry.name)) continue
          if (userExcluded(relativePath) || userExcluded(`${relativePath}/`)) continue
          if (active.length > 0 && ignoredBy(active, path, true)) continue
          walk(path, `${relativePath}/`, active)
        } else if (entry.isFile() && hasSourceExtension(entry.name)) {
          if (excluded(relativePath) || !included(relativePath)) continue
          if (active.length > 0 && ignoredBy(active, path, false)) continue
          if (seen.has(path)) continue
          seen.add(path)
          files.push(path)
        }
      }
    }
    walk(root, '', baseLayers)
  }
  return files
}
