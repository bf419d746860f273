import { uuidv7 } from '@mima/core'
import type { GateCheck } from '@mima/grc'
import type { Queryable } from '../storage/database'

/** One recorded gate check, as the gates page lists it. */
export interface GateCheckRecord {
  checkId: string
  checkedAt: Date
  systemName: string | null
  passed: boolean
  failingRequired: number
  /** framework → status and percentage at the time. */
  results: {
    framework: string
    scope: string
    mode: string
    status: string
    current_pct: number
    threshold_pct: number
  }[]
}

/** How many checks a workspace keeps (older ones are dropped as new ones arrive). */
export const GATE_CHECKS_KEPT = 1000

/** Records a gate check's outcome (`GET …/grc/gates/check`, e.g. from CI) for the history page. */
export async function recordGateCheck(
  database: Queryable,
  workspaceId: string,
  check: GateCheck,
  now: Date = new Date(),
): Promise<void> {
  const results = check.results.map((result) => ({
    framework: result.framework,
    scope: result.scope,
    mode: result.mode,
    status: result.status,
    current_pct: result.current_pct,
    threshold_pct: result.threshold_pct,
  }))
  await database.query(
    `insert into grc_gate_checks (workspace_id, check_id, checked_at, system_name, passed, failing_required, results)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      workspaceId,
      uuidv7(),
      now.toISOString(),
      check.system_name,
      check.passed,
      check.failing_required,
      JSON.stringify(results),
    ],
  )
  await database.query(
    `delete from grc_gate_checks where workspace_id = $1 and check_id in (
       select check_id from grc_gate_checks where workspace_id = $1 order by checked_at desc offset $2)`,
    [workspaceId, GATE_CHECKS_KEPT],
  )
}

/** The latest gate checks, newest first. */
export async function listGateChecks(
  database: Queryable,
  workspaceId: string,
  limit = 50,
): Promise<GateCheckRecord[]> {
  const { rows } = await database.query<Record<string, unknown>>(
    `select check_id, checked_at, system_name, passed, failing_required, results from grc_gate_checks
      where workspace_id = $1 order by checked_at desc, check_id desc limit $2`,
    [workspaceId, limit],
  )
  return rows.map((row) => ({
    checkId: String(row.check_id),
    checkedAt: row.checked_at instanceof Date ? row.checked_at : new Date(String(row.checked_at)),
    systemName: row.system_name === null ? null : String(row.system_name),
    passed: row.passed === true,
    failingRequired: Number(row.failing_required),
    results: (typeof row.results === 'string'
      ? JSON.parse(row.results)
      : row.results) as GateCheckRecord['results'],
  }))
}
