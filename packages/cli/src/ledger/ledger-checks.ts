import {
  bytesToHex,
  leafHash,
  rootFromLeafHashes,
  type SignedTreeHead,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifySignedTreeHead,
} from '@mima/core'

/** One line of a verification report. */
export interface CheckResult {
  check: string
  ok: boolean
  detail: string
}

/** A leaf as the server serves it (`GET …/ledger/leaves`). */
export interface LedgerLeafRecord {
  leaf_index: number
  leaf_hash: string
  kind: string
  record_id: string
  leaf_data: string
}

/** An inclusion proof as the server serves it. */
export interface InclusionProof {
  leaf_index: number
  tree_size: number
  leaf_hash: string
  inclusion_path: string[]
}

/** A consistency proof as the server serves it. */
export interface ConsistencyProof {
  first_size: number
  second_size: number
  consistency_path: string[]
}

/** Checks the head's Ed25519 signature with the pinned key and that it is this workspace's. */
export async function checkTreeHead(
  head: SignedTreeHead,
  publicKey: string,
  workspaceId: string,
): Promise<CheckResult> {
  if (head.workspace_id !== workspaceId) {
    return {
      check: 'tree head',
      ok: false,
      detail: `head is for workspace ${head.workspace_id}, not ${workspaceId}`,
    }
  }
  const ok = await verifySignedTreeHead(head, publicKey)
  return {
    check: 'tree head',
    ok,
    detail: ok
      ? `size ${head.tree_size}, root ${head.root_hash.slice(0, 16)}…, signed ${head.timestamp}`
      : 'the signature does not verify with the pinned server key: the head was forged or altered',
  }
}

/** Checks that `current` extends `previous` (the last head this machine verified). */
export function checkConsistency(
  previous: Pick<SignedTreeHead, 'tree_size' | 'root_hash' | 'timestamp'>,
  current: Pick<SignedTreeHead, 'tree_size' | 'root_hash'>,
  proof: ConsistencyProof | undefined,
): CheckResult {
  if (current.tree_size < previous.tree_size) {
    return {
      check: 'consistency',
      ok: false,
      detail: `the ledger shrank from ${previous.tree_size} to ${current.tree_size} leaves since ${previous.timestamp}: records were deleted`,
    }
  }
  const ok = verifyConsistencyProof({
    firstSize: previous.tree_size,
    secondSize: current.tree_size,
    firstRootHash: previous.root_hash,
    secondRootHash: current.root_hash,
    proof: proof?.consistency_path ?? [],
  })
  return {
    check: 'consistency',
    ok,
    detail: ok
      ? `extends the head verified ${previous.timestamp} (size ${previous.tree_size} → ${current.tree_size})`
      : `does not extend the head verified ${previous.timestamp} (size ${previous.tree_size}): history was rewritten`,
  }
}

/**
 * Re-hashes every leaf (`leaf_hash = SHA-256(0x00 ‖ leaf_data)`), checks indexes run 0..n-1 and
 * that each leaf names this workspace, then recomputes the root and compares it with the head.
 */
export async function checkLeaves(
  leaves: readonly LedgerLeafRecord[],
  head: Pick<SignedTreeHead, 'tree_size' | 'root_hash' | 'workspace_id'>,
): Promise<CheckResult> {
  for (let index = 0; index < leaves.length; index++) {
    const leaf = leaves[index]!
    if (leaf.leaf_index !== index) {
      return {
        check: 'leaves',
        ok: false,
        detail: `leaf ${index} is missing (found index ${leaf.leaf_index})`,
      }
    }
    if (bytesToHex(leafHash(leaf.leaf_data)) !== leaf.leaf_hash) {
      return {
        check: 'leaves',
        ok: false,
        detail: `leaf ${index} (${leaf.kind} ${leaf.record_id}): data does not match its hash`,
      }
    }
    let data: { workspace_id?: unknown; record_id?: unknown }
    try {
      data = JSON.parse(leaf.leaf_data) as typeof data
    } catch {
      return { check: 'leaves', ok: false, detail: `leaf ${index}: leaf data is not JSON` }
    }
    if (data.workspace_id !== head.workspace_id || data.record_id !== leaf.record_id) {
      return {
        check: 'leaves',
        ok: false,
        detail: `leaf ${index}: leaf data names another workspace or record`,
      }
    }
  }
  const { treeSize, rootHash } = await rootFromLeafHashes(leaves.map((leaf) => leaf.leaf_hash))
  const ok = treeSize === head.tree_size && bytesToHex(rootHash) === head.root_hash
  return {
    check: 'leaves',
    ok,
    detail: ok
      ? `${treeSize} leaves re-hashed; their root matches the signed head`
      : `the ${treeSize} leaves served do not hash to the signed root: a record was edited, removed or reordered`,
  }
}

/** Checks one record's inclusion proof against the head's root. */
export function checkInclusion(
  label: string,
  proof: InclusionProof,
  head: Pick<SignedTreeHead, 'tree_size' | 'root_hash'>,
  leafData?: string,
): CheckResult {
  if (leafData !== undefined && bytesToHex(leafHash(leafData)) !== proof.leaf_hash) {
    return {
      check: 'inclusion',
      ok: false,
      detail: `${label}: leaf data does not match the proven leaf hash`,
    }
  }
  const ok =
    proof.tree_size === head.tree_size &&
    verifyInclusionProof({
      leafHash: proof.leaf_hash,
      leafIndex: proof.leaf_index,
      treeSize: proof.tree_size,
      proof: proof.inclusion_path,
      rootHash: head.root_hash,
    })
  return {
    check: 'inclusion',
    ok,
    detail: ok
      ? `${label} is leaf ${proof.leaf_index} of the signed tree`
      : `${label}: the inclusion proof does not verify`,
  }
}
