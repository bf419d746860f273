import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// The suites whose framework needs Node ≥ 22, run on the pinned Node 22 binary:
// `node ../../internal/runtimes/with-node.mjs 22 … --config vitest.node22.config.ts` (the `test` script).
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
            '../../.test-results/_mima_integrations-openai-agents-node22.json',
          ),
        },
      ],
    ],
  }),
)
