import { containsPattern, decodeCursor, encodeCursor, timeFilter, WhereBuilder } from '../http/pagination'
import type { Queryable } from '../storage/database'
import { attestationDetail } from './attestation-input'

/** Filters of `GET …/governance/attestations`. */
export interface AttestationFilters {
  limit: number
  cursor?: string | undefined
  systemName?: string | undefined
  agentName?: string | undefined
  toolName?: string | undefined
  modelId?: string | undefined
  trustTier?: string | undefined
  sessionId?: string | undefined
  outcome?: string | undefined
  provider?: string | undefined
  since?: string | undefined
  until?: string | undefined
  /** Full text: words that must appear, in order, anywhere in the record as received. */
  text?: string | undefined
}

/** A stored attestation as served: the record as received plus the server's fields. */
export type StoredAttestation = Record<string, unknown> & {
  attestation_id: string
  trust_tier: string
  external_verified: boolean
  leaf_index: number
  received_at: string
  /** The record exactly as received; its `hashValue` is the ledger leaf's `record_hash`. */
  record: Record<string, unknown>
}

interface Row {
  attestation_id: string
  system_name: string
  agent_name: string | null
  tool_name: string
  model_id: string | null
  input_hash: string
  output_hash: string
  executed_at: string | null
  trust_tier: string
  signature_scheme: string | null
  leaf_index: number
  received_at: Date
  record: Record<string, unknown>
}

const COLUMNS =
  'attestation_id, system_name, agent_name, tool_name, model_id, input_hash, output_hash, executed_at, trust_tier, signature_scheme, leaf_index, received_at, record'

function toAttestation(row: Row): StoredAttestation {
  return {
    ...row.record,
    // The stored columns (what filters match), served over the record's copies: `mima verify`
    // checks each against the record its leaf commits to, so an edited column shows.
    system_name: row.system_name,
    agent_name: row.agent_name,
    tool_name: row.tool_name,
    model_id: row.model_id,
    input_hash: row.input_hash,
    output_hash: row.output_hash,
    executed_at: row.executed_at,
    attestation_id: row.attestation_id,
    trust_tier: row.trust_tier,
    external_verified: row.trust_tier === 'verified',
    detail: attestationDetail(row.trust_tier, row.signature_scheme),
    signature_scheme: row.signature_scheme,
    leaf_index: Number(row.leaf_index),
    received_at: new Date(row.received_at).toISOString(),
    record: row.record,
  }
}

/** One page of attestations, newest first, and the cursor of the next page (null at the end). */
export async function listAttestations(
  database: Queryable,
  workspaceId: string,
  filters: AttestationFilters,
): Promise<{ attestations: StoredAttestation[]; next_cursor: string | null }> {
  const where = new WhereBuilder()
    .add('workspace_id = $?', workspaceId)
    .add('attestation_id < $?', filters.cursor === undefined ? undefined : decodeCursor(filters.cursor))
    .add('system_name = $?', filters.systemName)
    .add('agent_name = $?', filters.agentName)
    .add('tool_name = $?', filters.toolName)
    .add('model_id = $?', filters.modelId)
    .add('trust_tier = $?', filters.trustTier)
    .add('session_id = $?', filters.sessionId)
    .add('outcome = $?', filters.outcome)
    .add('provider = $?', filters.provider)
    .add('received_at >= $?', timeFilter(filters.since, 'since'))
    .add('received_at < $?', timeFilter(filters.until, 'until'))
    .add("record::text ilike $? escape '\\'", containsPattern(filters.text))
  const { rows } = await database.query<Row>(
    `select ${COLUMNS} from attestations ${where.toSql()} order by attestation_id desc limit ${filters.limit + 1}`,
    where.params,
  )
  const page = rows.slice(0, filters.limit).map(toAttestation)
  const last = page[page.length - 1]
  return {
    attestations: page,
    next_cursor: rows.length > filters.limit && last !== undefined ? encodeCursor(last.attestation_id) : null,
  }
}

/** One attestation by id, or undefined. */
export async function getAttestation(
  database: Queryable,
  workspaceId: string,
  id: string,
): Promise<StoredAttestation | undefined> {
  const { rows } = await database.query<Row>(
    `select ${COLUMNS} from attestations where workspace_id = $1 and attestation_id = $2`,
    [workspaceId, id],
  )
  const row = rows[0]
  return row === undefined ? undefined : toAttestation(row)
}
