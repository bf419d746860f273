import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// Each file starts its own servers (PGlite from a snapshot, PostgreSQL in a fresh schema). On a
// loaded CI host a PGlite start can take tens of seconds, so hooks get room; at most three files
// run at once so the suite stays within a few minutes without starving the servers it starts.
export default defineConfig(
  definePackageTests(import.meta.dirname, {
    include: ['test/**/*.test.ts'],
    hookTimeout: 180_000,
    testTimeout: 120_000,
    maxWorkers: 3,
  }),
)
