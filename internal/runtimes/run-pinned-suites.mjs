#!/usr/bin/env node
// Runs the runtime-sensitive suites on the pinned Node 22 and 24: every workspace package with a
// `test:pinned-node` script, once per major (`MIMA_PINNED_NODE=22|24` in its environment). CI runs
// this beside the main test run (`.ci/run`); each suite's output is shown only when it fails.
//   node internal/runtimes/run-pinned-suites.mjs [22 24]
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
const majors = process.argv.length > 2 ? process.argv.slice(2) : ['22', '24']
const DEADLINE_MS = 15 * 60_000

const suites = []
for (const group of ['packages', 'internal']) {
  for (const name of readdirSync(join(root, group)).sort()) {
    const manifestPath = join(root, group, name, 'package.json')
    if (!existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
    if (manifest.scripts?.['test:pinned-node'])
      suites.push({ name: manifest.name, directory: join(root, group, name) })
  }
}

function run(suite, major) {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['run', '--silent', 'test:pinned-node'], {
      cwd: suite.directory,
      env: { ...process.env, MIMA_PINNED_NODE: major, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const timer = setTimeout(() => {
      output += `\n(killed after ${DEADLINE_MS / 60_000} minutes)\n`
      child.kill('SIGTERM')
    }, DEADLINE_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, output })
    })
  })
}

const failed = []
for (const suite of suites) {
  for (const major of majors) {
    const started = Date.now()
    const { code, output } = await run(suite, major)
    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
    const tests = output.replace(/\x1b\[[0-9;]*m/g, '').match(/Tests\s+(.*\(\d+\))/)?.[1] ?? ''
    console.log(`pinned Node ${major}: ${suite.name} ${code === 0 ? 'ok' : 'FAILED'} ${tests} in ${seconds}s`)
    if (code !== 0) {
      failed.push(`${suite.name} on Node ${major}`)
      console.log(output)
    }
  }
}
if (suites.length === 0) {
  console.log('pinned Node suites: no package has a test:pinned-node script')
  process.exit(1)
}
if (failed.length > 0) {
  console.log(`pinned Node suites failed: ${failed.join(', ')}`)
  process.exit(1)
}
