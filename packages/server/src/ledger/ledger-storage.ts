import type { MimaError } from '@mima/core'
import { httpError } from '../http/errors'
import type { Queryable } from '../storage/database'
import { fastNodeHash, frontierIds, type NodeId, nodeKey, rangeHash, type TreeNode } from './tree-math'

// Reading the ledger's tables: the head row, stored nodes and leaves, and the errors a damaged
// ledger answers with.

/** A workspace's tree head row. */
export interface HeadRow {
  tree_size: number
  frontier: Uint8Array
  root_hash: Uint8Array | null
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function decodeFrontier(size: number, bytes: Uint8Array): TreeNode[] {
  const ids = frontierIds(size)
  if (bytes.byteLength !== ids.length * 32) throw new Error('Ledger head frontier is corrupt')
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return ids.map((id, position) => ({ ...id, hash: buffer.subarray(position * 32, position * 32 + 32) }))
}

export async function readHead(
  database: Queryable,
  workspaceId: string,
  forUpdate: boolean,
): Promise<HeadRow> {
  const { rows } = await database.query<HeadRow>(
    `select tree_size, frontier, root_hash from ledger_heads where workspace_id = $1${forUpdate ? ' for update' : ''}`,
    [workspaceId],
  )
  const row = rows[0]
  if (row === undefined) throw httpError('not_found', `Workspace "${workspaceId}" has no ledger.`)
  return row
}

/**
 * Complete-subtree hashes are stored from this level up. Levels 1–3 (7 of every 8 interior nodes)
 * are not written on append: a proof that needs one hashes its 2–8 leaves instead (at most 14
 * extra leaf rows per proof, fetched in the same query), so proofs stay O(log n) while an append
 * writes ~n/8 node rows for n leaves instead of ~n. Rows at lower levels written by earlier
 * versions are simply not read.
 */
export const STORED_NODE_MIN_LEVEL = 4

/**
 * A leaf the signed head counts is not in the database: the ledger was truncated or edited
 * outside the server. Answered as a 409 report naming the leaf (never a 500); `mima verify`
 * names every damaged leaf.
 */
export function ledgerDamaged(leafIndex: number): MimaError {
  return httpError(
    'conflict',
    `The ledger is damaged: leaf ${leafIndex} is counted by the signed tree head but missing from the database. Run \`mima verify\` for a full report.`,
    { reason: 'ledger_damaged', missing_leaf: leafIndex },
  )
}

/** {@link rangeHash}, answering a missing stored node as a damaged ledger (409), not a 500. */
export function storedRangeHash(
  range: { start: number; end: number },
  nodes: ReadonlyMap<string, Buffer>,
): Buffer {
  try {
    return rangeHash(range, nodes)
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('Ledger node ')) {
      throw httpError(
        'conflict',
        `The ledger is damaged: ${error.message}. Run \`mima verify\` for a full report.`,
        {
          reason: 'ledger_damaged',
        },
      )
    }
    throw error
  }
}

/** The hashes of `ids`: stored leaves and nodes, and low nodes hashed from their leaves. */
export async function fetchNodes(
  database: Queryable,
  workspaceId: string,
  ids: readonly NodeId[],
): Promise<Map<string, Buffer>> {
  const unique = new Map<string, NodeId>()
  for (const id of ids) unique.set(nodeKey(id), id)
  const leafSet = new Set<number>()
  const derived: NodeId[] = []
  const interior: NodeId[] = []
  for (const id of unique.values()) {
    if (id.level === 0) {
      leafSet.add(id.index)
    } else if (id.level < STORED_NODE_MIN_LEVEL) {
      derived.push(id)
      const width = 2 ** id.level
      for (let leaf = id.index * width; leaf < (id.index + 1) * width; leaf += 1) leafSet.add(leaf)
    } else {
      interior.push(id)
    }
  }
  const leaves = [...leafSet]
  const nodes = new Map<string, Buffer>()
  const { rows } = await database.query<{ level: number; node_index: number; hash: Uint8Array }>(
    `select 0 as level, leaf_index as node_index, leaf_hash as hash from ledger_leaves
       where workspace_id = $1 and leaf_index = any($2::bigint[])
     union all
     select n.level, n.node_index, n.hash from ledger_nodes n
       join unnest($3::int[], $4::bigint[]) as wanted(level, node_index)
         on n.level = wanted.level and n.node_index = wanted.node_index
       where n.workspace_id = $1`,
    [workspaceId, leaves, interior.map((id) => id.level), interior.map((id) => id.index)],
  )
  for (const row of rows) {
    nodes.set(nodeKey({ level: Number(row.level), index: Number(row.node_index) }), Buffer.from(row.hash))
  }
  for (const id of derived) {
    const width = 2 ** id.level
    let level: Buffer[] = []
    for (let leaf = id.index * width; leaf < (id.index + 1) * width; leaf += 1) {
      const hash = nodes.get(nodeKey({ level: 0, index: leaf }))
      if (hash === undefined) throw ledgerDamaged(leaf)
      level.push(hash)
    }
    while (level.length > 1) {
      const next: Buffer[] = []
      for (let position = 0; position < level.length; position += 2)
        next.push(fastNodeHash(level[position] as Buffer, level[position + 1] as Buffer))
      level = next
    }
    nodes.set(nodeKey(id), level[0] as Buffer)
  }
  return nodes
}

export function parseSize(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw httpError('validation_failed', `${what} must be a non-negative integer.`)
  return value
}
