import type { SignedTreeHead } from '@mima/core'
import type { Session } from '../cli/session'
import { ApiError } from '../http/api-client'
import { type CheckResult, checkInclusion, type InclusionProof } from './ledger-checks'
import { BOUND_KINDS, checkRecordBinding } from './record-binding'
import { fetchLeaf, fetchServedRecord } from './served-records'

/** A 404/409 from a proof request as a failing check (a damaged ledger is reported, not a crash). */
export function damagedLedgerCheck(error: unknown, what: string): CheckResult {
  if (error instanceof ApiError && (error.status === 404 || error.status === 409)) {
    return { check: 'inclusion', ok: false, detail: `${what}: ${error.message}` }
  }
  throw error
}

/**
 * `--record ID`: proves the record's leaf is in the signed tree, that the leaf is this record
 * (not another one the server re-pointed it to), and that the served record recomputes to it.
 */
export async function checkNamedRecord(
  session: Session,
  recordId: string,
  head: SignedTreeHead,
): Promise<CheckResult[]> {
  let proof: InclusionProof
  try {
    proof = await session.api.request<InclusionProof>(
      'GET',
      session.api.workspacePath('ledger/proofs/inclusion'),
      {
        query: { record_id: recordId, tree_size: head.tree_size },
      },
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return [
        {
          check: 'inclusion',
          ok: false,
          detail: `record ${recordId} is not in the ledger (missing or deleted)`,
        },
      ]
    }
    return [damagedLedgerCheck(error, `record ${recordId}`)]
  }
  const leaf = await fetchLeaf(session, proof.leaf_index)
  if (leaf === undefined) {
    return [
      {
        check: 'inclusion',
        ok: false,
        detail: `record ${recordId}: its leaf ${proof.leaf_index} is missing from the ledger (truncated or deleted)`,
      },
    ]
  }
  const inclusion = checkInclusion(`record ${recordId}`, proof, head, leaf.leaf_data)
  if (leaf.record_id !== recordId) {
    return [
      inclusion,
      {
        check: 'records',
        ok: false,
        detail: `record ${recordId} was moved: the server names leaf ${proof.leaf_index}, but leaf ${proof.leaf_index} is ${leaf.kind} ${leaf.record_id}`,
      },
    ]
  }
  if (!BOUND_KINDS.has(leaf.kind)) return [inclusion]
  const served = await fetchServedRecord(session, leaf.kind, recordId)
  if (served === undefined) {
    return [
      inclusion,
      {
        check: 'records',
        ok: false,
        detail: `leaf ${leaf.leaf_index} commits to ${leaf.kind} ${recordId}, which is missing (deleted)`,
      },
    ]
  }
  // Bind just this record to its leaf (the other leaves are not fetched with --record).
  const binding = checkRecordBinding([leaf], [served], 0)
  return [inclusion, ...binding]
}
