import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ViteUserConfig } from 'vitest/config'

const repositoryRoot = import.meta.dirname
// Ours in front of Node's own. Vite's default `module` condition is left out on purpose: some
// dependencies (@opentelemetry/api, pulled in by @anthropic-ai/sdk) publish a `module` build with
// extensionless imports that Node cannot load when vitest externalises them.
const conditions = ['@mima/source', 'node', 'development|production']

/**
 * The one test recipe every package uses. Sibling workspace packages resolve to their
 * TypeScript source through the `@mima/source` export condition, so tests never need a
 * build first; each run also writes a JSON report that `scripts/run-tests.mjs` sums up.
 */
export function definePackageTests(
  directory: string,
  overrides: ViteUserConfig['test'] = {},
): ViteUserConfig {
  const packageJson = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
    name: string
    version: string
  }
  const reportName = packageJson.name.replace(/[@/]/g, '_')
  return {
    define: { __MIMA_VERSION__: JSON.stringify(packageJson.version) },
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 60_000,
      reporters: [
        'default',
        ['json', { outputFile: resolve(repositoryRoot, '.test-results', `${reportName}.json`) }],
      ],
      ...overrides,
    },
  }
}
