import { describe, expect, it } from 'vitest'
import { apiErrorFromResponse } from './api-client'

describe('apiErrorFromResponse on 403', () => {
  it('says why a self-decision is refused, without the generic "needed role" hint', () => {
    const error = apiErrorFromResponse(
      403,
      {
        error: {
          code: 'forbidden',
          message: 'The key that requested an approval can never decide it: ask another approver.',
        },
      },
      'http://127.0.0.1:8080/api/workspaces/w/governance/approvals/a/decide',
    )
    expect(error.message).toContain('can never decide it: ask another approver')
    expect(error.hint).toBeUndefined()
    expect(error.exitCode).toBe(3)
  })

  it('keeps the role hint when the reason is the key’s role, or none was given', () => {
    const role = apiErrorFromResponse(
      403,
      {
        error: { code: 'forbidden', message: 'This needs a key with role admin; this key has role ingest.' },
      },
      'http://x/api/me',
    )
    expect(role.hint).toMatch(/needed role/)
    expect(apiErrorFromResponse(403, undefined, 'http://x/api/me').hint).toMatch(/needed role/)
  })
})
