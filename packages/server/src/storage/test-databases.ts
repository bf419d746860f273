// Shared by the storage unit tests (not exported from the package).
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cachedBuild } from '@mima-internal/test-utils'
import type { Database } from './database'
import { createPgliteDatabase, snapshotPglite } from './pglite-database'
import { createPostgresDatabase } from './postgres-database'

const testDatabaseUrl = (): string | undefined => process.env.MIMA_TEST_DATABASE_URL || undefined

/** PGlite always; PostgreSQL too when MIMA_TEST_DATABASE_URL is set (CI always sets it). */
export const TEST_BACKENDS: readonly ('pglite' | 'postgres')[] =
  testDatabaseUrl() === undefined ? ['pglite'] : ['pglite', 'postgres']

let emptySnapshot: Promise<Blob> | undefined

/** An initialised, empty PGlite data directory, made once for all test processes (initdb is slow). */
function emptyPgliteSnapshot(): Promise<Blob> {
  emptySnapshot ??= cachedBuild({
    name: 'pglite-empty',
    // The lockfile pins PGlite, whose data directory format the snapshot is in.
    key: readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'pnpm-lock.yaml'), 'utf8'),
    build: async () => new Uint8Array(await (await snapshotPglite(async () => {})).arrayBuffer()),
  }).then((bytes) => new Blob([new Uint8Array(bytes)]))
  return emptySnapshot
}

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
    const database = await createPgliteDatabase({ loadDataDir: await emptyPgliteSnapshot() })
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
