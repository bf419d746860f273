import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// Every published package keeps the house layout, so later packages cannot drift from it.
const packagesDir = join(import.meta.dirname, '..', '..', '..', 'packages')
const packages = readdirSync(packagesDir).map((name) => ({
  name,
  manifest: JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')),
}))

describe.each(packages)('packages/$name', ({ name, manifest }) => {
  it('is a scoped, public, side-effect-free package for Node ≥ 20.19', () => {
    expect(manifest.name).toBe(`@mima/${name}`)
    expect(manifest.engines.node).toBe('>=20.19')
    expect(manifest.publishConfig.access).toBe('public')
    expect(manifest.files).toContain('dist')
  })

  it('exports its source through the @mima/source condition and types for every entry', () => {
    const root = manifest.exports['.']
    expect(root['@mima/source']).toBe('./src/index.ts')
    const hasTypes =
      root.types !== undefined || (root.import?.types !== undefined && root.require?.types !== undefined)
    expect(hasTypes).toBe(true)
  })

  it('ships ESM only for cli and server and dual ESM + CJS for libraries', () => {
    const esmOnly = name === 'cli' || name === 'server'
    expect(manifest.exports['.'].require === undefined).toBe(esmOnly)
  })
})
