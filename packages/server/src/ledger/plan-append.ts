import { type LedgerEntry, ledgerLeafData } from '@mima/core'
import type { LedgerAppend } from './ledger'
import { STORED_NODE_MIN_LEVEL } from './ledger-storage'
import { appendToFrontier, fastLeafHash, rootOfFrontier, type TreeNode } from './tree-math'

// Planning an append: leaf data and hashes, the new complete nodes and the new head, computed
// before one statement writes them.

/** Selects the planned leaves (`$2`, JSON) for an `insert … select` (`$1`: the workspace). */
export const LEAVES_SELECT = `select $1, t.i, decode(t.h, 'hex'), t.k, t.r, t.d
  from json_to_recordset($2::json) as t(i bigint, h text, k text, r text, d text)`
/** Selects the planned nodes (`$2`, JSON) for an `insert … select` (`$1`: the workspace). */
export const NODES_SELECT = `select $1, t.l, t.i, decode(t.h, 'hex') from json_to_recordset($2::json) as t(l int, i bigint, h text)`

/** What appending a run of leaves writes. */
export interface AppendPlan {
  indexes: number[]
  newSize: number
  frontier: TreeNode[]
  frontierHex: string
  rootHex: string
  leavesJson: string
  nodesJson: string | undefined
}

/** Leaf data, hashes, new complete nodes and the new head for appending `entries` at `size`. */
export function planAppend(
  workspaceId: string,
  size: number,
  frontier: readonly TreeNode[],
  entries: readonly LedgerAppend[],
): AppendPlan {
  const indexes: number[] = []
  const leaves: Array<{ i: number; h: string; k: string; r: string; d: string }> = []
  const hashes: Buffer[] = []
  entries.forEach((entry, offset) => {
    const leafEntry: LedgerEntry = {
      kind: entry.kind,
      workspace_id: workspaceId,
      record_id: entry.recordId,
      record_hash: entry.recordHash,
      accepted_at: entry.acceptedAt,
    }
    const data = ledgerLeafData(leafEntry)
    const hash = fastLeafHash(data)
    hashes.push(hash)
    indexes.push(size + offset)
    leaves.push({ i: size + offset, h: hash.toString('hex'), k: entry.kind, r: entry.recordId, d: data })
  })
  const appended = appendToFrontier(frontier, size, hashes)
  const stored = appended.created.filter((node) => node.level >= STORED_NODE_MIN_LEVEL)
  return {
    indexes,
    newSize: size + entries.length,
    frontier: appended.frontier,
    frontierHex: Buffer.concat(appended.frontier.map((node) => node.hash)).toString('hex'),
    rootHex: rootOfFrontier(appended.frontier).toString('hex'),
    leavesJson: JSON.stringify(leaves),
    nodesJson:
      stored.length === 0
        ? undefined
        : JSON.stringify(
            stored.map((node) => ({ l: node.level, i: node.index, h: node.hash.toString('hex') })),
          ),
  }
}
