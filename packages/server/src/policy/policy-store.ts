import { randomBytes } from 'node:crypto'
import type { DecisionRecord, PolicyDocument } from '@mima/policy'
import type { Database, Queryable } from '../storage/database'

/** One stored version of a policy. */
export interface PolicyVersionRow {
  name: string
  version: number
  document: PolicyDocument
  source: string
  content_hash: string
  created_by: string
  created_at: string
}

/** A policy in the list: its newest version. */
export interface PolicySummary {
  name: string
  latest_version: number
  content_hash: string
  updated_at: string
  versions: number
}

/** A stored decision, as the API and the dashboard show it. */
export interface StoredDecision {
  decision_id: string
  policy_name: string
  policy_version: string
  rule_id: string
  decision: string
  direction: string
  tool: string | null
  agent: string | null
  reasons: string[]
  detector_kinds: string[]
  findings: number
  text_commitment: string | null
  correlation_id: string | null
  source: string
  decided_at: string
  received_at: string
}

const iso = (value: Date | string): string => new Date(value).toISOString()
const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T))

function versionRow(row: Record<string, unknown>): PolicyVersionRow {
  return {
    name: row.name as string,
    version: Number(row.version),
    document: json<PolicyDocument>(row.document),
    source: row.source as string,
    content_hash: row.content_hash as string,
    created_by: row.created_by as string,
    created_at: iso(row.created_at as Date | string),
  }
}

/** The newest version of a policy, or one version; `undefined` when there is none. */
export async function readPolicyVersion(
  database: Queryable,
  workspaceId: string,
  name: string,
  version?: number,
): Promise<PolicyVersionRow | undefined> {
  const { rows } =
    version === undefined
      ? await database.query(
          'select * from policy_versions where workspace_id = $1 and name = $2 order by version desc limit 1',
          [workspaceId, name],
        )
      : await database.query(
          'select * from policy_versions where workspace_id = $1 and name = $2 and version = $3',
          [workspaceId, name, version],
        )
  return rows[0] === undefined ? undefined : versionRow(rows[0])
}

/**
 * Stores a new version (the next number) unless the newest has the same content hash, in which
 * case that one is returned with `created: false`. `afterInsert` runs in the same transaction (the
 * ledger leaf). Retries in a new transaction when a concurrent upload took the number.
 */
export async function insertPolicyVersion(
  database: Database,
  input: {
    workspaceId: string
    name: string
    document: PolicyDocument
    source: string
    contentHash: string
    createdBy: string
  },
  afterInsert: (transaction: Queryable, row: PolicyVersionRow) => Promise<void>,
): Promise<{ row: PolicyVersionRow; created: boolean }> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await database.transaction(async (transaction) => {
        const latest = await readPolicyVersion(transaction, input.workspaceId, input.name)
        if (latest !== undefined && latest.content_hash === input.contentHash)
          return { row: latest, created: false }
        const version = (latest?.version ?? 0) + 1
        const { rows } = await transaction.query(
          `insert into policy_versions (workspace_id, name, version, document, source, content_hash, created_by)
           values ($1, $2, $3, $4::jsonb, $5, $6, $7) returning *`,
          [
            input.workspaceId,
            input.name,
            version,
            JSON.stringify({ ...input.document, name: input.name, version }),
            input.source,
            input.contentHash,
            input.createdBy,
          ],
        )
        const row = versionRow(rows[0] as Record<string, unknown>)
        await afterInsert(transaction, row)
        return { row, created: true }
      })
    } catch (error) {
      if ((error as { code?: string }).code !== '23505' || attempt >= 4) throw error
    }
  }
}

/** Every policy of a workspace with its newest version. */
export async function listPolicies(database: Queryable, workspaceId: string): Promise<PolicySummary[]> {
  const { rows } = await database.query(
    `select distinct on (name) name, version, content_hash, created_at,
            count(*) over (partition by name) as versions
       from policy_versions where workspace_id = $1 order by name, version desc`,
    [workspaceId],
  )
  return rows.map((row) => ({
    name: row.name as string,
    latest_version: Number(row.version),
    content_hash: row.content_hash as string,
    updated_at: iso(row.created_at as Date | string),
    versions: Number(row.versions),
  }))
}

/** The versions of one policy, newest first (without their documents). */
export async function listPolicyVersions(
  database: Queryable,
  workspaceId: string,
  name: string,
): Promise<Omit<PolicyVersionRow, 'document' | 'source'>[]> {
  const { rows } = await database.query(
    `select name, version, content_hash, created_by, created_at from policy_versions
      where workspace_id = $1 and name = $2 order by version desc`,
    [workspaceId, name],
  )
  return rows.map((row) => ({
    name: row.name as string,
    version: Number(row.version),
    content_hash: row.content_hash as string,
    created_by: row.created_by as string,
    created_at: iso(row.created_at as Date | string),
  }))
}

/** The workspace's key for HMAC commitments of checked texts (created on first use). */
export async function commitmentKey(database: Queryable, workspaceId: string): Promise<string> {
  await database.query(
    'insert into policy_settings (workspace_id, commitment_key) values ($1, $2) on conflict (workspace_id) do nothing',
    [workspaceId, randomBytes(32).toString('base64url')],
  )
  const { rows } = await database.query<{ commitment_key: string }>(
    'select commitment_key from policy_settings where workspace_id = $1',
    [workspaceId],
  )
  return rows[0]?.commitment_key as string
}

/** Stores decision records (already validated); a record whose id exists is skipped. Returns the new ones. */
export async function insertDecisions(
  database: Queryable,
  workspaceId: string,
  source: 'server' | 'client',
  records: readonly DecisionRecord[],
): Promise<DecisionRecord[]> {
  const inserted: DecisionRecord[] = []
  for (const record of records) {
    const result = await database.query(
      `insert into policy_decisions (workspace_id, decision_id, policy_name, policy_version, rule_id, decision,
         direction, tool, agent, reasons, detector_kinds, findings, text_commitment, correlation_id, source, decided_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16)
       on conflict (workspace_id, decision_id) do nothing`,
      [
        workspaceId,
        record.decision_id,
        record.policy_id,
        record.policy_version,
        record.rule_id,
        record.decision,
        record.direction,
        record.tool ?? null,
        record.agent ?? null,
        JSON.stringify(record.reasons),
        JSON.stringify(record.detector_kinds),
        record.findings,
        record.text_commitment ?? null,
        record.correlation_id ?? null,
        source,
        record.decided_at,
      ],
    )
    if (result.rowCount > 0) inserted.push(record)
  }
  return inserted
}

/** The newest decisions, optionally of one policy. */
export async function listDecisions(
  database: Queryable,
  workspaceId: string,
  options: { policyName?: string; limit: number },
): Promise<StoredDecision[]> {
  const { rows } =
    options.policyName === undefined
      ? await database.query(
          'select * from policy_decisions where workspace_id = $1 order by received_at desc, decision_id desc limit $2',
          [workspaceId, options.limit],
        )
      : await database.query(
          `select * from policy_decisions where workspace_id = $1 and policy_name = $2
            order by received_at desc, decision_id desc limit $3`,
          [workspaceId, options.policyName, options.limit],
        )
  return rows.map((row) => ({
    decision_id: row.decision_id as string,
    policy_name: row.policy_name as string,
    policy_version: row.policy_version as string,
    rule_id: row.rule_id as string,
    decision: row.decision as string,
    direction: row.direction as string,
    tool: (row.tool as string | null) ?? null,
    agent: (row.agent as string | null) ?? null,
    reasons: json<string[]>(row.reasons),
    detector_kinds: json<string[]>(row.detector_kinds),
    findings: Number(row.findings),
    text_commitment: (row.text_commitment as string | null) ?? null,
    correlation_id: (row.correlation_id as string | null) ?? null,
    source: row.source as string,
    decided_at: iso(row.decided_at as Date | string),
    received_at: iso(row.received_at as Date | string),
  }))
}
