// Paths to the pinned runtimes this package installs (see package.json): Node.js 22 and 24, Bun,
// Deno and workerd, each a binary published on the npm registry. Tests that need another runtime
// than the machine's Node spawn these; `pnpm install` fetches them, no extra CI step.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const here = import.meta.dirname

function binary(alias, ...path) {
  const file = join(here, 'node_modules', alias, ...path)
  if (!existsSync(file)) {
    throw new Error(`${alias} is not installed at ${file}: run \`pnpm install\` at the repository root.`)
  }
  return file
}

/** Absolute path of the pinned Node.js 22 binary. */
export const node22 = () => binary('node22', 'bin', 'node')
/** Absolute path of the pinned Node.js 24 binary. */
export const node24 = () => binary('node24', 'bin', 'node')
/** Absolute path of the pinned Bun binary. */
export const bun = () => binary('bun', 'bin', 'bun')
/** Absolute path of the pinned Deno binary. */
export const deno = () => binary('deno', 'deno')
/** Absolute path of the pinned workerd binary (Cloudflare Workers' runtime). */
export const workerd = () => binary('workerd', 'bin', 'workerd')
