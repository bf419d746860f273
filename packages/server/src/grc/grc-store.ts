import { hashValue, uuidv7 } from '@mima/core'
import {
  type ControlCoverage,
  computeReadiness,
  type FrameworkSlug,
  type FrameworkValidation,
  type GatePolicy,
  type GatePolicyInput,
  type ReadinessReport,
} from '@mima/grc'
import type { Ledger } from '../ledger/ledger'
import type { Database, Queryable } from '../storage/database'

const iso = (value: unknown): string =>
  value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()

/** Which evidence to read: the whole workspace, or one system's records. */
export interface EvidenceScope {
  readonly workspaceId: string
  readonly systemName?: string | undefined
}

function scopeWhere(scope: EvidenceScope): { sql: string; params: unknown[] } {
  return scope.systemName === undefined
    ? { sql: 'workspace_id = $1', params: [scope.workspaceId] }
    : { sql: 'workspace_id = $1 and system_name = $2', params: [scope.workspaceId, scope.systemName] }
}

/**
 * The controls the scope's records evidence, and whether any non-`estate_auto` record does. Reads
 * the counters the `grc_evidence_counters` trigger keeps (migration 012), not the evidence rows.
 */
export async function readCoverage(database: Queryable, scope: EvidenceScope): Promise<ControlCoverage[]> {
  const where = scopeWhere(scope)
  const { rows } = await database.query<{ control_id: string; attested: boolean }>(
    `select control_id, sum(attested_records) > 0 as attested
       from grc_control_coverage
      where ${where.sql}
      group by control_id
     having sum(attested_records) + sum(inferred_records) > 0`,
    where.params,
  )
  return rows.map((row) => ({ controlId: row.control_id, attested: row.attested === true }))
}

async function readRecordsByFramework(
  database: Queryable,
  scope: EvidenceScope,
): Promise<Partial<Record<FrameworkSlug, number>>> {
  const where = scopeWhere(scope)
  const { rows } = await database.query<{ framework: string; records: number }>(
    `select framework, sum(records)::int as records from grc_framework_records where ${where.sql} group by framework`,
    where.params,
  )
  return Object.fromEntries(rows.map((row) => [row.framework, Number(row.records)]))
}

/** Admin validations of the workspace's frameworks. */
export async function readValidations(
  database: Queryable,
  workspaceId: string,
): Promise<Partial<Record<FrameworkSlug, FrameworkValidation>>> {
  const { rows } = await database.query<{ framework: string; validated_at: Date; validated_by: string }>(
    'select framework, validated_at, validated_by from grc_framework_validations where workspace_id = $1',
    [workspaceId],
  )
  return Object.fromEntries(
    rows.map((row) => [row.framework, { validatedAt: iso(row.validated_at), validatedBy: row.validated_by }]),
  )
}

/** Readiness of the workspace (or of one system's records). */
export async function readReadiness(database: Queryable, scope: EvidenceScope): Promise<ReadinessReport> {
  const [coverage, recordsByFramework, validations] = await Promise.all([
    readCoverage(database, scope),
    readRecordsByFramework(database, scope),
    readValidations(database, scope.workspaceId),
  ])
  return computeReadiness({ coverage, recordsByFramework, validations })
}

/** Records an admin's validation of a framework's control list, as a ledger leaf too. */
export async function validateFramework(
  database: Database,
  ledger: Ledger,
  options: { workspaceId: string; framework: FrameworkSlug; validatedBy: string; note?: string | undefined },
): Promise<{ framework: FrameworkSlug; validated_at: string; validated_by: string; note: string | null }> {
  return database.transaction(async (transaction) => {
    const appender = await ledger.lock(transaction, options.workspaceId)
    const { rows } = await transaction.query<{ validated_at: Date }>(
      `insert into grc_framework_validations (workspace_id, framework, validated_at, validated_by, note)
       values ($1, $2, now(), $3, $4)
       on conflict (workspace_id, framework)
       do update set validated_at = excluded.validated_at, validated_by = excluded.validated_by, note = excluded.note
       returning validated_at`,
      [options.workspaceId, options.framework, options.validatedBy, options.note ?? null],
    )
    const validatedAt = iso(rows[0]?.validated_at)
    const event = {
      action: 'framework_validated',
      framework: options.framework,
      validated_by: options.validatedBy,
      validated_at: validatedAt,
      note: options.note ?? null,
    }
    await appender.append([
      {
        kind: 'grc_validation',
        recordId: `${options.framework}@${validatedAt}`,
        recordHash: hashValue(event),
        acceptedAt: validatedAt,
      },
    ])
    return {
      framework: options.framework,
      validated_at: validatedAt,
      validated_by: options.validatedBy,
      note: options.note ?? null,
    }
  })
}

interface GateRow {
  gate_id: string
  framework: FrameworkSlug
  scope: string
  mode: 'required' | 'advisory'
  threshold_pct: number
  created_by: string | null
  created_at: Date
}

const toGate = (row: GateRow): GatePolicy => ({
  id: row.gate_id,
  framework: row.framework,
  mode: row.mode,
  threshold_pct: Number(row.threshold_pct),
  scope: row.scope,
  created_by: row.created_by,
  created_at: iso(row.created_at),
})

/** The workspace's gates, workspace-wide first, then per-system overrides. */
export async function listGates(database: Queryable, workspaceId: string): Promise<GatePolicy[]> {
  const { rows } = await database.query<GateRow>(
    `select gate_id, framework, scope, mode, threshold_pct, created_by, created_at from grc_gates
      where workspace_id = $1 order by (scope <> 'workspace'), scope, framework`,
    [workspaceId],
  )
  return rows.map(toGate)
}

/** Creates or replaces the gate of (framework, scope); a ledger leaf records the change. */
export async function setGate(
  database: Database,
  ledger: Ledger,
  options: { workspaceId: string; gate: GatePolicyInput; createdBy: string },
): Promise<GatePolicy> {
  return database.transaction(async (transaction) => {
    const appender = await ledger.lock(transaction, options.workspaceId)
    const { rows } = await transaction.query<GateRow>(
      `insert into grc_gates (workspace_id, gate_id, framework, scope, mode, threshold_pct, created_by)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (workspace_id, framework, scope)
       do update set mode = excluded.mode, threshold_pct = excluded.threshold_pct,
                     created_by = excluded.created_by, updated_at = now()
       returning gate_id, framework, scope, mode, threshold_pct, created_by, created_at`,
      [
        options.workspaceId,
        uuidv7(),
        options.gate.framework,
        options.gate.scope,
        options.gate.mode,
        options.gate.threshold_pct,
        options.createdBy,
      ],
    )
    const gate = toGate(rows[0] as GateRow)
    const at = new Date().toISOString()
    const event = { action: 'gate_set', ...options.gate, gate_id: gate.id, by: options.createdBy }
    await appender.append([
      { kind: 'grc_gate', recordId: gate.id, recordHash: hashValue(event), acceptedAt: at },
    ])
    return gate
  })
}

/** Deletes a gate; false when it does not exist. */
export async function deleteGate(
  database: Database,
  ledger: Ledger,
  options: { workspaceId: string; gateId: string; deletedBy: string },
): Promise<boolean> {
  return database.transaction(async (transaction) => {
    const appender = await ledger.lock(transaction, options.workspaceId)
    const { rows } = await transaction.query<GateRow>(
      `delete from grc_gates where workspace_id = $1 and gate_id = $2
       returning gate_id, framework, scope, mode, threshold_pct, created_by, created_at`,
      [options.workspaceId, options.gateId],
    )
    const gate = rows[0]
    if (gate === undefined) return false
    const at = new Date().toISOString()
    const event = {
      action: 'gate_unset',
      gate_id: gate.gate_id,
      framework: gate.framework,
      scope: gate.scope,
      by: options.deletedBy,
    }
    await appender.append([
      { kind: 'grc_gate', recordId: gate.gate_id, recordHash: hashValue(event), acceptedAt: at },
    ])
    return true
  })
}

/** A system as `GET …/grc/systems` lists it. */
export interface SystemSummary {
  system_name: string
  record_count: number
  /** Has an `ai_risk_assessment` (EU AI Act Art. 9 classification). */
  registered: boolean
  risk_tier: string | null
  annex_iii_category: string | null
  record_types: string[]
  last_evidence_at: string | null
}

/**
 * The workspace's systems: every `system_name` evidence was pushed for, plus every system an
 * `ai_risk_assessment` registered (its `payload.system_name` when present — the Python CLI's
 * push shape — else its `system_name`).
 */
export async function listSystems(database: Queryable, workspaceId: string): Promise<SystemSummary[]> {
  const [counts, assessments] = await Promise.all([
    database.query<{
      system_name: string
      record_count: number
      record_types: string[] | null
      last_evidence_at: Date | null
    }>(
      `select system_name, sum(records)::int as record_count,
              jsonb_agg(record_type order by record_type) filter (where records > 0) as record_types,
              max(last_received_at) as last_evidence_at
         from grc_system_records where workspace_id = $1
        group by system_name having sum(records) > 0`,
      [workspaceId],
    ),
    database.query<{ registered_name: string; risk_tier: string | null; annex: string | null }>(
      `select distinct on (registered_name) registered_name, risk_tier, annex
         from (select coalesce(nullif(payload->>'system_name', ''), system_name) as registered_name,
                      coalesce(payload->>'risk_level', payload->>'risk_tier') as risk_tier,
                      payload->>'annex_iii_category' as annex, received_at, record_id
                 from grc_evidence where workspace_id = $1 and record_type = 'ai_risk_assessment') as assessed
        order by registered_name, received_at desc, record_id desc`,
      [workspaceId],
    ),
  ])
  const systems = new Map<string, SystemSummary>()
  for (const row of counts.rows) {
    systems.set(row.system_name, {
      system_name: row.system_name,
      record_count: Number(row.record_count),
      registered: false,
      risk_tier: null,
      annex_iii_category: null,
      record_types: [...(row.record_types ?? [])].sort(),
      last_evidence_at: row.last_evidence_at === null ? null : iso(row.last_evidence_at),
    })
  }
  for (const row of assessments.rows) {
    const system = systems.get(row.registered_name) ?? {
      system_name: row.registered_name,
      record_count: 0,
      registered: false,
      risk_tier: null,
      annex_iii_category: null,
      record_types: [],
      last_evidence_at: null,
    }
    systems.set(row.registered_name, {
      ...system,
      registered: true,
      risk_tier: row.risk_tier,
      annex_iii_category: row.annex,
    })
  }
  return [...systems.values()].sort((left, right) => left.system_name.localeCompare(right.system_name))
}
