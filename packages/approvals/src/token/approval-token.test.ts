import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { ApprovalToken, TimeoutToken } from './approval-token'
import { decodeApprovalToken } from './decode-approval-token'

function fakeSignedToken(claims: Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `mat1.${body}.${Buffer.alloc(64, 7).toString('base64url')}`
}

const claims = {
  v: 1,
  aid: 'ap_1',
  ws: 'ws_1',
  act: 'credit_decision',
  ctx: 'a'.repeat(64),
  by: 'bob@example.com',
  iat: 1_800_000_000,
  exp: 1_800_000_900,
  kid: '0123456789abcdef',
}

describe('decodeApprovalToken', () => {
  it('reads the claims of a well-formed token', () => {
    expect(decodeApprovalToken(fakeSignedToken(claims))).toEqual(claims)
  })

  it('refuses strings that are not approval tokens', () => {
    for (const bad of [
      '',
      'abc',
      'jwt.a.b',
      `mat1.${Buffer.from('[]').toString('base64url')}.sig`,
      'mat1.!!.sig',
    ]) {
      let caught: unknown
      try {
        decodeApprovalToken(bad)
      } catch (error) {
        caught = error
      }
      expect(MimaError.isInstance(caught) && caught.code).toBe('approval_token_invalid')
    }
    expect(() => decodeApprovalToken(fakeSignedToken({ ...claims, v: 2 }))).toThrow(/unknown version/)
  })
})

describe('ApprovalToken', () => {
  it('satisfies the attest approvalToken shape and builds approved human_oversight evidence (§2.6)', () => {
    const token = new ApprovalToken({
      token: fakeSignedToken(claims),
      approvalId: 'ap_1',
      actionType: 'credit_decision',
      approvedBy: 'bob@example.com',
      approvedAt: new Date('2026-06-20T12:00:00Z'),
      systemName: 'credit-engine',
    })
    const shape: { readonly token: string; readonly oversightEvidence?: unknown } = token
    expect(shape.token.startsWith('mat1.')).toBe(true)
    expect(token.expiresAt.toISOString()).toBe(new Date(claims.exp * 1000).toISOString())
    expect(token.contextHash).toBe(claims.ctx)
    const evidence = token.oversightEvidence
    expect(evidence).toEqual({
      record_type: 'human_oversight',
      system_name: 'credit-engine',
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      payload: {
        oversight_status: 'approved',
        approval_id: 'ap_1',
        approved_by: 'bob@example.com',
        action_type: 'credit_decision',
        tool_name: 'credit_decision',
      },
    })
    expect(JSON.stringify(token)).not.toContain('mat1.')
  })

  it('a timeout token carries no server token and timeout_unblocked evidence without approved_by', () => {
    const token = new TimeoutToken({ approvalId: 'ap_2', actionType: 'refund', timeoutSeconds: 5 })
    expect(token.token).toBe('')
    expect(token.status).toBe('timeout_unblocked')
    expect(token.oversightEvidence.payload).toEqual({
      oversight_status: 'timeout_unblocked',
      approval_id: 'ap_2',
      action_type: 'refund',
      tool_name: 'refund',
    })
    expect('approved_by' in token.oversightEvidence.payload).toBe(false)
    expect(token.oversightEvidence.system_name).toBe('')
  })
})
