#!/usr/bin/env node
// A consumer's view of our packages: pack each with `pnpm pack` (which rewrites
// workspace: ranges), install the tarballs into an empty project with npm, then load
// every package both with `import` and, for the dual ones, with `require`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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

  const lines = []
  for (const { manifest, dual } of packages) {
    lines.push(
      `{ const m = await import(${JSON.stringify(manifest.name)}); if (m.VERSION !== ${JSON.stringify(manifest.version)}) throw new Error('import ${manifest.name}: VERSION ' + m.VERSION) }`,
    )
    if (dual) {
      lines.push(
        `{ const m = require(${JSON.stringify(manifest.name)}); if (m.VERSION !== ${JSON.stringify(manifest.version)}) throw new Error('require ${manifest.name}: VERSION ' + m.VERSION) }`,
      )
    }
  }
  writeFileSync(
    join(project, 'check.mjs'),
    `import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n${lines.join('\n')}\nconsole.log('ok')\n`,
  )
  // Also a CommonJS consumer that never touches ESM.
  const cjsLines = packages
    .filter((entry) => entry.dual)
    .map(
      ({ manifest }) =>
        `if (require(${JSON.stringify(manifest.name)}).VERSION !== ${JSON.stringify(manifest.version)}) throw new Error('cjs ${manifest.name}')`,
    )
  writeFileSync(join(project, 'check.cjs'), `${cjsLines.join('\n')}\nconsole.log('ok')\n`)
  execFileSync('node', ['check.mjs'], { cwd: project, stdio: 'inherit' })
  execFileSync('node', ['check.cjs'], { cwd: project, stdio: 'inherit' })
  console.log(
    `consumer check passed: ${packages.length} packages imported, ${packages.filter((entry) => entry.dual).length} also required`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
