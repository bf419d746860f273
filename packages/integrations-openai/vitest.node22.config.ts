import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// The openai 7 suites (Node ≥ 22), run on the pinned Node 22 by the `test` script and on the pinned
// Node 22 and 24 by CI (`test:pinned-node`).
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  throw new Error(
    `vitest.node22.config.ts needs Node ≥ 22 (this is ${process.version}): ` +
      'node ../../internal/runtimes/with-node.mjs 22 ../../node_modules/vitest/vitest.mjs run --config vitest.node22.config.ts',
  )
}

export default defineConfig(
  definePackageTests(import.meta.dirname, {
    include: ['test/**/*.node22.test.ts'],
    reporters: [
      'default',
      [
        'json',
        {
          outputFile: resolve(
            import.meta.dirname,
            '../../.test-results/_mima_integrations-openai-node22.json',
          ),
        },
      ],
    ],
  }),
)
