/** The `human_oversight` payload derived from an approval outcome (reference §2.6). */
export type OversightPayload =
  | {
      readonly oversight_status: 'approved'
      readonly approval_id: string
      readonly approved_by: string
      readonly action_type: string
      readonly tool_name: string
    }
  | {
      readonly oversight_status: 'timeout_unblocked'
      readonly approval_id: string
      readonly action_type: string
      readonly tool_name: string
    }

/**
 * A GRC wire record (`POST …/grc/evidence`) of type `human_oversight`, as the Python SDK pushes it
 * after an attestation that presented an approval. An `approved` record earns the human-oversight
 * controls (EU AI Act Art. 14); a `timeout_unblocked` one documents that the action ran without a
 * decision and earns nothing.
 */
export interface OversightEvidence {
  readonly record_type: 'human_oversight'
  /** The reporting system (the core client's `systemName`; `''` when unknown). */
  readonly system_name: string
  /** When the evidence was produced (ISO 8601, UTC). */
  readonly occurred_at: string
  readonly payload: OversightPayload
}

/** The facts an oversight record is built from. */
export interface OversightEvidenceInput {
  readonly status: 'approved' | 'timeout_unblocked'
  readonly approvalId: string
  readonly actionType: string
  /** Required for `approved`; never sent for `timeout_unblocked`. */
  readonly approvedBy?: string
  /** The attested tool; an approval token is valid only on the tool named by its action type. */
  readonly toolName?: string
  readonly systemName?: string
  readonly occurredAt?: Date
}

/**
 * Builds the `human_oversight` record for an approval outcome exactly as reference §2.6 describes:
 * `{ oversight_status: 'approved', approval_id, approved_by, action_type, tool_name }` or
 * `{ oversight_status: 'timeout_unblocked', approval_id, action_type, tool_name }`.
 */
export function buildOversightEvidence(input: OversightEvidenceInput): OversightEvidence {
  const toolName = input.toolName ?? input.actionType
  const payload: OversightPayload =
    input.status === 'approved'
      ? {
          oversight_status: 'approved',
          approval_id: input.approvalId,
          approved_by: input.approvedBy ?? '',
          action_type: input.actionType,
          tool_name: toolName,
        }
      : {
          oversight_status: 'timeout_unblocked',
          approval_id: input.approvalId,
          action_type: input.actionType,
          tool_name: toolName,
        }
  return {
    record_type: 'human_oversight',
    system_name: input.systemName ?? '',
    occurred_at: (input.occurredAt ?? new Date()).toISOString(),
    payload,
  }
}
