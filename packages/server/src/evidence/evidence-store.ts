import { containsPattern, decodeCursor, encodeCursor, timeFilter, WhereBuilder } from '../http/pagination'
import { loadKeyMaterial } from '../key-custody/key-custody'
import type { Queryable } from '../storage/database'
import { createSecretBox, type SecretBox } from '../webhooks/webhook-secret-box'

/** Filters of `GET …/grc/evidence` and `…/grc/evidence/summary`. */
export interface EvidenceFilters {
  recordType?: string | undefined
  systemName?: string | undefined
  source?: string | undefined
  /** Received at or after (ISO date or date-time). */
  since?: string | undefined
  until?: string | undefined
  /** Client signature status (`verified`, `unchecked`, `unsigned`). */
  clientSigStatus?: string | undefined
  /** Full text: words that must appear, in order, anywhere in the record (payload and fields). */
  text?: string | undefined
}

/** A stored evidence record as served. */
export interface StoredEvidence {
  record_id: string
  record_type: string
  system_name: string
  identity: string | null
  resource: string | null
  environment: string | null
  occurred_at: string | null
  payload: unknown
  mapped_controls: string[]
  client_sig_status: string
  source: string
  leaf_index: number
  received_at: string
  /**
   * The record exactly as the client sent it (`null` for records stored before this was kept).
   * `hashValue(record)` is the `record_hash` its ledger leaf commits to.
   */
  record: Record<string, unknown> | null
}

interface Row {
  record_id: string
  record_type: string
  system_name: string
  identity: string | null
  resource: string | null
  environment: string | null
  occurred_at: string | null
  payload: unknown
  mapped_controls: string[]
  client_sig_status: string
  source: string
  leaf_index: number
  received_at: Date
  record: Record<string, unknown> | null
}

const COLUMNS =
  'record_id, record_type, system_name, identity, resource, environment, occurred_at, payload, mapped_controls, client_sig_status, source, leaf_index, received_at, record'

function toEvidence(row: Row): StoredEvidence {
  return { ...row, leaf_index: Number(row.leaf_index), received_at: new Date(row.received_at).toISOString() }
}

function filtersToWhere(workspaceId: string, filters: EvidenceFilters): WhereBuilder {
  return new WhereBuilder()
    .add('workspace_id = $?', workspaceId)
    .add('record_type = $?', filters.recordType)
    .add('system_name = $?', filters.systemName)
    .add('source = $?', filters.source)
    .add('received_at >= $?', timeFilter(filters.since, 'since'))
    .add('received_at < $?', timeFilter(filters.until, 'until'))
    .add('client_sig_status = $?', filters.clientSigStatus)
    .add(
      "concat_ws(' ', record_type, system_name, identity, resource, environment, payload::text) ilike $? escape '\\'",
      containsPattern(filters.text),
    )
}

/** One page of evidence, newest first. */
export async function listEvidence(
  database: Queryable,
  workspaceId: string,
  filters: EvidenceFilters & { limit: number; cursor?: string | undefined },
): Promise<{ records: StoredEvidence[]; next_cursor: string | null }> {
  const where = filtersToWhere(workspaceId, filters).add(
    'record_id < $?',
    filters.cursor === undefined ? undefined : decodeCursor(filters.cursor),
  )
  const { rows } = await database.query<Row>(
    `select ${COLUMNS} from grc_evidence ${where.toSql()} order by record_id desc limit ${filters.limit + 1}`,
    where.params,
  )
  const page = rows.slice(0, filters.limit).map(toEvidence)
  const last = page[page.length - 1]
  return {
    records: page,
    next_cursor: rows.length > filters.limit && last !== undefined ? encodeCursor(last.record_id) : null,
  }
}

/** One evidence record by id. */
export async function getEvidence(
  database: Queryable,
  workspaceId: string,
  id: string,
): Promise<StoredEvidence | undefined> {
  const { rows } = await database.query<Row>(
    `select ${COLUMNS} from grc_evidence where workspace_id = $1 and record_id = $2`,
    [workspaceId, id],
  )
  const row = rows[0]
  return row === undefined ? undefined : toEvidence(row)
}

/** How many records match, in total and by record type. */
export async function summarizeEvidence(
  database: Queryable,
  workspaceId: string,
  filters: EvidenceFilters,
): Promise<{ count: number; by_record_type: Record<string, number> }> {
  const where = filtersToWhere(workspaceId, filters)
  const { rows } = await database.query<{ record_type: string; count: number }>(
    `select record_type, count(*)::int as count from grc_evidence ${where.toSql()} group by record_type order by record_type`,
    where.params,
  )
  const byType: Record<string, number> = {}
  let count = 0
  for (const row of rows) {
    byType[row.record_type] = Number(row.count)
    count += Number(row.count)
  }
  return { count, by_record_type: byType }
}

/** The workspace's registered GRC HMAC key, if any. */
export async function workspaceHmacKey(
  database: Queryable,
  workspaceId: string,
): Promise<Uint8Array | undefined> {
  const { rows } = await database.query<{ grc_hmac_key: string | null }>(
    'select grc_hmac_key from workspaces where workspace_id = $1',
    [workspaceId],
  )
  const stored = rows[0]?.grc_hmac_key
  if (stored === null || stored === undefined) return undefined
  // Sealed under the server's signing key (`v1.…`); plain hex when stored by an older server.
  if (stored.startsWith('v1.'))
    return new Uint8Array(Buffer.from(grcKeyBox(await loadKeyMaterial(database)).open(stored), 'hex'))
  return new Uint8Array(Buffer.from(stored, 'hex'))
}

/** The box that seals workspace GRC HMAC keys at rest. */
export function grcKeyBox(keyMaterial: Uint8Array): SecretBox {
  return createSecretBox(keyMaterial, 'mima-grc-hmac-keys')
}
