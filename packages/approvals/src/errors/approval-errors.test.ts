import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { ApprovalCancelledError, ApprovalDeniedError, ApprovalTimeoutError } from './approval-errors'

describe('approval errors', () => {
  it('are MimaErrors with the approval codes and the facts a caller handles', () => {
    const denied = new ApprovalDeniedError('ap_1', 'bob@example.com', 'too risky')
    expect(MimaError.isInstance(denied)).toBe(true)
    expect(denied).toBeInstanceOf(ApprovalDeniedError)
    expect(denied.code).toBe('approval_denied')
    expect(denied.retryable).toBe(false)
    expect(denied.message).toBe(
      "Approval 'ap_1' denied by 'bob@example.com': too risky. The action was not taken.",
    )
    expect([denied.approvalId, denied.deniedBy, denied.reason]).toEqual([
      'ap_1',
      'bob@example.com',
      'too risky',
    ])

    const timeout = new ApprovalTimeoutError('ap_2', 30)
    expect(timeout.code).toBe('approval_timeout')
    expect(timeout.message).toContain("Approval 'ap_2' not received within 30s — the action was not taken")
    expect(timeout.timeoutSeconds).toBe(30)

    const cause = new Error('user pressed ctrl-c')
    const cancelled = new ApprovalCancelledError('ap_3', undefined, { cause })
    expect(cancelled.code).toBe('approval_cancelled')
    expect(cancelled.cause).toBe(cause)
    expect(cancelled.name).toBe('ApprovalCancelledError')
    expect(new ApprovalCancelledError(undefined).message).toContain('before it was sent')
  })

  it('serialise to the server error shape with the approval id', () => {
    expect(JSON.parse(JSON.stringify(new ApprovalDeniedError('ap_1', undefined, undefined)))).toEqual({
      code: 'approval_denied',
      message: "Approval 'ap_1' denied. The action was not taken.",
      details: { approval_id: 'ap_1', denied_by: null, reason: null },
    })
  })
})
