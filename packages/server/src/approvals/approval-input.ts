/** Reading the approvals API's inputs: request bodies and list queries, each with a clear 4xx. */
import { hashValue } from '@mima/core'
import { httpError } from '../http/errors'
import { parseTimestamp } from '../http/input-guard'
import type { ApprovalStatus } from './approval-store'

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired', 'cancelled']
const MAX_CONTEXT_BYTES = 64 * 1024
const MAX_TIMEOUT_SECONDS = 7 * 24 * 60 * 60

/** An optional string field of at most `max` characters ('' reads as absent). */
export function optionalText(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.length > max) {
    throw httpError('validation_failed', `${field} must be a string of at most ${max} characters.`, { field })
  }
  return value === '' ? undefined : value
}

/** A new request as read from `POST …/approvals`. */
export interface ApprovalRequestInput {
  actionType: string
  context: object
  contextHash: string
  timeoutSeconds: number
  approverHint: string | undefined
  description: string | undefined
  systemName: string | undefined
  agentName: string | undefined
  requestedFor: string | undefined
}

/** Reads a new approval request's body (reference S5). */
export function approvalRequestFrom(body: Record<string, unknown>): ApprovalRequestInput {
  const actionType = body.action_type
  if (typeof actionType !== 'string' || actionType.trim() === '' || actionType.length > 200) {
    throw httpError(
      'validation_failed',
      'action_type must be a non-empty string of at most 200 characters.',
      {
        field: 'action_type',
      },
    )
  }
  const context = body.context === undefined || body.context === null ? {} : body.context
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw httpError('validation_failed', 'context must be a JSON object.', { field: 'context' })
  }
  if (JSON.stringify(context).length > MAX_CONTEXT_BYTES) {
    throw httpError('validation_failed', `context must be at most ${MAX_CONTEXT_BYTES} bytes of JSON.`, {
      field: 'context',
    })
  }
  const timeoutSeconds = body.timeout_seconds ?? 300
  if (
    typeof timeoutSeconds !== 'number' ||
    !Number.isInteger(timeoutSeconds) ||
    timeoutSeconds < 1 ||
    timeoutSeconds > MAX_TIMEOUT_SECONDS
  ) {
    throw httpError(
      'validation_failed',
      `timeout_seconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}.`,
      {
        field: 'timeout_seconds',
      },
    )
  }
  const approverHint = optionalText(body, 'approver_hint', 200)
  const description = optionalText(body, 'description', 2000)
  const systemName = optionalText(body, 'system_name', 200)
  const agentName = optionalText(body, 'agent_name', 200)
  const requestedFor = optionalText(body, 'requested_for', 256)
  let contextHash: string
  try {
    contextHash = hashValue(context)
  } catch (error) {
    throw httpError('validation_failed', `context cannot be hashed: ${(error as Error).message}`, {
      field: 'context',
    })
  }
  return {
    actionType,
    context,
    contextHash,
    timeoutSeconds,
    approverHint,
    description,
    systemName,
    agentName,
    requestedFor,
  }
}

/** A list query as read from `GET …/approvals`. */
export interface ApprovalListQuery {
  status: ApprovalStatus | undefined
  limit: number
  before: { requestedAt: Date; approvalId: string } | undefined
}

/** Reads `?status=&limit=&cursor=` (status `pending` by default, `all`, or one status). */
export function approvalListQueryFrom(options: {
  status?: string | undefined
  limit?: string | undefined
  cursor?: string | undefined
}): ApprovalListQuery {
  const statusText = options.status ?? 'pending'
  let status: ApprovalStatus | undefined
  if (statusText === 'all') status = undefined
  else if (STATUSES.includes(statusText as ApprovalStatus)) status = statusText as ApprovalStatus
  else {
    throw httpError('validation_failed', `status must be 'all' or one of ${STATUSES.join(', ')}.`, {
      field: 'status',
    })
  }
  const limit = options.limit === undefined ? 100 : Number(options.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw httpError('validation_failed', 'limit must be a whole number from 1 to 500.', { field: 'limit' })
  }
  let before: ApprovalListQuery['before']
  if (options.cursor !== undefined) {
    try {
      const parsed = JSON.parse(Buffer.from(options.cursor, 'base64url').toString('utf8')) as [string, string]
      // Same bounds as every date the server reads (years 0001–9999) and a storable id.
      const millis = typeof parsed[0] === 'string' ? parseTimestamp(parsed[0]) : undefined
      if (millis === undefined || typeof parsed[1] !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(parsed[1]))
        throw new Error('bad cursor')
      before = { requestedAt: new Date(millis), approvalId: parsed[1] }
    } catch {
      throw httpError('validation_failed', 'cursor is not a cursor this server returned.', {
        field: 'cursor',
      })
    }
  }
  return { status, limit, before }
}

/** The cursor of the page after one ending at `last`. */
export function approvalCursor(last: { requested_at: Date; approval_id: string }): string {
  return Buffer.from(JSON.stringify([last.requested_at.toISOString(), last.approval_id])).toString(
    'base64url',
  )
}

/** Reads a decision's body: `approve`/`approved` or `reject`/`rejected`, and an optional reason. */
export function decisionFrom(body: Record<string, unknown>): {
  decision: 'approved' | 'rejected'
  reason: string | undefined
} {
  const decisionText = body.decision
  const decision =
    decisionText === 'approve' || decisionText === 'approved'
      ? 'approved'
      : decisionText === 'reject' || decisionText === 'rejected'
        ? 'rejected'
        : undefined
  if (decision === undefined) {
    throw httpError('validation_failed', "decision must be 'approve' or 'reject'.", { field: 'decision' })
  }
  return { decision, reason: optionalText(body, 'reason', 2000) }
}

/** Reads a redemption's body (`POST …/approvals/redeem`). */
export function redemptionFrom(body: Record<string, unknown>): {
  toolName: string
  contextHash: string | undefined
  redemptionId: string | undefined
} {
  const toolName = body.tool_name
  if (typeof toolName !== 'string' || toolName.trim() === '' || toolName.length > 200) {
    throw httpError('validation_failed', 'tool_name must be a non-empty string of at most 200 characters.', {
      field: 'tool_name',
    })
  }
  const contextHash = body.context_hash
  if (
    contextHash !== undefined &&
    contextHash !== null &&
    (typeof contextHash !== 'string' || !/^[0-9a-f]{64}$/.test(contextHash))
  ) {
    throw httpError('validation_failed', 'context_hash must be 64 lowercase hex digits (SHA-256).', {
      field: 'context_hash',
    })
  }
  const redemptionId = body.redemption_id
  if (
    redemptionId !== undefined &&
    redemptionId !== null &&
    (typeof redemptionId !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(redemptionId))
  ) {
    throw httpError('validation_failed', 'redemption_id must be 1 to 100 letters, digits, "_" or "-".', {
      field: 'redemption_id',
    })
  }
  return {
    toolName,
    contextHash: typeof contextHash === 'string' ? contextHash : undefined,
    redemptionId: typeof redemptionId === 'string' ? redemptionId : undefined,
  }
}
