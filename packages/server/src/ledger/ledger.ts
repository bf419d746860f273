import { type SignedTreeHead, signedTreeHeadMessage } from '@mima/core'
import { httpError } from '../http/errors'
import type { Queryable } from '../storage/database'
import {
  decodeFrontier,
  fetchNodes,
  hex,
  ledgerDamaged,
  parseSize,
  readHead,
  storedRangeHash,
} from './ledger-storage'
import { LEAVES_SELECT, NODES_SELECT, planAppend } from './plan-append'
import type { ServerKey } from './server-key'
import {
  consistencyRanges,
  decomposeRange,
  EMPTY_ROOT,
  inclusionRanges,
  type LeafRange,
  nodeKey,
  type TreeNode,
} from './tree-math'

export { STORED_NODE_MIN_LEVEL } from './ledger-storage'

/** One record to append as a leaf. */
export interface LedgerAppend {
  /** `attestation`, `evidence`, `approval_decision`, `key_event`, … */
  kind: string
  recordId: string
  /** Hex SHA-256 of the canonical JSON of the record as received. */
  recordHash: string
  /** ISO-8601 acceptance time. */
  acceptedAt: string
}

/** A leaf as stored. */
export interface LedgerLeaf {
  leaf_index: number
  leaf_hash: string
  kind: string
  record_id: string
  /** The exact leaf data (`D[i]`) that was hashed: canonical JSON of a {@link LedgerEntry}. */
  leaf_data: string
}

/** The head of a workspace's tree, locked for appending inside a transaction. */
export interface LedgerAppender {
  /** Leaves already in the tree; the next leaf gets this index. */
  readonly treeSize: number
  /** Appends leaves in order; returns their indexes. Call once per transaction. */
  append(entries: readonly LedgerAppend[]): Promise<number[]>
}

/** An RFC 9162 inclusion proof as served. */
export interface InclusionProofResponse {
  leaf_index: number
  tree_size: number
  leaf_hash: string
  /** Audit path, from the leaf upward. */
  inclusion_path: string[]
}

/** An RFC 9162 consistency proof as served. */
export interface ConsistencyProofResponse {
  first_size: number
  second_size: number
  consistency_path: string[]
}

/** The per-workspace Merkle ledger. */
export interface Ledger {
  /** Hex Ed25519 public key that signs tree heads. */
  readonly publicKey: string
  /** Creates the empty tree of a new workspace (in the workspace's creating transaction). */
  createTree(transaction: Queryable, workspaceId: string): Promise<void>
  /**
   * Locks the workspace's tree head (`select … for update`) in `transaction`; appends then happen
   * in the same transaction as the records they commit to, so several processes on one PostgreSQL
   * append in a single total order.
   */
  lock(transaction: Queryable, workspaceId: string): Promise<LedgerAppender>
  /**
   * Appends leaves and inserts their records in ONE statement, without holding a lock across round
   * trips: `build(treeSize)` returns the ledger entries (leaf indexes start at `treeSize`) and
   * `insert … select … from …` statements (no `where`, own `$1…` numbering) for the records. If
   * another writer moved the head meanwhile, nothing is written and `build` runs again with the
   * new size. Returns the leaf indexes, or undefined after losing five races in a row (then use
   * {@link Ledger.lock}, which always makes progress).
   */
  appendInOneStatement(
    database: Queryable,
    workspaceId: string,
    build: (treeSize: number) => {
      entries: readonly LedgerAppend[]
      statements: readonly { sql: string; params: readonly unknown[] }[]
    },
  ): Promise<number[] | undefined>
  /** A freshly signed head for the current size, or for an earlier `treeSize`. */
  treeHead(database: Queryable, workspaceId: string, treeSize?: number): Promise<SignedTreeHead>
  /** Inclusion proof of leaf `leafIndex` in the tree of `treeSize` (default: current) leaves. */
  inclusionProof(
    database: Queryable,
    workspaceId: string,
    leafIndex: number,
    treeSize?: number,
  ): Promise<InclusionProofResponse>
  /** Leaf index of a record id (404 when the record is not in the ledger). */
  leafIndexOf(database: Queryable, workspaceId: string, recordId: string): Promise<number>
  consistencyProof(
    database: Queryable,
    workspaceId: string,
    firstSize: number,
    secondSize?: number,
  ): Promise<ConsistencyProofResponse>
  /**
   * Leaf hashes `[from, from + limit)` in order as one lowercase hex string (64 characters per
   * leaf): the compact form for full verification.
   */
  leafHashes(
    database: Queryable,
    workspaceId: string,
    from: number,
    limit: number,
  ): Promise<{ count: number; hex: string }>
  /** Leaves `[from, from + limit)` in order (fewer at the end of the tree). */
  leaves(database: Queryable, workspaceId: string, from: number, limit: number): Promise<LedgerLeaf[]>
}

/** Creates the {@link Ledger} over the server schema, signing heads with `key`. */
export function createLedger(key: ServerKey): Ledger {
  // Last head this process committed per workspace; only a hint, checked by every append.
  const heads = new Map<string, { size: number; frontier: TreeNode[]; rootHex: string | null }>()
  const sign = (head: Omit<SignedTreeHead, 'signature' | 'algorithm' | 'public_key'>): SignedTreeHead => ({
    ...head,
    algorithm: 'ed25519',
    signature: key.sign(signedTreeHeadMessage(head)).toString('hex'),
    public_key: key.publicKeyHex,
  })

  async function sizeOrCurrent(
    database: Queryable,
    workspaceId: string,
    treeSize: number | undefined,
  ): Promise<number> {
    const head = await readHead(database, workspaceId, false)
    if (treeSize === undefined) return head.tree_size
    parseSize(treeSize, 'tree_size')
    if (treeSize > head.tree_size) {
      throw httpError(
        'validation_failed',
        `tree_size ${treeSize} is larger than the tree (${head.tree_size} leaves).`,
      )
    }
    return treeSize
  }

  async function rangesToHashes(
    database: Queryable,
    workspaceId: string,
    ranges: LeafRange[],
  ): Promise<string[]> {
    const ids = ranges.flatMap((range) => decomposeRange(range.start, range.end))
    const nodes = await fetchNodes(database, workspaceId, ids)
    return ranges.map((range) => storedRangeHash(range, nodes).toString('hex'))
  }

  return {
    publicKey: key.publicKeyHex,

    async createTree(transaction, workspaceId) {
      await transaction.query('insert into ledger_heads (workspace_id) values ($1) on conflict do nothing', [
        workspaceId,
      ])
    },

    async lock(transaction, workspaceId) {
      // Another path may append in this transaction and roll back: forget the cached head.
      heads.delete(workspaceId)
      const head = await readHead(transaction, workspaceId, true)
      const size = head.tree_size
      let used = false
      return {
        treeSize: size,
        async append(entries) {
          if (used) throw new Error('LedgerAppender.append may be called once per lock')
          used = true
          if (entries.length === 0) return []
          const plan = planAppend(workspaceId, size, decodeFrontier(size, head.frontier), entries)
          await transaction.query(
            `insert into ledger_leaves (workspace_id, leaf_index, leaf_hash, kind, record_id, leaf_data) ${LEAVES_SELECT}`,
            [workspaceId, plan.leavesJson],
          )
          if (plan.nodesJson !== undefined) {
            await transaction.query(
              `insert into ledger_nodes (workspace_id, level, node_index, hash) ${NODES_SELECT}`,
              [workspaceId, plan.nodesJson],
            )
          }
          await transaction.query(
            `update ledger_heads set tree_size = $2, frontier = decode($3, 'hex'), root_hash = decode($4, 'hex'), updated_at = now()
             where workspace_id = $1`,
            [workspaceId, plan.newSize, plan.frontierHex, plan.rootHex],
          )
          return plan.indexes
        },
      }
    },

    async appendInOneStatement(database, workspaceId, build) {
      for (let attempt = 0; ; attempt += 1) {
        // After a lost race, start from what is committed, not from another caller's prediction.
        let head = attempt === 0 ? heads.get(workspaceId) : undefined
        if (head === undefined) {
          const row = await readHead(database, workspaceId, false)
          head = {
            size: row.tree_size,
            frontier: decodeFrontier(row.tree_size, row.frontier),
            rootHex: row.root_hash === null ? null : hex(row.root_hash),
          }
        }
        const { entries, statements } = build(head.size)
        if (entries.length === 0) return []
        const plan = planAppend(workspaceId, head.size, head.frontier, entries)
        // Pipelining: the next caller may build on this prediction before this statement commits;
        // its UPDATE then waits for this one's row lock and matches the head this one leaves.
        const predicted = { size: plan.newSize, frontier: plan.frontier, rootHex: plan.rootHex }
        heads.set(workspaceId, predicted)
        // One statement, atomic on its own: the head moves only if nobody appended since we read
        // it (size and root unchanged), and every insert runs only if the head moved.
        const params: unknown[] = [
          workspaceId,
          head.size,
          head.rootHex,
          plan.newSize,
          plan.frontierHex,
          plan.rootHex,
          plan.leavesJson,
        ]
        const parts: string[] = [
          `moved as (update ledger_heads set tree_size = $4, frontier = decode($5, 'hex'), root_hash = decode($6, 'hex'), updated_at = now()
             where workspace_id = $1 and tree_size = $2 and root_hash is not distinct from decode($3, 'hex') returning 1)`,
          `leaves as (insert into ledger_leaves (workspace_id, leaf_index, leaf_hash, kind, record_id, leaf_data)
             ${LEAVES_SELECT.replace('$2', '$7')} where exists (select 1 from moved))`,
        ]
        if (plan.nodesJson !== undefined) {
          params.push(plan.nodesJson)
          parts.push(
            `nodes as (insert into ledger_nodes (workspace_id, level, node_index, hash)
               ${NODES_SELECT.replace('$2', `$${params.length}`)} where exists (select 1 from moved))`,
          )
        }
        statements.forEach((statement, position) => {
          const offset = params.length
          params.push(...statement.params)
          const sql = statement.sql.replace(
            /\$(\d+)/g,
            (_match, number: string) => `$${Number(number) + offset}`,
          )
          parts.push(`records_${position} as (${sql} where exists (select 1 from moved))`)
        })
        let moved = false
        try {
          const { rows } = await database.query<{ moved: number }>(
            `with ${parts.join(',\n')} select count(*)::int as moved from moved`,
            params,
          )
          moved = Number(rows[0]?.moved) === 1
        } catch (error) {
          if (heads.get(workspaceId) === predicted) heads.delete(workspaceId)
          throw error
        }
        if (moved) return plan.indexes
        // Someone else appended (another process, the locked path, or a failed predecessor whose
        // prediction this built on): reread and rebuild.
        if (heads.get(workspaceId) === predicted) heads.delete(workspaceId)
        // Heavy contention (many processes): stop racing; the caller takes the locked path.
        if (attempt >= 4) return undefined
      }
    },

    async treeHead(database, workspaceId, treeSize) {
      const head = await readHead(database, workspaceId, false)
      const timestamp = new Date().toISOString()
      if (treeSize === undefined || treeSize === head.tree_size) {
        const root = head.root_hash === null ? EMPTY_ROOT : Buffer.from(head.root_hash)
        return sign({
          workspace_id: workspaceId,
          tree_size: head.tree_size,
          root_hash: root.toString('hex'),
          timestamp,
        })
      }
      parseSize(treeSize, 'tree_size')
      if (treeSize > head.tree_size) {
        throw httpError(
          'validation_failed',
          `tree_size ${treeSize} is larger than the tree (${head.tree_size} leaves).`,
        )
      }
      const [root] =
        treeSize === 0
          ? [EMPTY_ROOT.toString('hex')]
          : await rangesToHashes(database, workspaceId, [{ start: 0, end: treeSize }])
      return sign({ workspace_id: workspaceId, tree_size: treeSize, root_hash: root as string, timestamp })
    },

    async inclusionProof(database, workspaceId, leafIndex, treeSize) {
      const size = await sizeOrCurrent(database, workspaceId, treeSize)
      parseSize(leafIndex, 'leaf_index')
      if (leafIndex >= size) {
        throw httpError('not_found', `Leaf ${leafIndex} is not in the tree of ${size} leaves.`)
      }
      const ranges = inclusionRanges(leafIndex, size)
      const nodes = await fetchNodes(database, workspaceId, [
        { level: 0, index: leafIndex },
        ...ranges.flatMap((range) => decomposeRange(range.start, range.end)),
      ])
      const leaf = nodes.get(nodeKey({ level: 0, index: leafIndex }))
      if (leaf === undefined) throw ledgerDamaged(leafIndex)
      return {
        leaf_index: leafIndex,
        tree_size: size,
        leaf_hash: leaf.toString('hex'),
        inclusion_path: ranges.map((range) => storedRangeHash(range, nodes).toString('hex')),
      }
    },

    async leafIndexOf(database, workspaceId, recordId) {
      // Attestations and evidence carry their leaf index; other kinds (key events, approval
      // decisions, …) are found through a partial index on the leaves.
      const { rows } = await database.query<{ leaf_index: number }>(
        `select leaf_index from (
           select leaf_index from attestations where workspace_id = $1 and attestation_id = $2
           union all
           select leaf_index from grc_evidence where workspace_id = $1 and record_id = $2
           union all
           select leaf_index from ledger_leaves
             where workspace_id = $1 and record_id = $2 and kind not in ('attestation', 'evidence')
         ) as found order by leaf_index limit 1`,
        [workspaceId, recordId],
      )
      const row = rows[0]
      if (row === undefined) throw httpError('not_found', `No ledger leaf for record "${recordId}".`)
      return Number(row.leaf_index)
    },

    async consistencyProof(database, workspaceId, firstSize, secondSize) {
      const second = await sizeOrCurrent(database, workspaceId, secondSize)
      parseSize(firstSize, 'first')
      if (firstSize > second) {
        throw httpError('validation_failed', `first (${firstSize}) must not exceed second (${second}).`)
      }
      return {
        first_size: firstSize,
        second_size: second,
        consistency_path: await rangesToHashes(database, workspaceId, consistencyRanges(firstSize, second)),
      }
    },

    async leafHashes(database, workspaceId, from, limit) {
      const { rows } = await database.query<{ count: number; hex: string | null }>(
        `select count(*)::int as count, string_agg(encode(leaf_hash, 'hex'), '' order by leaf_index) as hex
         from ledger_leaves where workspace_id = $1 and leaf_index >= $2 and leaf_index < $3`,
        [workspaceId, from, from + limit],
      )
      return { count: Number(rows[0]?.count ?? 0), hex: rows[0]?.hex ?? '' }
    },

    async leaves(database, workspaceId, from, limit) {
      const { rows } = await database.query<{
        leaf_index: number
        leaf_hash: Uint8Array
        kind: string
        record_id: string
        leaf_data: string
      }>(
        `select leaf_index, leaf_hash, kind, record_id, leaf_data from ledger_leaves
         where workspace_id = $1 and leaf_index >= $2 and leaf_index < $3 order by leaf_index`,
        [workspaceId, from, from + limit],
      )
      return rows.map((row) => ({
        leaf_index: Number(row.leaf_index),
        leaf_hash: hex(row.leaf_hash),
        kind: row.kind,
        record_id: row.record_id,
        leaf_data: row.leaf_data,
      }))
    },
  }
}
