#!/usr/bin/env node
// Runs a script on a pinned Node.js binary: `node with-node.mjs <22|24> <script> [args…]`.
// The binary's directory goes first on PATH, so child processes that call `node` get it too.
// A package whose framework needs Node ≥ 22 uses it as its test script, e.g.
//   "test": "node ../../internal/runtimes/with-node.mjs 22 ./node_modules/vitest/vitest.mjs run"
import { spawnSync } from 'node:child_process'
import { delimiter, dirname } from 'node:path'
import { node22, node24 } from './index.mjs'

const [major, script, ...args] = process.argv.slice(2)
const binaries = { 22: node22, 24: node24 }
if (!(major in binaries) || script === undefined) {
  console.error('usage: node with-node.mjs <22|24> <script> [args…]')
  process.exit(2)
}
const binary = binaries[major]()
const result = spawnSync(binary, [script, ...args], {
  stdio: 'inherit',
  env: { ...process.env, PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}` },
})
if (result.error) {
  console.error(`could not start Node ${major}: ${result.error.message}`)
  process.exit(1)
}
process.exit(result.status ?? 1)
