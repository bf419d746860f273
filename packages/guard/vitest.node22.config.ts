import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// Every test, `*.node22.test.ts` included, on Node ≥ 22. The package's test script runs the
// node22 files here (`with-node.mjs 22 … --config vitest.node22.config.ts node22`); CI also runs
// the whole suite here on the pinned Node 22 and 24.
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  throw new Error(
    `vitest.node22.config.ts needs Node ≥ 22 (this is ${process.version}): ` +
      'node ../../internal/runtimes/with-node.mjs 22 ../../node_modules/vitest/vitest.mjs run --config vitest.node22.config.ts',
  )
}

export default defineConfig(
  definePackageTests(import.meta.dirname, {
    globalSetup: ['./test/build-once.ts'],
    reporters: [
      'default',
      ['json', { outputFile: resolve(import.meta.dirname, '../../.test-results/_mima_guard.node22.json') }],
    ],
  }),
)
