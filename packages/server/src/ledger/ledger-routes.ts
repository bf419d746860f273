import { requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { integerQuery, stringQuery } from '../http/query'

/** Most leaves one `GET …/ledger/leaves` page returns. */
export const MAX_LEAVES_PER_PAGE = 10_000
/** Most hashes one `GET …/ledger/leaf-hashes` page returns. */
export const MAX_LEAF_HASHES_PER_PAGE = 100_000

/**
 * Ledger endpoints of a workspace: signed tree head, inclusion proof (by record id or leaf index),
 * consistency proof, leaf lookup and leaf pages for full verification.
 */
export const ledgerFeature: ServerFeature = defineFeature({
  name: 'ledger',
  register(api, server) {
    const { ledger, database } = server

    api.get('/workspaces/:ws/ledger/tree-head', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json(await ledger.treeHead(database, workspaceId, integerQuery(c, 'tree_size')))
    })

    api.get('/workspaces/:ws/ledger/proofs/inclusion', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const recordId = stringQuery(c, 'record_id')
      let leafIndex = integerQuery(c, 'leaf_index')
      if (recordId === undefined && leafIndex === undefined) {
        throw httpError('validation_failed', 'Pass record_id or leaf_index.')
      }
      if (leafIndex === undefined)
        leafIndex = await ledger.leafIndexOf(database, workspaceId, recordId as string)
      return c.json(
        await ledger.inclusionProof(database, workspaceId, leafIndex, integerQuery(c, 'tree_size')),
      )
    })

    api.get('/workspaces/:ws/ledger/proofs/consistency', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const first = integerQuery(c, 'first')
      if (first === undefined)
        throw httpError('validation_failed', 'Pass first (the older tree size).', { field: 'first' })
      return c.json(await ledger.consistencyProof(database, workspaceId, first, integerQuery(c, 'second')))
    })

    api.get('/workspaces/:ws/ledger/leaves/:index', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const raw = c.req.param('index')
      if (!/^\d{1,15}$/.test(raw))
        throw httpError('validation_failed', 'The leaf index must be a non-negative integer.')
      const [leaf] = await ledger.leaves(database, workspaceId, Number(raw), 1)
      if (leaf === undefined) throw httpError('not_found', `Leaf ${raw} does not exist yet.`)
      return c.json(leaf)
    })

    // Compact pages for full verification: leaf hashes only, concatenated hex.
    api.get('/workspaces/:ws/ledger/leaf-hashes', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const from = integerQuery(c, 'from') ?? 0
      const limit = integerQuery(c, 'limit', { max: MAX_LEAF_HASHES_PER_PAGE }) ?? 10_000
      const page = await ledger.leafHashes(database, workspaceId, from, limit)
      return c.json({
        from,
        count: page.count,
        leaf_hashes: page.hex,
        next_from: page.count === limit && limit > 0 ? from + limit : null,
      })
    })

    api.get('/workspaces/:ws/ledger/leaves', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const from = integerQuery(c, 'from') ?? 0
      const limit = integerQuery(c, 'limit', { max: MAX_LEAVES_PER_PAGE }) ?? 1000
      const leaves = await ledger.leaves(database, workspaceId, from, limit)
      const last = leaves[leaves.length - 1]
      return c.json({
        leaves,
        next_from: leaves.length === limit && last !== undefined ? last.leaf_index + 1 : null,
      })
    })
  },
})
