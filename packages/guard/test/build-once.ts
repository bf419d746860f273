import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const packageDirectory = join(import.meta.dirname, '..')

function newest(directory: string): number {
  let latest = 0
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.endsWith('.test.ts')) continue
    latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return latest
}

/**
 * Tests that spawn Node processes (the daemon, CommonJS scripts, the vitest fixture) run the
 * built package: build it once when `dist` is missing or older than `src`.
 */
export default function setup(): void {
  const dist = join(packageDirectory, 'dist')
  const built = existsSync(join(dist, 'daemon.js')) ? newest(dist) : 0
  if (built > newest(join(packageDirectory, 'src'))) return
  execFileSync('pnpm', ['exec', 'tsdown', '--log-level', 'warn'], { cwd: packageDirectory, stdio: 'inherit' })
}
