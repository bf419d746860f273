import type { Database } from './database'

/**
 * One schema change. `id` starts with a three-digit number that orders it; ranges are reserved:
 * server 001–009, grc 010–019, approvals 020–029, webhooks 030–039.
 */
export interface Migration {
  /** e.g. `001_server_core`. Applied once, in id order. */
  id: string
  /** PostgreSQL statements (several allowed, separated by `;`). Lead every key with `workspace_id`. */
  sql: string
}

const MIGRATION_ID = /^\d{3}_[a-z0-9_]+$/
// pg_advisory_xact_lock key for the migration runner ("mima" in ASCII).
const MIGRATION_LOCK = 0x6d696d61

/** Checks ids and returns the migrations sorted by id; throws on a bad or duplicate id. */
export function sortMigrations(migrations: readonly Migration[]): Migration[] {
  const seen = new Set<string>()
  for (const migration of migrations) {
    if (!MIGRATION_ID.test(migration.id)) {
      throw new Error(`Migration id "${migration.id}" must look like 001_name (three digits, lowercase).`)
    }
    const number = migration.id.slice(0, 3)
    if (seen.has(number)) throw new Error(`Two migrations share the number ${number}.`)
    seen.add(number)
  }
  return [...migrations].sort((left, right) => left.id.localeCompare(right.id))
}

/**
 * Applies every migration not applied yet, in id order, in one transaction under an advisory
 * lock, so several server processes starting together on one PostgreSQL apply each one once.
 * Returns the ids it applied.
 */
export async function runMigrations(database: Database, migrations: readonly Migration[]): Promise<string[]> {
  const ordered = sortMigrations(migrations)
  return database.transaction(async (transaction) => {
    await transaction.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await transaction.query(
      'create table if not exists mima_migrations (id text primary key, applied_at timestamptz not null default now())',
    )
    const applied = new Set(
      (await transaction.query<{ id: string }>('select id from mima_migrations')).rows.map((row) => row.id),
    )
    const done: string[] = []
    for (const migration of ordered) {
      if (applied.has(migration.id)) continue
      for (const statement of splitStatements(migration.sql)) await transaction.query(statement)
      await transaction.query('insert into mima_migrations (id) values ($1)', [migration.id])
      done.push(migration.id)
    }
    return done
  })
}

// Parameterless statements could run as one multi-statement query on pg, but PGlite's extended
// protocol takes one statement per call; splitting keeps both identical. Migrations must not put
// `;` inside string literals; dollar-quoted bodies (`$fn$ … $fn$`, e.g. PL/pgSQL functions) may.
function splitStatements(sql: string): string[] {
  const statements: string[] = []
  let current = ''
  let dollarTag: string | undefined
  for (let index = 0; index < sql.length; index++) {
    const tag = sql[index] === '$' ? /^\$[A-Za-z_]*\$/.exec(sql.slice(index))?.[0] : undefined
    if (tag !== undefined) {
      if (dollarTag === undefined) dollarTag = tag
      else if (dollarTag === tag) dollarTag = undefined
      current += tag
      index += tag.length - 1
    } else if (sql[index] === ';' && dollarTag === undefined) {
      statements.push(current)
      current = ''
    } else {
      current += sql[index]
    }
  }
  statements.push(current)
  return statements.map((statement) => statement.trim()).filter((statement) => statement.length > 0)
}
