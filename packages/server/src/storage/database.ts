import type { Client } from 'pg'

/** One row set returned by {@link Queryable.query}. */
export interface QueryResult<Row> {
  rows: Row[]
  /** Rows inserted, updated or deleted by the statement (0 for a plain select). */
  rowCount: number
}

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  /**
   * Runs one parameterised statement (PostgreSQL dialect, `$1`-style parameters).
   * `int8` columns come back as JavaScript numbers on both backends.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>
}

/**
 * The one storage interface the server uses, over PGlite (embedded) or PostgreSQL (`pg`).
 * Every statement is PostgreSQL dialect; the two backends run the same SQL.
 */
export interface Database extends Queryable {
  /** Which backend this is. */
  readonly kind: 'pglite' | 'postgres'
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Nothing a caller acknowledges may happen before this promise resolves.
   */
  transaction<T>(work: (transaction: Queryable) => Promise<T>): Promise<T>
  /**
   * PostgreSQL only: opens a new dedicated `pg.Client` (not connected yet) for LISTEN, so events
   * raised on one server replica wake long-polls and streams on the others. The caller ends it.
   */
  openNotificationConnection?(): Client
  /** PostgreSQL only: the schema in use, when one was configured (it names the NOTIFY channel). */
  readonly schema?: string
  /** Closes connections (PGlite: flushes and closes the data directory). */
  close(): Promise<void>
}
