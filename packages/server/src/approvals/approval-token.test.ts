import { randomBytes } from 'node:crypto'
import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { createTokenSigner, signApprovalToken, verifyApprovalToken } from './approval-token'

const signer = createTokenSigner(randomBytes(32))
const claims = {
  aid: 'ap_1',
  ws: 'ws_1',
  act: 'refund',
  ctx: 'c'.repeat(64),
  by: 'bob',
  iat: 1_800_000_000,
  exp: 1_800_000_900,
}

function codeOf(run: () => unknown): [string | undefined, number | undefined] {
  try {
    run()
  } catch (error) {
    if (MimaError.isInstance(error)) return [error.code, error.status]
    throw error
  }
  return [undefined, undefined]
}

describe('approval tokens', () => {
  it('round-trip through the server key, deterministically', () => {
    const token = signApprovalToken(claims, signer)
    expect(token).toBe(signApprovalToken(claims, signer))
    expect(token.startsWith('mat1.')).toBe(true)
    expect(verifyApprovalToken(token, signer)).toEqual({ ...claims, v: 1, kid: signer.keyId })
  })

  it('refuse a token signed by another key, altered claims, and garbage', () => {
    const token = signApprovalToken(claims, signer)
    const forged = signApprovalToken(claims, createTokenSigner(randomBytes(32)))
    expect(codeOf(() => verifyApprovalToken(forged, signer))).toEqual(['approval_token_invalid', 422])

    const [prefix, , signature] = token.split('.')
    const altered = Buffer.from(
      JSON.stringify({ ...claims, act: 'delete_everything', v: 1, kid: signer.keyId }),
    ).toString('base64url')
    expect(codeOf(() => verifyApprovalToken(`${prefix}.${altered}.${signature}`, signer))).toEqual([
      'approval_token_invalid',
      422,
    ])
    for (const bad of ['', 'nope', 'mat1..', 42, null, `mat1.${altered}`]) {
      expect(codeOf(() => verifyApprovalToken(bad, signer))[0]).toBe('approval_token_invalid')
    }
  })
})
