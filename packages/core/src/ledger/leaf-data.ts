/** What one ledger leaf commits to. */
export interface LedgerEntry {
  /** `attestation`, `evidence`, `approval_decision`, `key_event`, … */
  kind: string
  workspace_id: string
  /** The id the server gave the record (`attestation_id`, `record_id`, …). */
  record_id: string
  /** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of the record as the client sent it. */
  record_hash: string
  /** ISO-8601 time the server accepted the record. */
  accepted_at: string
}

/** Version tag inside every leaf. */
export const LEDGER_LEAF_VERSION = 'mima-leaf/1'

/**
 * The leaf data (RFC 9162 `D[i]`) for a ledger entry: RFC 8785 canonical JSON of the entry plus a
 * version tag. `leafHash(ledgerLeafData(entry))` is what the tree stores.
 */
export function ledgerLeafData(entry: LedgerEntry): string {
  return JSON.stringify({
    accepted_at: entry.accepted_at,
    kind: entry.kind,
    record_hash: entry.record_hash,
    record_id: entry.record_id,
    v: LEDGER_LEAF_VERSION,
    workspace_id: entry.workspace_id,
  })
}
