import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createPgliteDatabase } from '../storage/pglite-database'
import { migratedPgliteSnapshot } from '../storage/test-snapshots'
import { silentLogger } from './logger'
import { recoverAdminKey } from './recover-admin-key'
import { startServer } from './start-server'

const root = mkdtempSync(join(tmpdir(), 'mima-recover-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// Three PGlite opens on disk: slow on a busy 2-core machine.
describe('mima-server recover-admin-key', { timeout: 300_000 }, () => {
  it('creates a working admin key for the first workspace, and refuses while a server holds the directory', async () => {
    const dataDir = join(root, 'data')
    // The directory starts from the migrated data directory the other tests share, instead of an
    // initdb and every migration on disk here: what is under test begins once a server has run.
    await (await createPgliteDatabase({ dataDir, loadDataDir: await migratedPgliteSnapshot() })).close()
    const first = await startServer({ dataDir, logger: silentLogger, onBootstrap: () => {} })
    const workspaceId = first.bootstrap?.workspaceId
    await expect(recoverAdminKey({ dataDir })).rejects.toMatchObject({ code: 'data_dir_locked' })
    await first.close()

    const recovered = await recoverAdminKey({ dataDir })
    expect(recovered.workspaceId).toBe(workspaceId)
    expect(recovered.adminKey).not.toBe(first.bootstrap?.adminKey)

    const again = await startServer({ dataDir, logger: silentLogger })
    try {
      expect(again.bootstrap).toBeUndefined()
      const me = await fetch(`${again.url}/api/me`, {
        headers: { authorization: `Bearer ${recovered.adminKey}` },
      })
      expect(me.status).toBe(200)
      expect(await me.json()).toMatchObject({ workspace_id: workspaceId, role: 'admin' })
    } finally {
      await again.close()
    }
  })
})
