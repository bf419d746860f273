import { requireWorkspace } from '../http/context'
import { defineFeature, type ServerFeature } from '../http/feature'
import { booleanQuery } from '../http/query'
import { loadKeyMaterial } from '../key-custody/key-custody'
import { type ServerKey, serverKeyFromPkcs8 } from '../ledger/server-key'
import type { Queryable } from '../storage/database'
import { buildAuditPack } from './audit-pack'

async function readServerKey(database: Queryable): Promise<ServerKey> {
  return serverKeyFromPkcs8((await loadKeyMaterial(database)).toString('hex'))
}

/**
 * `GET /workspaces/{ws}/governance/audit-pack` (admin or approver keys): the workspace's audit pack
 * as a ZIP, with headers `x-bundle-hash` (SHA-256 of manifest.json), `x-record-count` (ledger
 * records covered), `x-pack-sig` (Ed25519 signature of manifest.json by the ledger key) and
 * `x-pack-public-key`. What the Python `mima audit-pack` downloads. `?proofs=false` leaves out
 * the per-record inclusion proofs (large ledgers: the leaves and the signed root suffice).
 */
export const auditPackFeature: ServerFeature = defineFeature({
  name: 'audit-pack',
  register(api, server) {
    let key: Promise<ServerKey> | undefined
    const serverKey = (): Promise<ServerKey> => {
      if (key === undefined) {
        key = readServerKey(server.database)
        key.catch(() => {
          key = undefined
        })
      }
      return key
    }

    api.get('/workspaces/:ws/governance/audit-pack', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['admin', 'approver'] })
      const pack = await buildAuditPack({
        database: server.database,
        ledger: server.ledger,
        serverKey: await serverKey(),
        workspaceId,
        includeProofs: booleanQuery(c, 'proofs') ?? true,
        baseUrl: new URL(c.req.url).origin,
      })
      const date = new Date().toISOString().slice(0, 10)
      return c.body(new Uint8Array(pack.zip), 200, {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="mima-audit-pack-${workspaceId.slice(0, 8)}-${date}.zip"`,
        'cache-control': 'no-store',
        'x-bundle-hash': pack.bundleHash,
        'x-record-count': String(pack.recordCount),
        'x-pack-sig': pack.signature,
        'x-pack-public-key': server.ledger.publicKey,
        'x-tree-size': String(pack.treeHead.tree_size),
        'x-root-hash': pack.treeHead.root_hash,
      })
    })
  },
})
