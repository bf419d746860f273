import { createServerEvent, type ServerEvent } from '../events/event-bus'
import type { ApprovalRow } from './approval-store'

/** The approval events the bus carries. */
export const APPROVAL_EVENTS: readonly string[] = [
  'approval.requested',
  'approval.decided',
  'approval.expired',
]

/**
 * One event per (row version, type): the NOTIFY to other replicas and the local delivery carry the
 * same id, and a local long-poll answers from the committed row without reading it again.
 */
export class ApprovalEvents {
  readonly #eventsByRow = new WeakMap<ApprovalRow, Map<string, ServerEvent>>()
  readonly #rowsByEvent = new WeakMap<ServerEvent, ApprovalRow>()

  /** The event of `type` for this row version (made once, then the same object). */
  event(type: string, row: ApprovalRow): ServerEvent {
    let byType = this.#eventsByRow.get(row)
    if (byType === undefined) {
      byType = new Map()
      this.#eventsByRow.set(row, byType)
    }
    const existing = byType.get(type)
    if (existing !== undefined) return existing
    const event = createServerEvent(type, row.workspace_id, {
      approval_id: row.approval_id,
      status: row.status,
      action_type: row.action_type,
      system_name: row.system_name,
      agent_name: row.agent_name,
      approver_hint: row.approver_hint,
      requested_by: row.requested_by,
      requested_for: row.requested_for,
      requested_at: row.requested_at.toISOString(),
      expires_at: row.expires_at.toISOString(),
      decided_by: row.decided_by,
      decided_at: row.decided_at?.toISOString() ?? null,
      reason: row.reason === null ? null : row.reason.slice(0, 500),
    })
    byType.set(type, event)
    this.#rowsByEvent.set(event, row)
    return event
  }

  /** The committed row an event of this process was made for (undefined for other replicas' events). */
  rowOf(event: ServerEvent): ApprovalRow | undefined {
    return this.#rowsByEvent.get(event)
  }
}
