import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/**
 * The installed version of an npm package as Node would resolve it from `directory`: the nearest
 * `node_modules/<name>/package.json` from there upwards (workspaces hoist dependencies to the root,
 * pnpm keeps them beside the package). When none is installed, the range the nearest `package.json`
 * declares; undefined when neither is found.
 */
export function installedVersion(directory: string, packageName: string): string | undefined {
  let declared: string | undefined
  let current = directory
  for (;;) {
    const manifest = join(current, 'node_modules', packageName, 'package.json')
    if (existsSync(manifest)) {
      const version = readJson(manifest)?.version
      return typeof version === 'string' ? version : declared
    }
    if (declared === undefined && existsSync(join(current, 'package.json'))) {
      const json = readJson(join(current, 'package.json'))
      const ranges = [json?.dependencies, json?.devDependencies, json?.peerDependencies]
      for (const range of ranges) {
        const value = (range as Record<string, unknown> | undefined)?.[packageName]
        if (typeof value === 'string') {
          declared = value
          break
        }
      }
    }
    const parent = dirname(current)
    if (parent === current) return declared
    current = parent
  }
}
