import { configDefaults, defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// `*.node22.test.ts` exercise SDK majors that need Node ≥ 22 (openai 7): the package's test script
// runs them on the pinned Node 22 through vitest.node22.config.ts.
export default defineConfig(
  definePackageTests(import.meta.dirname, {
    globalSetup: ['./test/build-once.ts'],
    exclude: [...configDefaults.exclude, '**/*.node22.test.ts'],
  }),
)
