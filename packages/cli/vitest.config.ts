import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// Two files at once (vitest's default on 2 cores is one): the CLI files mostly wait on the
// processes they spawn.
export default defineConfig(
  definePackageTests(import.meta.dirname, { globalSetup: ['test/global-setup.ts'], maxWorkers: 2 }),
)
