import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { UserConfig } from 'tsdown'

interface PackageJson {
  name: string
  version: string
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
  const packageJson = JSON.parse(readFileSync(join(options.directory, 'package.json'), 'utf8')) as PackageJson
  return {
    cwd: options.directory,
    entry: options.entry ?? ['src/index.ts'],
    format: options.format === 'esm' ? ['esm'] : ['esm', 'cjs'],
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
