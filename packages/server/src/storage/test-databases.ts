// Shared by the storage unit tests (not exported from the package).
import { randomBytes } from 'node:crypto'
import type { Database } from './database'
import { createPgliteDatabase } from './pglite-database'
import { createPostgresDatabase } from './postgres-database'

const testDatabaseUrl = (): string | undefined => process.env.MIMA_TEST_DATABASE_URL || undefined

/** PGlite always; PostgreSQL too when MIMA_TEST_DATABASE_URL is set (CI always sets it). */
export const TEST_BACKENDS: readonly ('pglite' | 'postgres')[] =
  testDatabaseUrl() === undefined ? ['pglite'] : ['pglite', 'postgres']

/**
 * An empty database on `backend`: a new in-memory PGlite, or a new schema (named from `prefix`)
 * on the test PostgreSQL. `close` drops that schema and closes the connections.
 */
export async function openTestDatabase(
  backend: 'pglite' | 'postgres',
  prefix: string,
  maxConnections: number,
): Promise<{ database: Database; close(): Promise<void> }> {
  if (backend === 'pglite') {
    const database = await createPgliteDatabase()
    return { database, close: () => database.close() }
  }
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`
  const database = await createPostgresDatabase({
    connectionString: testDatabaseUrl() as string,
    schema,
    maxConnections,
  })
  return {
    database,
    async close() {
      await database.query(`drop schema if exists ${schema} cascade`)
      await database.close()
    },
  }
}
