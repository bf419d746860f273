import { bytesToHex, rootFromLeafHashes, type SignedTreeHead, verifySignedTreeHead } from '@mima/core'
import type { Ledger, LedgerLeaf } from '../ledger/ledger'
import { fastLeafHash } from '../ledger/tree-math'
import type { Queryable } from '../storage/database'

/** Records received by a workspace in the last 24 hours (the overview's counters). */
export interface RecentCounts {
  attestations: number
  evidence: number
}

/** Attestations and evidence records received in the last 24 hours. */
export async function countRecentRecords(database: Queryable, workspaceId: string): Promise<RecentCounts> {
  const since = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString()
  const { rows } = await database.query<{ attestations: number; evidence: number }>(
    `select
       (select count(*)::int from attestations where workspace_id = $1 and received_at >= $2) as attestations,
       (select count(*)::int from grc_evidence where workspace_id = $1 and received_at >= $2) as evidence`,
    [workspaceId, since],
  )
  return { attestations: Number(rows[0]?.attestations ?? 0), evidence: Number(rows[0]?.evidence ?? 0) }
}

/** The approval an attestation consumed (its token), by attestation id. */
export interface ConsumedApproval {
  approvalId: string
  decidedBy: string | null
}

/** Which of `attestationIds` consumed an approval token, and which approval it was. */
export async function approvalsConsumedBy(
  database: Queryable,
  workspaceId: string,
  attestationIds: readonly string[],
): Promise<Map<string, ConsumedApproval>> {
  const found = new Map<string, ConsumedApproval>()
  if (attestationIds.length === 0) return found
  const { rows } = await database.query<{
    approval_id: string
    decided_by: string | null
    consumed_by: string
  }>(
    `select approval_id, decided_by, consumed_by from approvals
      where workspace_id = $1 and consumed_by = any($2::text[])`,
    [workspaceId, attestationIds],
  )
  for (const row of rows)
    found.set(row.consumed_by, { approvalId: row.approval_id, decidedBy: row.decided_by })
  return found
}

/** The newest `count` leaves of a workspace's tree of `treeSize` leaves, newest first. */
export async function latestLeaves(
  database: Queryable,
  ledger: Ledger,
  workspaceId: string,
  treeSize: number,
  count: number,
): Promise<LedgerLeaf[]> {
  const from = Math.max(0, treeSize - count)
  const leaves = await ledger.leaves(database, workspaceId, from, treeSize - from)
  return leaves.reverse()
}

/** The outcome of {@link verifyLedger}. */
export interface LedgerVerification {
  head: SignedTreeHead
  /** The head's Ed25519 signature verifies against the server's key. */
  signatureValid: boolean
  /** Leaves read back from storage (should equal `head.tree_size`). */
  leavesChecked: number
  /** Leaves whose stored hash differs from `SHA-256(0x00 ‖ leaf_data)`. */
  leafMismatches: number
  /** Index of the first such leaf, or null. */
  firstMismatch: number | null
  /** The root recomputed from the stored leaf data. */
  recomputedRoot: string
  /** The recomputed root equals the signed head's root. */
  rootMatches: boolean
  /** Everything above holds. */
  ok: boolean
}

const PAGE = 10_000

/**
 * Verifies a workspace's ledger on the server: signs a fresh head, checks its signature against
 * the server key, re-hashes every stored leaf from its data and recomputes the RFC 9162 root
 * (O(log n) memory), which must equal the signed root.
 */
export async function verifyLedger(
  database: Queryable,
  ledger: Ledger,
  workspaceId: string,
): Promise<LedgerVerification> {
  const head = await ledger.treeHead(database, workspaceId)
  const signatureValid = await verifySignedTreeHead(head, ledger.publicKey)
  let leavesChecked = 0
  let leafMismatches = 0
  let firstMismatch: number | null = null
  async function* recomputedLeafHashes(): AsyncGenerator<Uint8Array> {
    for (let from = 0; from < head.tree_size; from += PAGE) {
      const leaves = await ledger.leaves(database, workspaceId, from, Math.min(PAGE, head.tree_size - from))
      if (leaves.length === 0) return
      for (const leaf of leaves) {
        const hash = fastLeafHash(leaf.leaf_data)
        if (leaf.leaf_index !== leavesChecked || hash.toString('hex') !== leaf.leaf_hash) {
          leafMismatches += 1
          firstMismatch ??= leavesChecked
        }
        leavesChecked += 1
        yield hash
      }
    }
  }
  const { rootHash } = await rootFromLeafHashes(recomputedLeafHashes())
  const recomputedRoot = bytesToHex(rootHash)
  const rootMatches = leavesChecked === head.tree_size && recomputedRoot === head.root_hash
  return {
    head,
    signatureValid,
    leavesChecked,
    leafMismatches,
    firstMismatch,
    recomputedRoot,
    rootMatches,
    ok: signatureValid && rootMatches && leafMismatches === 0,
  }
}
