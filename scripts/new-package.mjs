#!/usr/bin/env node
// Scaffolds packages/<name> with the house layout: `node scripts/new-package.mjs <name> "<description>" [--esm]`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [name, description = '', ...flags] = process.argv.slice(2)
if (!name) {
  console.error('usage: node scripts/new-package.mjs <name> "<description>" [--esm]')
  process.exit(2)
}
const esmOnly = flags.includes('--esm')
const directory = join(import.meta.dirname, '..', 'packages', name)
if (existsSync(directory)) {
  console.error(`packages/${name} exists already`)
  process.exit(1)
}
mkdirSync(join(directory, 'src'), { recursive: true })

const exportsMap = esmOnly
  ? {
      '.': { '@mima/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    }
  : {
      '.': {
        '@mima/source': './src/index.ts',
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    }

const packageJson = {
  name: `@mima/${name}`,
  version: '0.0.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19' },
  exports: exportsMap,
  ...(esmOnly ? {} : { main: './dist/index.cjs', module: './dist/index.js' }),
  types: './dist/index.d.ts',
  files: ['dist', 'src', '!src/**/*.test.ts'],
  scripts: {
    build: 'tsdown',
    test: 'vitest run',
    typecheck: 'tsc --noEmit',
    'check:package': 'publint --strict && attw --pack . --profile ' + (esmOnly ? 'esm-only' : 'node16'),
  },
  publishConfig: { access: 'public' },
  dependencies: {},
}

writeFileSync(join(directory, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`)
writeFileSync(
  join(directory, 'tsconfig.json'),
  `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2)}\n`,
)
writeFileSync(
  join(directory, 'tsdown.config.ts'),
  `import { defineConfig } from 'tsdown'
import { definePackageBuild } from '../../tsdown.shared.ts'

export default defineConfig(definePackageBuild({ directory: import.meta.dirname${esmOnly ? ", format: 'esm', platform: 'node'" : ''} }))
`,
)
writeFileSync(
  join(directory, 'vitest.config.ts'),
  `import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

export default defineConfig(definePackageTests(import.meta.dirname))
`,
)
writeFileSync(
  join(directory, 'src', 'version.ts'),
  `// Replaced with the package's version at build time (tsdown) and test time (vitest).
declare const __MIMA_VERSION__: string

/** The version of \`@mima/${name}\`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__
`,
)
writeFileSync(
  join(directory, 'src', 'version.test.ts'),
  `import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { VERSION } from './index'

it('exports the version from package.json', () => {
  const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'))
  expect(VERSION).toBe(packageJson.version)
})
`,
)
writeFileSync(
  join(directory, 'src', 'index.ts'),
  `export { VERSION } from './version'
`,
)
writeFileSync(
  join(directory, 'README.md'),
  `# @mima/${name}

${description}

\`\`\`sh
pnpm add @mima/${name}
\`\`\`

Part of [Mima for TypeScript](../../README.md).
`,
)
console.log(`created packages/${name}`)
