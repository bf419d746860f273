import { testDatabaseUrl } from '@mima-internal/test-utils'

/** Backends every server test runs on: PGlite always, PostgreSQL when MIMA_TEST_DATABASE_URL is set. */
export const BACKENDS: Array<'pglite' | 'postgres'> =
  testDatabaseUrl() === undefined ? ['pglite'] : ['pglite', 'postgres']

/** A small JSON HTTP client for one base URL and key (shared with the reliability tests). */
export { jsonClient as client } from '@mima-internal/test-utils'
