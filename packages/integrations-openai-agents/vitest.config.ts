import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// Suites named *.node22.test.ts need Node ≥ 22: vitest.node22.config.ts runs them on the pinned binary.
export default defineConfig(
  definePackageTests(import.meta.dirname, { exclude: ['**/node_modules/**', 'test/**/*.node22.test.ts'] }),
)
