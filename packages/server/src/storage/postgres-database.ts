import { createHash } from 'node:crypto'
import pg from 'pg'
import type { Database, Queryable, QueryResult } from './database'

/** Options for {@link createPostgresDatabase}. */
export interface PostgresDatabaseOptions {
  /** A `postgres://` connection string (`DATABASE_URL`). */
  connectionString: string
  /** Schema to use (sets `search_path`, created when missing). Default: the server's default. */
  schema?: string
  /** Pool size. Default 10. */
  maxConnections?: number
}

const INT8_OID = 20
const NUMERIC_OID = 1700

// Per-pool type parsers: int8 as number (ledger sizes stay far below 2^53), without touching pg's globals.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown
  },
}

// Parameterised DML runs as a named prepared statement, so each connection plans it once (the
// ledger's one-statement append is a large CTE whose planning otherwise costs as much as running it).
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i
const statementNames = new Map<string, string>()
function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql)
  if (name === undefined) {
    if (!PREPARABLE.test(sql) || statementNames.size > 5000) return undefined
    name = `mima_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`
    statementNames.set(sql, name)
  }
  return name
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const name = params.length > 0 ? statementName(sql) : undefined
      const result =
        name === undefined
          ? await client.query(sql, params as unknown[])
          : await client.query({ name, text: sql, values: params as unknown[] })
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 }
    },
  }
}

/** A schema name that is safe to interpolate (`[a-z_][a-z0-9_]*`). */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lowercase letters, digits and underscores.`)
  }
  return schema
}

/**
 * Connects to PostgreSQL through a `pg` pool as a {@link Database}. Several server processes may
 * share one database: ledger appends serialise per workspace with a row lock.
 */
export async function createPostgresDatabase(options: PostgresDatabaseOptions): Promise<Database> {
  const schema = options.schema === undefined ? undefined : assertSchemaName(options.schema)
  if (schema !== undefined) {
    const setup = new pg.Client({ connectionString: options.connectionString })
    await setup.connect()
    try {
      await setup.query(`create schema if not exists ${schema}`)
    } catch (error) {
      // Two processes creating the same schema at once: the loser sees a unique violation.
      if ((error as { code?: string }).code !== '23505') throw error
    } finally {
      await setup.end()
    }
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    types,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  })
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {})
  await pool.query('select 1')
  const base = wrap(pool)
  return {
    kind: 'postgres',
    query: base.query,
    ...(schema === undefined ? {} : { schema }),
    openNotificationConnection: () =>
      new pg.Client({
        connectionString: options.connectionString,
        ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      }),
    async transaction<T>(work: (transaction: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      let broken = false
      try {
        await client.query('begin')
        const result = await work(wrap(client))
        await client.query('commit')
        return result
      } catch (error) {
        try {
          await client.query('rollback')
        } catch {
          broken = true
        }
        throw error
      } finally {
        client.release(broken)
      }
    },
    async close(): Promise<void> {
      await pool.end()
    },
  }
}
