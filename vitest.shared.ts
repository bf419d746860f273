import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { ViteUserConfig } from 'vitest/config'

const repositoryRoot = import.meta.dirname
// Ours in front of Node's own. Vite's default `module` condition is left out on purpose: some
// dependencies (@opentelemetry/api, pulled in by @anthropic-ai/sdk) publish a `module` build with
// extensionless imports that Node cannot load when vitest externalises them.
const conditions = ['@mima/source', 'node', 'development|production']

// The variables a test run keeps from the developer's environment: how to reach the test
// PostgreSQL and where Chromium is. Every other MIMA_* variable is dropped.
const KEPT_MIMA_VARIABLES = new Set(['MIMA_TEST_DATABASE_URL', 'MIMA_CHROMIUM_PATH'])

/**
 * Makes this test process hermetic (decision 0031): a fresh temporary HOME (so `~/.mima/config.json`,
 * `~/.mima/guard_log.jsonl` and every other dotfile are the test's own) and no `MIMA_*` connection
 * variables. Set on the vitest main process before any worker or child process starts, so they all
 * inherit it; the directory is removed when the run ends. Returns the temporary HOME.
 */
export function isolateTestEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MIMA_HERMETIC_HOME !== undefined && env.HOME === env.MIMA_HERMETIC_HOME) return env.HOME
  for (const name of Object.keys(env)) {
    if (name.startsWith('MIMA_') && !KEPT_MIMA_VARIABLES.has(name)) delete env[name]
  }
  const home = mkdtempSync(join(tmpdir(), 'mima-test-home-'))
  mkdirSync(join(home, '.config'), { recursive: true })
  env.HOME = home
  env.USERPROFILE = home
  env.XDG_CONFIG_HOME = join(home, '.config')
  env.MIMA_HERMETIC_HOME = home
  // Tools that keep state in HOME (turbo, run by the build-once setups) stay quiet in a fresh one.
  env.TURBO_TELEMETRY_DISABLED ??= '1'
  process.once('exit', () => rmSync(home, { recursive: true, force: true }))
  return home
}

/**
 * The one test recipe every package uses. Sibling workspace packages resolve to their
 * TypeScript source through the `@mima/source` export condition, so tests never need a
 * build first; each run also writes a JSON report that `scripts/run-tests.mjs` sums up. Every run
 * is hermetic: its own temporary HOME and no `MIMA_*` connection variables
 * ({@link isolateTestEnvironment}).
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
  isolateTestEnvironment()
  return {
    define: { __MIMA_VERSION__: JSON.stringify(packageJson.version) },
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Budgets for a busy 2-core machine (load average 8): a test that needs longer says so.
      // Waits inside tests have their own, shorter deadlines with clear messages (`waitFor`).
      testTimeout: 60_000,
      hookTimeout: 120_000,
      // WebAssembly (PGlite's PostgreSQL) stays on V8's baseline compiler: optimising its 8 MB
      // module cost more CPU than a test process ever wins back (a PGlite server start and a
      // few requests: 1.9 → 1.0 CPU-s). Only compile tiers change, not what runs.
      execArgv: ['--liftoff-only'],
      reporters: [
        'default',
        ['json', { outputFile: resolve(repositoryRoot, '.test-results', `${reportName}.json`) }],
      ],
      ...overrides,
    },
  }
}
