import { consumePresentedApprovalTokens } from '../approvals/approvals-feature'
import type { Ledger, LedgerAppend } from '../ledger/ledger'
import type { Database, Queryable } from '../storage/database'

/** A new attestation, validated and ready to store. */
export interface NewAttestation {
  id: string
  idempotencyKey: string | undefined
  recordHash: string
  systemName: string
  agentName: string
  toolName: string
  modelId: string | undefined
  inputHash: string
  outputHash: string
  executedAt: string | undefined
  trustTier: string
  signatureScheme: string | undefined
  /** The record as received (JSON). */
  record: Record<string, unknown>
}

/** A new GRC evidence record, validated and ready to store. */
export interface NewEvidence {
  id: string
  idempotencyKey: string | undefined
  recordHash: string
  recordType: string
  systemName: string
  identity: string | undefined
  resource: string | undefined
  environment: string | undefined
  occurredAt: string | undefined
  payload: unknown
  clientSigStatus: string
  mappedControls: string[]
  /** The record exactly as received (served back; its `hashValue` is `recordHash`). */
  record?: Record<string, unknown>
}

/** What happened to one submitted record. */
export interface IngestOutcome {
  /** `created`: stored now; `duplicate`: its idempotency key was stored before (same record); `conflict`: same key, different record. */
  status: 'created' | 'duplicate' | 'conflict'
  /** The stored record's id (the first one's for duplicates). */
  id: string
  leafIndex: number
  receivedAt: string
  /** For attestations: the stored trust tier and signature scheme. */
  trustTier?: string
  signatureScheme?: string | null
  /** For evidence: the stored mapping and signature status. */
  recordType?: string
  mappedControls?: string[]
  clientSigStatus?: string
}

/** One request's records. */
export interface IngestJob {
  attestations: readonly NewAttestation[]
  evidence: readonly NewEvidence[]
}

/** Per-record outcomes, in submission order. */
export interface IngestResult {
  attestations: IngestOutcome[]
  evidence: IngestOutcome[]
}

interface Pending {
  job: IngestJob
  resolve: (result: IngestResult) => void
  reject: (error: unknown) => void
}

/** Options for {@link createIngestQueue}. */
export interface IngestQueueOptions {
  database: Database
  ledger: Ledger
  /** Most records committed in one transaction. Default 5000. */
  maxGroupRecords?: number
  /** Groups in flight per workspace (pipelined commits). Default 1. */
  pipelineDepth?: number
}

/**
 * Stores records and their ledger leaves with group commit: requests for one workspace that
 * arrive while a transaction runs are committed together in the next one (one lock, one fsync),
 * and each request's promise resolves only after its transaction committed.
 */
export interface IngestQueue {
  submit(workspaceId: string, job: IngestJob): Promise<IngestResult>
}

const size = (job: IngestJob): number => job.attestations.length + job.evidence.length

/** Creates the {@link IngestQueue}. */
export function createIngestQueue(options: IngestQueueOptions): IngestQueue {
  const maxGroup = options.maxGroupRecords ?? 5000
  // Groups in flight per workspace. More than one pipelines commits (each builds on the head the
  // previous one will leave and waits on its row lock), but measured here it shrank the groups and
  // raised latency, so one group at a time (group commit) is the default.
  const depth = options.pipelineDepth ?? 1
  const queues = new Map<string, Pending[]>()
  const inFlight = new Map<string, number>()

  async function run(workspaceId: string, group: Pending[]): Promise<void> {
    try {
      const results = await commitGroup(
        options,
        workspaceId,
        group.map((pending) => pending.job),
      )
      for (const [index, pending] of group.entries()) pending.resolve(results[index] as IngestResult)
    } catch (error) {
      if (group.length === 1) {
        ;(group[0] as Pending).reject(error)
        return
      }
      // One request's failure must not fail the others: retry each alone.
      for (const pending of group) {
        try {
          const [result] = await commitGroup(options, workspaceId, [pending.job])
          pending.resolve(result as IngestResult)
        } catch (single) {
          pending.reject(single)
        }
      }
    }
  }

  // Before a group starts, let the requests already on the sockets reach `submit` (one turn of the
  // event loop): PGlite runs statements synchronously on this thread, so without this every
  // request would commit alone.
  const gathering = new Set<string>()
  function schedule(workspaceId: string): void {
    if (gathering.has(workspaceId)) return
    gathering.add(workspaceId)
    setImmediate(() => {
      gathering.delete(workspaceId)
      pump(workspaceId)
    })
  }

  function pump(workspaceId: string): void {
    const queue = queues.get(workspaceId)
    while (queue !== undefined && queue.length > 0 && (inFlight.get(workspaceId) ?? 0) < depth) {
      const group: Pending[] = []
      let records = 0
      while (
        queue.length > 0 &&
        (group.length === 0 || records + size((queue[0] as Pending).job) <= maxGroup)
      ) {
        const next = queue.shift() as Pending
        group.push(next)
        records += size(next.job)
      }
      inFlight.set(workspaceId, (inFlight.get(workspaceId) ?? 0) + 1)
      void run(workspaceId, group).finally(() => {
        const left = (inFlight.get(workspaceId) ?? 1) - 1
        if (left === 0) inFlight.delete(workspaceId)
        else inFlight.set(workspaceId, left)
        schedule(workspaceId)
      })
    }
    if (
      queue !== undefined &&
      queue.length === 0 &&
      !inFlight.has(workspaceId) &&
      !gathering.has(workspaceId)
    ) {
      queues.delete(workspaceId)
    }
  }

  return {
    submit(workspaceId, job) {
      return new Promise<IngestResult>((resolve, reject) => {
        let queue = queues.get(workspaceId)
        if (queue === undefined) {
          queue = []
          queues.set(workspaceId, queue)
        }
        queue.push({ job, resolve, reject })
        schedule(workspaceId)
      })
    },
  }
}

interface ExistingRow {
  id: string
  idempotency_key: string
  record_hash: string
  leaf_index: number
  received_at: Date | string
  trust_tier?: string
  signature_scheme?: string | null
  record_type?: string
  mapped_controls?: string[]
  client_sig_status?: string
}

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : value)

async function existingByKey(
  transaction: Queryable,
  table: 'attestations' | 'grc_evidence',
  workspaceId: string,
  keys: string[],
): Promise<Map<string, ExistingRow>> {
  const found = new Map<string, ExistingRow>()
  if (keys.length === 0) return found
  const columns =
    table === 'attestations'
      ? 'attestation_id as id, trust_tier, signature_scheme'
      : 'record_id as id, record_type, mapped_controls, client_sig_status'
  const { rows } = await transaction.query<ExistingRow>(
    `select ${columns}, idempotency_key, record_hash, leaf_index, received_at from ${table}
     where workspace_id = $1 and idempotency_key = any($2::text[])`,
    [workspaceId, keys],
  )
  for (const row of rows) found.set(row.idempotency_key, row)
  return found
}

function outcomeFromExisting(row: ExistingRow, recordHash: string): IngestOutcome {
  return {
    status: row.record_hash === recordHash ? 'duplicate' : 'conflict',
    id: row.id,
    leafIndex: Number(row.leaf_index),
    receivedAt: iso(row.received_at),
    ...(row.trust_tier === undefined
      ? {}
      : { trustTier: row.trust_tier, signatureScheme: row.signature_scheme ?? null }),
    ...(row.record_type === undefined
      ? {}
      : {
          recordType: row.record_type,
          mappedControls: row.mapped_controls ?? [],
          clientSigStatus: row.client_sig_status ?? 'unsigned',
        }),
  }
}

type Placed<T> = T & { leafIndex: number }

/**
 * The `insert … select … from json_to_recordset(…)` statements for new records (one JSON document
 * per table: measured ~1.5–2× faster than unnest over a dozen parameter arrays, on pg and PGlite).
 */
function recordInserts(
  workspaceId: string,
  receivedAt: string,
  attestations: readonly Placed<NewAttestation>[],
  evidence: readonly Placed<NewEvidence>[],
): Array<{ sql: string; params: unknown[] }> {
  const statements: Array<{ sql: string; params: unknown[] }> = []
  if (attestations.length > 0) {
    statements.push({
      sql: `insert into attestations (workspace_id, attestation_id, leaf_index, idempotency_key, system_name, agent_name,
           tool_name, model_id, input_hash, output_hash, executed_at, trust_tier, signature_scheme, record_hash, record, received_at)
         select $1, t.id, t.leaf, t.ikey, t.sys, t.agent, t.tool, t.model, t.ih, t.oh, t.ex, t.tier, t.scheme, t.rh, t.rec, $2::timestamptz
         from json_to_recordset($3::json) as t(id text, leaf bigint, ikey text, sys text, agent text, tool text, model text,
           ih text, oh text, ex text, tier text, scheme text, rh text, rec json)`,
      params: [
        workspaceId,
        receivedAt,
        JSON.stringify(
          attestations.map((item) => ({
            id: item.id,
            leaf: item.leafIndex,
            ikey: item.idempotencyKey ?? null,
            sys: item.systemName,
            agent: item.agentName,
            tool: item.toolName,
            model: item.modelId ?? null,
            ih: item.inputHash,
            oh: item.outputHash,
            ex: item.executedAt ?? null,
            tier: item.trustTier,
            scheme: item.signatureScheme ?? null,
            rh: item.recordHash,
            rec: item.record,
          })),
        ),
      ],
    })
  }
  if (evidence.length > 0) {
    statements.push({
      sql: `insert into grc_evidence (workspace_id, record_id, leaf_index, idempotency_key, record_type, system_name, identity,
           resource, environment, occurred_at, payload, client_sig_status, mapped_controls, record_hash, record, received_at)
         select $1, t.id, t.leaf, t.ikey, t.rtype, t.sys, t.ident, t.res, t.env, t.occ, t.payload, t.sig, t.controls, t.rh, t.rec, $2::timestamptz
         from json_to_recordset($3::json) as t(id text, leaf bigint, ikey text, rtype text, sys text, ident text, res text,
           env text, occ text, payload jsonb, sig text, controls jsonb, rh text, rec jsonb)`,
      params: [
        workspaceId,
        receivedAt,
        JSON.stringify(
          evidence.map((item) => ({
            id: item.id,
            leaf: item.leafIndex,
            ikey: item.idempotencyKey ?? null,
            rtype: item.recordType,
            sys: item.systemName,
            ident: item.identity ?? null,
            res: item.resource ?? null,
            env: item.environment ?? null,
            occ: item.occurredAt ?? null,
            payload: item.payload,
            sig: item.clientSigStatus,
            controls: item.mappedControls,
            rh: item.recordHash,
            rec: item.record ?? null,
          })),
        ),
      ],
    })
  }
  return statements
}

/** What {@link placeRecords} decided: outcomes, ledger entries and the rows to insert. */
interface Placement {
  results: IngestResult[]
  entries: LedgerAppend[]
  attestations: Placed<NewAttestation>[]
  evidence: Placed<NewEvidence>[]
}

/**
 * Gives each new record its leaf index (from `treeSize`, in submission order) and its outcome.
 * A record whose idempotency key is in `existing` (stored before, or earlier in this group) is
 * not stored again: it gets the stored record's outcome (`duplicate`, or `conflict` when the
 * record differs).
 */
function placeRecords(
  jobs: readonly IngestJob[],
  treeSize: number,
  receivedAt: string,
  existing: { attestations: Map<string, ExistingRow>; evidence: Map<string, ExistingRow> } = {
    attestations: new Map(),
    evidence: new Map(),
  },
): Placement {
  let nextIndex = treeSize
  const placement: Placement = { results: [], entries: [], attestations: [], evidence: [] }
  const place = (kind: 'attestation' | 'evidence', item: NewAttestation | NewEvidence): number => {
    placement.entries.push({ kind, recordId: item.id, recordHash: item.recordHash, acceptedAt: receivedAt })
    return nextIndex++
  }
  for (const job of jobs) {
    placement.results.push({
      attestations: job.attestations.map((item) => {
        const key = item.idempotencyKey
        const earlier = key === undefined ? undefined : existing.attestations.get(key)
        if (earlier !== undefined) return outcomeFromExisting(earlier, item.recordHash)
        const leafIndex = place('attestation', item)
        placement.attestations.push({ ...item, leafIndex })
        if (key !== undefined) {
          existing.attestations.set(key, {
            id: item.id,
            idempotency_key: key,
            record_hash: item.recordHash,
            leaf_index: leafIndex,
            received_at: receivedAt,
            trust_tier: item.trustTier,
            signature_scheme: item.signatureScheme ?? null,
          })
        }
        return {
          status: 'created',
          id: item.id,
          leafIndex,
          receivedAt,
          trustTier: item.trustTier,
          signatureScheme: item.signatureScheme ?? null,
        } satisfies IngestOutcome
      }),
      evidence: job.evidence.map((item) => {
        const key = item.idempotencyKey
        const earlier = key === undefined ? undefined : existing.evidence.get(key)
        if (earlier !== undefined) return outcomeFromExisting(earlier, item.recordHash)
        const leafIndex = place('evidence', item)
        placement.evidence.push({ ...item, leafIndex })
        if (key !== undefined) {
          existing.evidence.set(key, {
            id: item.id,
            idempotency_key: key,
            record_hash: item.recordHash,
            leaf_index: leafIndex,
            received_at: receivedAt,
            record_type: item.recordType,
            mapped_controls: item.mappedControls,
            client_sig_status: item.clientSigStatus,
          })
        }
        return {
          status: 'created',
          id: item.id,
          leafIndex,
          receivedAt,
          recordType: item.recordType,
          mappedControls: item.mappedControls,
          clientSigStatus: item.clientSigStatus,
        } satisfies IngestOutcome
      }),
    })
  }
  return placement
}

/**
 * The common case, no idempotency keys and no approval tokens: records and leaves in ONE
 * statement without a lock held across round trips (see `Ledger.appendInOneStatement`).
 */
async function commitGroupInOneStatement(
  options: IngestQueueOptions,
  workspaceId: string,
  jobs: readonly IngestJob[],
): Promise<IngestResult[] | undefined> {
  const receivedAt = new Date().toISOString()
  let results: IngestResult[] = []
  const appended = await options.ledger.appendInOneStatement(options.database, workspaceId, (treeSize) => {
    const placement = placeRecords(jobs, treeSize, receivedAt)
    results = placement.results
    return {
      entries: placement.entries,
      statements: recordInserts(workspaceId, receivedAt, placement.attestations, placement.evidence),
    }
  })
  return appended === undefined ? undefined : results
}

const needsLockedPath = (job: IngestJob): boolean =>
  job.attestations.some(
    (item) =>
      item.idempotencyKey !== undefined ||
      (item.record.approval_token !== undefined && item.record.approval_token !== null),
  ) || job.evidence.some((item) => item.idempotencyKey !== undefined)

async function commitGroup(
  options: IngestQueueOptions,
  workspaceId: string,
  jobs: readonly IngestJob[],
): Promise<IngestResult[]> {
  if (!jobs.some(needsLockedPath)) {
    const results = await commitGroupInOneStatement(options, workspaceId, jobs)
    if (results !== undefined) return results
  }
  return options.database.transaction(async (transaction) => {
    const appender = await options.ledger.lock(transaction, workspaceId)
    const receivedAt = new Date().toISOString()
    const keysOf = (items: readonly { idempotencyKey: string | undefined }[]): string[] =>
      items.flatMap((item) => (item.idempotencyKey === undefined ? [] : [item.idempotencyKey]))
    const existing = {
      attestations: await existingByKey(
        transaction,
        'attestations',
        workspaceId,
        keysOf(jobs.flatMap((job) => job.attestations)),
      ),
      evidence: await existingByKey(
        transaction,
        'grc_evidence',
        workspaceId,
        keysOf(jobs.flatMap((job) => job.evidence)),
      ),
    }
    const placement = placeRecords(jobs, appender.treeSize, receivedAt, existing)
    // Approval tokens are consumed exactly once, in this transaction (approvals module).
    await consumePresentedApprovalTokens(options.database, transaction, workspaceId, placement.attestations)
    for (const statement of recordInserts(
      workspaceId,
      receivedAt,
      placement.attestations,
      placement.evidence,
    )) {
      await transaction.query(statement.sql, statement.params)
    }
    await appender.append(placement.entries)
    return placement.results
  })
}
