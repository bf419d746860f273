#!/usr/bin/env node
// The `mima` executable. A committed file, so `pnpm install` links it before anything is built
// (no "Failed to create bin" warnings); the program itself is dist/bin.js.
import { existsSync } from 'node:fs'

const program = new URL('../dist/bin.js', import.meta.url)
if (!existsSync(program)) {
  process.stderr.write(
    'mima: this copy is not built yet. In the repository, run `pnpm build` (or `pnpm start`) first.\n',
  )
  process.exit(2)
}
await import(program.href)
