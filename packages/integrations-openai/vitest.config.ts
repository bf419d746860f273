import { configDefaults, defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// Suites named *.node22.test.ts exercise openai 7, which needs Node ≥ 22: the package's test script
// runs them on the pinned binary through vitest.node22.config.ts.
export default defineConfig(
  definePackageTests(import.meta.dirname, { exclude: [...configDefaults.exclude, '**/*.node22.test.ts'] }),
)
