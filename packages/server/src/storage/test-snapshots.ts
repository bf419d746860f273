// Shared by the server's own tests (not exported from the package): PGlite databases started from
// a data directory made once for all test processes, instead of initdb (and the migrations) in
// every test file.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cachedBuild } from '@mima-internal/test-utils'
import { collectMigrations } from '../app'
import type { Database } from './database'
import { runMigrations } from './migrations'
import { createPgliteDatabase, snapshotPglite } from './pglite-database'

const snapshots = new Map<string, Promise<Blob>>()

/** The lockfile pins PGlite, whose data directory format the snapshot is in. */
function lockfile(): string {
  return readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'pnpm-lock.yaml'), 'utf8')
}

function snapshot(name: string, key: string, prepare: (database: Database) => Promise<void>): Promise<Blob> {
  let made = snapshots.get(name)
  if (made === undefined) {
    made = cachedBuild({
      name,
      key,
      build: async () => new Uint8Array(await (await snapshotPglite(prepare)).arrayBuffer()),
    }).then((bytes) => new Blob([new Uint8Array(bytes)]))
    snapshots.set(name, made)
  }
  return made
}

/** A PGlite data directory (a `dumpDataDir()` tarball) with every feature's migrations applied. */
export function migratedPgliteSnapshot(): Promise<Blob> {
  const migrations = collectMigrations()
  // The same name and key as @mima-internal/test-server's snapshot: one file serves both.
  return snapshot(
    'pglite-migrated',
    JSON.stringify({ migrations, lockfile: lockfile() }),
    async (database) => {
      await runMigrations(database, migrations)
    },
  )
}

/** A new in-memory PGlite with every feature's migrations applied (as `startServer` would). */
export async function migratedTestPglite(): Promise<Database> {
  return createPgliteDatabase({ loadDataDir: await migratedPgliteSnapshot() })
}
