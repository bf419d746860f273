import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

// The CLI tests spawn the BUILT binary, as a user runs it. Build it (and the workspace packages
// it imports at run time) when dist is missing or older than the sources.
const packages = join(import.meta.dirname, '..', '..')
const RUNTIME = ['cli', 'core', 'grc', 'guard', 'server', 'approvals', 'policy', 'scanner', 'mcp']

function newestSource(directory: string): number {
  let newest = 0
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

function entry(name: string): string {
  return join(packages, name, 'dist', name === 'cli' ? 'bin.js' : 'index.js')
}

function isStale(name: string): boolean {
  const directory = join(packages, name)
  const built = entry(name)
  if (!existsSync(built)) return true
  return newestSource(join(directory, 'src')) > statSync(built).mtimeMs
}

export default function setup(): void {
  const stale = RUNTIME.filter(isStale)
  if (stale.length === 0) return
  process.stderr.write(`[cli tests] building (stale: ${stale.join(', ')}) ...\n`)
  try {
    if (stale.length === 1 && stale[0] === 'cli') {
      // Only the CLI changed (the usual case under `turbo run test`, which built the dependencies).
      execFileSync('pnpm', ['run', 'build'], { cwd: join(packages, 'cli'), stdio: 'inherit' })
    } else {
      execFileSync(
        'pnpm',
        ['exec', 'turbo', 'run', 'build', '--filter=@mima/cli...', '--output-logs=errors-only'],
        { cwd: join(packages, '..'), stdio: 'inherit' },
      )
    }
  } catch (error) {
    // The CLI itself must build; a sibling whose build is broken only matters if it has no dist.
    const missing = RUNTIME.filter((name) => !existsSync(entry(name)))
    if (isStale('cli') || missing.length > 0) throw error
    process.stderr.write(
      '[cli tests] WARNING: a dependency failed to rebuild; testing against its previous dist\n',
    )
  }
}
