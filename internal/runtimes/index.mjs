// Paths to the pinned Node.js binaries this package installs (see package.json). Tests that need a
// newer runtime than the machine's Node spawn these; `pnpm install` fetches them, no extra CI step.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const here = import.meta.dirname

function binary(alias) {
  const path = join(here, 'node_modules', alias, 'bin', 'node')
  if (!existsSync(path)) {
    throw new Error(`${alias} is not installed at ${path}: run \`pnpm install\` at the repository root.`)
  }
  return path
}

/** Absolute path of the pinned Node.js 22 binary. */
export const node22 = () => binary('node22')
/** Absolute path of the pinned Node.js 24 binary. */
export const node24 = () => binary('node24')
