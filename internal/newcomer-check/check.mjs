#!/usr/bin/env node
// The newcomer's first hour, checked on a fresh clone of this repository's HEAD with a temporary
// HOME: the README's two commands word for word (`pnpm install && pnpm start`), `pnpm mima login`
// as the README writes it, a second `mima serve` on the same data directory (refused), Ctrl-C
// (exit 0, no ELIFECYCLE noise), and `pnpm demo` with no network and no OPENAI_API_KEY.
//
// It leaves the logged-in HOME behind and prints `newcomer-home: <path>`: `.ci/run` runs the
// test command with that HOME (and stray MIMA_* variables), which proves that `pnpm test` passes
// after `mima login`, without running the suite twice.
// Usage: node internal/newcomer-check/check.mjs [--commit <sha>]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
const started = Date.now()
const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`
const step = (message) => console.log(`[newcomer ${seconds().padStart(5)}] ${message}`)
const fail = (message, output = '') => {
  console.error(`[newcomer] FAILED: ${message}`)
  if (output) console.error(output.split('\n').slice(-40).join('\n'))
  process.exit(1)
}

// --- the README, read as a newcomer reads it -------------------------------------------------
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const twoCommands = readme.slice(readme.indexOf('## Two commands'))
const block =
  /```sh\n([\s\S]*?)```/.exec(twoCommands)?.[1] ?? fail('README.md has no "## Two commands" sh block')
const commands = block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
const [installLine, testLine] = commands
if (commands.length !== 2 || testLine !== 'pnpm test') {
  fail(`README's two commands changed; this check expects "… pnpm start" then "pnpm test", got:\n${block}`)
}
const installParts = installLine.split(' && ')
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]
if (installParts[0] !== `npm install --global pnpm@${pinned}`) {
  fail(`README installs "${installParts[0]}" but package.json pins pnpm@${pinned}`)
}
if (installParts.slice(1).join(' && ') !== 'pnpm install && pnpm start') {
  fail(`README's first command should end "pnpm install && pnpm start": ${installLine}`)
}
const loginLine = /^pnpm mima login --url http:\/\/127\.0\.0\.1:8080 --api-key <admin key>$/m.exec(
  readme,
)?.[0]
if (loginLine === undefined)
  fail('README.md no longer shows `pnpm mima login --url http://127.0.0.1:8080 --api-key <admin key>`')

// --- a fresh clone and a fresh HOME ----------------------------------------------------------
const scratch = mkdtempSync(join(tmpdir(), 'mima-newcomer-'))
const clone = join(scratch, 'clone')
const home = join(scratch, 'home')
mkdirSync(home)
step(`cloning HEAD into ${clone} (HOME=${home})`)
execFileSync('git', ['clone', '--quiet', '--shared', root, clone])
// --commit <sha>: check a commit that is not HEAD (e.g. `git stash create`'s snapshot of a work tree).
const commitIndex = process.argv.indexOf('--commit')
if (commitIndex !== -1) {
  execFileSync('git', [
    '-C',
    clone,
    'checkout',
    '--quiet',
    '--detach',
    process.argv[commitIndex + 1] ?? 'HEAD',
  ])
}
const storeDir = execFileSync('pnpm', ['store', 'path'], { cwd: root, encoding: 'utf8' }).trim()
const env = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  LANG: 'C.UTF-8',
  // Only where pnpm and turbo keep their caches: the commands themselves are the README's.
  npm_config_store_dir: storeDir,
  TURBO_CACHE_DIR: turboCacheDir(),
  TURBO_TELEMETRY_DISABLED: '1',
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: clone,
    env: { ...env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 600_000,
  })
  return {
    code: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`,
    stderr: result.stderr ?? '',
  }
}

const installedPnpm = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).stdout?.trim()
if (installedPnpm !== pinned)
  fail(`pnpm ${pinned} is not installed (found ${installedPnpm}): .ci/run installs it first`)
step(`pnpm ${pinned} is installed (README step "npm install --global pnpm@${pinned}")`)

step('pnpm install')
const install = run('pnpm', ['install'])
if (install.code !== 0) fail('pnpm install failed', install.output)
if (/Failed to create bin/.test(install.output))
  fail('pnpm install printed "Failed to create bin" warnings', install.output)

const port = await freePort()
step(`pnpm start (PORT=${port}: the README's 8080 may be taken on a CI machine)`)
const server = spawn('pnpm', ['start'], { cwd: clone, env: { ...env, PORT: String(port) }, detached: true })
let serverOutput = ''
server.stdout.setEncoding('utf8').on('data', (chunk) => {
  serverOutput += chunk
})
server.stderr.setEncoding('utf8').on('data', (chunk) => {
  serverOutput += chunk
})
const serverExit = new Promise((resolve) => server.on('close', (code, signal) => resolve({ code, signal })))
const stopServer = () => {
  try {
    process.kill(-server.pid, 'SIGINT')
  } catch {}
}
process.on('exit', stopServer)

const url = `http://127.0.0.1:${port}`
const adminKey = await waitFor(
  () => /admin key\s+(mima_\S+)/.exec(serverOutput)?.[1],
  'the boxed admin key',
  600_000,
)
await waitFor(() => serverOutput.includes(`ready on ${url}`) || undefined, `"ready on ${url}"`, 60_000)
if (!/┌─+┐[\s\S]*admin key[\s\S]*└─+┘/.test(serverOutput))
  fail('the admin key is not printed in a box', serverOutput)
step(`server ready on ${url}; admin key printed in a box`)

step(`${loginLine.replace('<admin key>', '<the key>')} (on port ${port})`)
const login = run(
  'pnpm',
  loginLine.replace('<admin key>', adminKey).replace(':8080', `:${port}`).split(' ').slice(1),
)
if (login.code !== 0) fail('pnpm mima login failed', login.output)
if (!existsSync(join(home, '.mima', 'config.json'))) fail('mima login did not write ~/.mima/config.json')

step('a second `pnpm mima serve` on the same data directory is refused')
const second = run('pnpm', ['mima', 'serve', '--port', '0', '--data-dir', 'packages/server/.mima-data'], {
  timeoutMs: 120_000,
})
if (second.code === 0 || !second.output.includes('is in use by another Mima server')) {
  fail('the second server was not refused with a clear message', second.output)
}
if (/this is a bug|\n\s+at /.test(second.output)) fail('the refusal printed a stack trace', second.output)

step('Ctrl-C stops the server cleanly')
stopServer()
const exit = await Promise.race([serverExit, sleep(60_000).then(() => undefined)])
if (exit === undefined) fail('the server did not stop within 60 s of Ctrl-C', serverOutput)
if (exit.code !== 0 || /ELIFECYCLE/.test(serverOutput)) {
  fail(
    `Ctrl-C ended pnpm start with ${exit.code ?? exit.signal}${/ELIFECYCLE/.test(serverOutput) ? ' and ELIFECYCLE noise' : ''}`,
    serverOutput,
  )
}

const offline = canIsolateNetwork()
step(
  `pnpm demo --once ${offline ? 'with no network (unshare -n)' : 'without network isolation (unshare is not available)'}, no OPENAI_API_KEY`,
)
const demoArgs = ['demo', '--once', '--port', '0']
const demo = offline
  ? run('unshare', ['--net', 'sh', '-c', `ip link set lo up && exec pnpm ${demoArgs.join(' ')}`])
  : run('pnpm', demoArgs)
if (demo.code !== 0 || !demo.output.includes('Mima demo: ready')) fail('pnpm demo failed', demo.output)
if (!demo.output.includes('All checks passed.'))
  fail('the quickstart inside the demo did not pass its checks', demo.output)

const quickstart = run('pnpm', ['--silent', '--filter', '@mima-example/quickstart', 'start'], {
  env: { MIMA_API_KEY: adminKey, MIMA_BASE_URL: url },
})
if (
  quickstart.code !== 2 ||
  /OpenAIError|\n\s+at /.test(quickstart.output) ||
  !quickstart.output.includes('pnpm demo')
) {
  fail('the quickstart without OPENAI_API_KEY did not end with a one-line hint', quickstart.output)
}
step('the quickstart without OPENAI_API_KEY prints a one-line hint')

// Hand the logged-in HOME to .ci/run's test stage.
writeFileSync(join(scratch, 'README-home.txt'), `HOME after \`${loginLine}\`, from internal/newcomer-check\n`)
rmSync(clone, { recursive: true, force: true })
step('passed')
console.log(`newcomer-home: ${home}`)

// --- helpers ----------------------------------------------------------------------------------

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds))
}

async function waitFor(probe, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`, serverOutput)
    if (server.exitCode !== null) fail(`pnpm start exited (${server.exitCode}) before ${what}`, serverOutput)
    await sleep(200)
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** Where turbo keeps this checkout's cache: git worktrees share the main worktree's. */
function turboCacheDir() {
  const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: root,
    encoding: 'utf8',
  }).trim()
  return join(common, '..', '.turbo', 'cache')
}

function canIsolateNetwork() {
  return spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0
}
