import { hashValue } from '@mima/core'
import type { CheckResult, LedgerLeafRecord } from './ledger-checks'

/** A record as the server serves it, reduced to what binds it to its leaf. */
export interface ServedRecord {
  kind: 'attestation' | 'evidence'
  id: string
  /** The leaf the server says holds the record. */
  leafIndex: number
  /** The record exactly as received (`null` for evidence stored before records were kept). */
  record: Record<string, unknown> | null
  /** The fields the server serves beside the record (its stored columns). */
  fields: Record<string, unknown>
}

/** Kinds of leaf whose records the server serves (and so must bind). */
export const BOUND_KINDS: ReadonlySet<string> = new Set(['attestation', 'evidence'])

// Stored columns that are copies of a record field: a column edited in the database shows here.
const COPIED_FIELDS: Record<ServedRecord['kind'], readonly string[]> = {
  attestation: [
    'system_name',
    'agent_name',
    'tool_name',
    'model_id',
    'input_hash',
    'output_hash',
    'executed_at',
  ],
  evidence: ['record_type', 'system_name', 'identity', 'resource', 'environment', 'occurred_at', 'payload'],
}

function committedHash(leaf: LedgerLeafRecord): string | undefined {
  try {
    const data = JSON.parse(leaf.leaf_data) as { record_hash?: unknown }
    return typeof data.record_hash === 'string' ? data.record_hash : undefined
  } catch {
    return undefined
  }
}

function sameValue(left: unknown, right: unknown): boolean {
  if (left === right) return true
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false
  return hashValue(left) === hashValue(right)
}

/** The first stored column that differs from the record it was copied from, if any. */
function editedField(served: ServedRecord): string | undefined {
  const record = served.record
  if (record === null) return undefined
  for (const field of COPIED_FIELDS[served.kind]) {
    if (!(field in served.fields)) continue
    const stored = served.fields[field]
    // agent_name defaults to system_name; fields the client left out are stored as null.
    const expected =
      field === 'agent_name' && record.agent_name === undefined ? record.system_name : (record[field] ?? null)
    if (!sameValue(stored ?? null, expected)) return field
  }
  return undefined
}

/**
 * Binds every served record to its leaf, and every record leaf to a served record. Each problem
 * is one failing check that names the record and the leaf:
 * - **edited**: the record no longer hashes to its leaf's `record_hash`, or a stored column
 *   differs from the record it was copied from;
 * - **moved**: the record is served at a leaf that holds another record;
 * - **truncated**: the record names a leaf beyond the leaves the ledger holds;
 * - **missing**: a leaf commits to a record the server no longer serves (deleted).
 *
 * `leaves` are the served leaves (any order, possibly with gaps); `treeSize` is the signed size.
 */
export function checkRecordBinding(
  leaves: readonly LedgerLeafRecord[],
  served: readonly ServedRecord[],
  treeSize: number,
  options: { kinds?: ReadonlySet<string>; requireRecords?: boolean } = {},
): CheckResult[] {
  const kinds = options.kinds ?? BOUND_KINDS
  const byIndex = new Map(leaves.map((leaf) => [leaf.leaf_index, leaf]))
  const indexOfRecord = new Map(leaves.map((leaf) => [leaf.record_id, leaf.leaf_index]))
  const problems: CheckResult[] = []
  const fail = (detail: string): void => {
    problems.push({ check: 'records', ok: false, detail })
  }
  const servedIds = new Set<string>()
  for (const record of served) {
    servedIds.add(record.id)
    const label = `${record.kind} ${record.id}`
    const leaf = byIndex.get(record.leafIndex)
    if (leaf === undefined) {
      fail(
        record.leafIndex >= treeSize
          ? `${label} claims leaf ${record.leafIndex}, beyond the signed tree of ${treeSize} leaves`
          : `${label}: its leaf ${record.leafIndex} is missing from the ledger (truncated or deleted)`,
      )
      continue
    }
    if (leaf.record_id !== record.id || leaf.kind !== record.kind) {
      const own = indexOfRecord.get(record.id)
      fail(
        `${label} was moved: it is served as leaf ${record.leafIndex}, but leaf ${record.leafIndex} is ${leaf.kind} ${leaf.record_id}` +
          (own === undefined ? '; no leaf commits to it' : `; its own leaf is ${own}`),
      )
      continue
    }
    if (record.record === null) {
      if (options.requireRecords === true)
        fail(
          `${label} (leaf ${record.leafIndex}) carries no record, so nothing binds its contents to its leaf`,
        )
      continue
    }
    if (hashValue(record.record) !== committedHash(leaf)) {
      fail(
        `${label} (leaf ${record.leafIndex}) was edited: the record no longer hashes to what its leaf commits to`,
      )
      continue
    }
    const field = editedField(record)
    if (field !== undefined) {
      fail(
        `${label} (leaf ${record.leafIndex}) was edited: its stored ${field} differs from the record its leaf commits to`,
      )
    }
  }
  for (const leaf of leaves) {
    if (!kinds.has(leaf.kind) || servedIds.has(leaf.record_id)) continue
    fail(`leaf ${leaf.leaf_index} commits to ${leaf.kind} ${leaf.record_id}, which is missing (deleted)`)
  }
  for (let index = 0; index < treeSize; index += 1) {
    if (byIndex.has(index)) continue
    const last = Math.max(-1, ...leaves.map((leaf) => leaf.leaf_index))
    fail(
      index > last
        ? `the ledger was truncated: leaves ${index}–${treeSize - 1} of the signed ${treeSize} are missing`
        : `leaf ${index} is missing from the ledger (deleted)`,
    )
    if (index > last) break
  }
  if (problems.length > 0) return problems
  return [
    {
      check: 'records',
      ok: true,
      detail: `${served.length} served records re-hashed; each is the leaf it names, and every record leaf is served`,
    },
  ]
}
