import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// Two files at once (vitest's default on 2 cores is one): the end-to-end files mostly wait on
// servers and child processes, and this package is on the suite's critical path.
export default defineConfig(
  definePackageTests(import.meta.dirname, { include: ['test/**/*.test.ts'], maxWorkers: 2 }),
)
