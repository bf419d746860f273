import { MimaError } from '@mima/core'
import { collectMigrations } from '../app'
import { keyCustodyFromEnv, loadCustodiedKey } from '../key-custody/key-custody'
import { createLedger } from '../ledger/ledger'
import { lockDataDir } from '../storage/data-dir-lock'
import { runMigrations } from '../storage/migrations'
import { insertApiKey } from '../workspaces/workspace-store'
import { openDatabase, type StartServerOptions } from './start-server'

/** Options for {@link recoverAdminKey}: the database, as the server itself is configured. */
export interface RecoverAdminKeyOptions
  extends Pick<StartServerOptions, 'databaseUrl' | 'databaseSchema' | 'dataDir'> {
  /** The workspace to give a new admin key. Default: the root (first) workspace. */
  workspaceId?: string
}

/** The new key, shown once. */
export interface RecoveredAdminKey {
  workspaceId: string
  keyId: string
  adminKey: string
}

/**
 * Creates a new admin API key for an operator who lost the one printed at the first start and
 * has access to the database (its PGlite directory or PostgreSQL URL). The key event is recorded
 * in the workspace's ledger like any other (`by: "mima-server recover-admin-key"`); old keys stay
 * valid until revoked. A PGlite directory must not be in use: stop the server first.
 *
 * @example
 * ```ts
 * const { adminKey } = await recoverAdminKey({ dataDir: './.mima-data' })
 * ```
 */
export async function recoverAdminKey(options: RecoverAdminKeyOptions = {}): Promise<RecoveredAdminKey> {
  const lock = options.databaseUrl === undefined ? lockDataDir(options.dataDir ?? './.mima-data') : undefined
  try {
    const database = await openDatabase(options)
    try {
      await runMigrations(database, collectMigrations())
      const { rows } = await database.query<{ workspace_id: string }>(
        options.workspaceId === undefined
          ? 'select workspace_id from workspaces order by is_root desc, created_at limit 1'
          : 'select workspace_id from workspaces where workspace_id = $1',
        options.workspaceId === undefined ? [] : [options.workspaceId],
      )
      const workspaceId = rows[0]?.workspace_id
      if (workspaceId === undefined) {
        throw new MimaError(
          'not_found',
          options.workspaceId === undefined
            ? 'This database has no workspace yet: start the server once (it creates one and prints its admin key).'
            : `No workspace ${options.workspaceId} in this database.`,
        )
      }
      // The signing key in the same custody the server uses (external, or encrypted at rest).
      const pgliteDir = options.databaseUrl === undefined ? (options.dataDir ?? './.mima-data') : undefined
      const { key } = await loadCustodiedKey(database, {
        ...keyCustodyFromEnv(),
        ...(pgliteDir === undefined ? {} : { dataDir: pgliteDir }),
      })
      const ledger = createLedger(key)
      const created = await database.transaction((transaction) =>
        insertApiKey(transaction, ledger, {
          workspaceId,
          name: `recovered admin ${new Date().toISOString().slice(0, 10)}`,
          role: 'admin',
          createdBy: 'mima-server recover-admin-key',
        }),
      )
      return { workspaceId, keyId: created.id, adminKey: created.key }
    } finally {
      await database.close()
    }
  } finally {
    lock?.release()
  }
}
