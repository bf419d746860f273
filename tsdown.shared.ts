import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { UserConfig } from 'tsdown'

interface PackageJson {
  name: string
  version: string
  type?: string
  dependencies?: Record<string, string>
  exports?: unknown
}

function readPackageJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson
}

/**
 * The dependencies that ship ESM only (`"type": "module"` and no `require` condition). The CommonJS
 * build bundles them: `require()` of an ESM-only package fails under Jest and older runtimes, and
 * under `require(esm)` its default export comes back wrapped (`ky.default.create is not a function`).
 */
export function esmOnlyDependencies(directory: string): string[] {
  const manifest = readPackageJson(join(directory, 'package.json'))
  const requireFromPackage = createRequire(join(directory, 'package.json'))
  return Object.keys(manifest.dependencies ?? {}).filter((name) => {
    if (name.startsWith('@mima/')) return false
    const found = (requireFromPackage.resolve.paths(name) ?? [])
      .map((nodeModules) => join(nodeModules, name, 'package.json'))
      .find((file) => existsSync(file))
    if (found === undefined) return false
    const dependency = readPackageJson(found)
    return dependency.type === 'module' && !JSON.stringify(dependency.exports ?? {}).includes('"require"')
  })
}

export interface PackageBuildOptions {
  /** The package directory (pass `import.meta.dirname`). */
  directory: string
  /** Entry points relative to the package, `src/index.ts` when omitted. */
  entry?: string[] | Record<string, string>
  /** `dual` ships ESM + CJS (libraries); `esm` ships ESM only (cli, server). */
  format?: 'dual' | 'esm'
  platform?: 'node' | 'neutral'
}

/**
 * The one build recipe every package uses: declarations from isolated declarations,
 * `__MIMA_VERSION__` replaced by the package's version, dependencies kept external.
 */
export function definePackageBuild(options: PackageBuildOptions): UserConfig {
  const packageJson = readPackageJson(join(options.directory, 'package.json'))
  const bundled = esmOnlyDependencies(options.directory)
  const bundledInCommonJs = (id: string): boolean =>
    bundled.some((name) => id === name || id.startsWith(`${name}/`))
  return {
    cwd: options.directory,
    entry: options.entry ?? ['src/index.ts'],
    format:
      options.format === 'esm'
        ? ['esm']
        : {
            esm: {},
            cjs: {
              deps: { alwaysBundle: bundledInCommonJs, onlyBundle: false, skipNodeModulesBundle: false },
            },
          },
    platform: options.platform ?? 'neutral',
    target: 'node20.19',
    dts: true,
    sourcemap: true,
    clean: true,
    fixedExtension: false,
    unbundle: false,
    define: { __MIMA_VERSION__: JSON.stringify(packageJson.version) },
  }
}
