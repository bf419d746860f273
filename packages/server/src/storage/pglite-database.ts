import { PGlite } from '@electric-sql/pglite'
import type { Database, Queryable, QueryResult } from './database'

/** Options for {@link createPgliteDatabase}. */
export interface PgliteDatabaseOptions {
  /** A data directory (created when missing); in memory when omitted. */
  dataDir?: string
  /** A `dumpDataDir()` snapshot to start from (an in-memory copy; tests use it for speed). */
  loadDataDir?: Blob | File
}

function wrap(target: Pick<PGlite, 'query'>): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, params as unknown[])
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 }
    },
  }
}

/**
 * Opens an embedded PostgreSQL (PGlite) as a {@link Database}. Statements run one at a time;
 * a transaction holds the database until it ends, which serialises ledger appends.
 */
export async function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
  })
  const base = wrap(pglite)
  return {
    kind: 'pglite',
    query: base.query,
    transaction<T>(work: (transaction: Queryable) => Promise<T>): Promise<T> {
      return pglite.transaction((transaction) => work(wrap(transaction)))
    },
    async close(): Promise<void> {
      if (!pglite.closed) await pglite.close()
    },
  }
}

/** Opens an in-memory PGlite and returns `dumpDataDir()` after `prepare` ran (for test snapshots). */
export async function snapshotPglite(prepare: (database: Database) => Promise<void>): Promise<Blob> {
  const pglite = await PGlite.create()
  try {
    const database: Database = {
      kind: 'pglite',
      query: wrap(pglite).query,
      transaction: (work) => pglite.transaction((transaction) => work(wrap(transaction))),
      close: () => pglite.close(),
    }
    await prepare(database)
    return await pglite.dumpDataDir('none')
  } finally {
    await pglite.close()
  }
}
