/**
 * The PostgreSQL URL storage tests run against besides PGlite. `.ci/run` always sets
 * `MIMA_TEST_DATABASE_URL`, so CI never skips the PostgreSQL half; a newcomer without
 * PostgreSQL still gets a green `pnpm test` on PGlite alone.
 */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.MIMA_TEST_DATABASE_URL
  return url && url.length > 0 ? url : undefined
}
