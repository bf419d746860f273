#!/usr/bin/env node
// A consumer's view of our packages: pack each with `pnpm pack` (which rewrites
// workspace: ranges), install the tarballs into an empty project with npm, then load
// every package both with `import` and, for the dual ones, with `require`, and call its main entry
// (exercises.mjs) on the machine's Node and the pinned Node 22 and 24; @mima/core also on Bun, Deno
// and workerd. Core's call is a full round trip against the packed @mima/server, started here.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bun, deno, node22, node24, workerd } from '../runtimes/index.mjs'
import { EXERCISES } from './exercises.mjs'
import { bundleWorker, runOn, serveWorker, startMimaServer } from './runtimes.mjs'

const root = join(import.meta.dirname, '..', '..')
const packagesDir = join(root, 'packages')
const work = mkdtempSync(join(tmpdir(), 'mima-consumer-'))
const tarballs = join(work, 'tarballs')
const project = join(work, 'project')

const packages = readdirSync(packagesDir).map((name) => {
  const directory = join(packagesDir, name)
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'))
  return { directory, manifest, dual: Boolean(manifest.exports?.['.']?.require) }
})

try {
  const files = {}
  for (const { directory, manifest } of packages) {
    const output = execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: directory,
      encoding: 'utf8',
    })
    const tarball = output.trim().split('\n').pop().trim()
    files[manifest.name] = `file:${tarball}`
  }
  writeFileSync(join(work, 'package.json'), '{}')
  execFileSync('mkdir', ['-p', project])
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies: files, overrides: files }, null, 2),
  )
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: 'inherit',
  })

  copyFileSync(
    join(root, 'internal', 'runtime-tests', 'fixtures', 'core-round-trip.mjs'),
    join(project, 'core-round-trip.mjs'),
  )
  const exercise = (name, loader) => `{
  const m = ${loader}
  if (m.VERSION !== ${JSON.stringify(versions[name])}) throw new Error('${name}: VERSION ' + m.VERSION)
  ${EXERCISES[name] ?? ''}
}`
  const versions = Object.fromEntries(packages.map(({ manifest }) => [manifest.name, manifest.version]))
  const prelude = `const target = { ...JSON.parse(globalThis.Deno?.args[0] ?? process.argv[2]) }\n`
  const script = (entries, format) =>
    format === 'esm'
      ? `import coreRoundTrip from './core-round-trip.mjs'\n${prelude}${entries
          .map((name) => exercise(name, `await import(${JSON.stringify(name)})`))
          .join('\n')}\nconsole.log('ok')\n`
      : `(async () => {\nconst { default: coreRoundTrip } = await import('./core-round-trip.mjs')\n${prelude}${entries
          .map((name) => exercise(name, `require(${JSON.stringify(name)})`))
          .join('\n')}\nconsole.log('ok')\n})().catch((error) => { console.error(error); process.exit(1) })\n`
  const all = packages.map(({ manifest }) => manifest.name)
  const dual = packages.filter((entry) => entry.dual).map(({ manifest }) => manifest.name)
  writeFileSync(join(project, 'check.mjs'), script(all, 'esm'))
  // Also a CommonJS consumer that never touches ESM.
  writeFileSync(join(project, 'check.cjs'), script(dual, 'cjs'))
  writeFileSync(join(project, 'core.mjs'), script(['@mima/core'], 'esm'))
  writeFileSync(join(project, 'core.cjs'), script(['@mima/core'], 'cjs'))
  writeFileSync(
    join(project, 'worker.mjs'),
    `import * as core from '@mima/core'\nimport coreRoundTrip from './core-round-trip.mjs'\nexport default { async fetch(request) {\n  const target = JSON.parse(new URL(request.url).searchParams.get('target'))\n  try {\n    ${exercise('@mima/core', 'core').replaceAll('\n', '\n    ')}\n    return new Response('ok')\n  } catch (error) { return new Response(String(error?.stack ?? error), { status: 500 }) }\n} }\n`,
  )

  const server = await startMimaServer(project)
  let runs = 0
  try {
    const target = (label) => JSON.stringify({ ...server.target, systemName: `consumer-${label}` })
    const nodes = [
      [`Node ${process.version}`, process.execPath],
      ['Node 22', node22()],
      ['Node 24', node24()],
    ]
    for (const [label, binary] of nodes) {
      runOn(label, binary, ['check.mjs', target(`${label}-esm`)], project)
      runOn(label, binary, ['check.cjs', target(`${label}-cjs`)], project)
      runs += 2
    }
    runOn('Bun', bun(), ['core.mjs', target('bun-esm')], project)
    runOn('Bun', bun(), ['core.cjs', target('bun-cjs')], project)
    runOn('Deno', deno(), ['run', '--allow-all', 'core.mjs', target('deno')], project)
    const bundled = await bundleWorker(join(project, 'worker.mjs'), join(work, 'worker'))
    await serveWorker(workerd(), bundled, async (url) => {
      const response = await fetch(`${url}/?target=${encodeURIComponent(target('workerd'))}`)
      const text = await response.text()
      if (response.status !== 200) throw new Error(`workerd: ${text}`)
      console.log('workerd: ok')
    })
    runs += 4
  } finally {
    await server.close()
  }
  console.log(
    `consumer check passed: ${packages.length} packages imported and ${packages.filter((entry) => entry.dual).length} also required, each entry called, on Node ${process.version}, 22 and 24; @mima/core also on Bun, Deno and workerd (${runs} runs against a real server)`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
