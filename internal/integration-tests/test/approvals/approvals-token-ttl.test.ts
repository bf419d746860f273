import { createApprovals, requireApproval } from '@mima/approvals'
import { createMima } from '@mima/core'
import { startTestServer } from '@mima-internal/test-server'
import { afterEach, describe, expect, it } from 'vitest'
import { nextPending } from './approvals-helpers'

// The approvals feature reads MIMA_APPROVAL_TOKEN_TTL_SECONDS when the server starts (PGlite only:
// the setting does not depend on the backend).
describe('approval token lifetime (MIMA_APPROVAL_TOKEN_TTL_SECONDS)', () => {
  const saved = process.env.MIMA_APPROVAL_TOKEN_TTL_SECONDS
  afterEach(() => {
    if (saved === undefined) delete process.env.MIMA_APPROVAL_TOKEN_TTL_SECONDS
    else process.env.MIMA_APPROVAL_TOKEN_TTL_SECONDS = saved
  })

  it('a server started with a lifetime issues tokens that expire that long after the approval', async () => {
    process.env.MIMA_APPROVAL_TOKEN_TTL_SECONDS = '120'
    const server = await startTestServer()
    try {
      const [agentKey, approverKey] = await Promise.all([
        server.createKey('ingest', 'agent'),
        server.createKey('approver', 'bob@example.com'),
      ])
      const mima = createMima({
        apiKey: agentKey,
        baseUrl: server.baseUrl,
        systemName: 'ttl-agent',
        flushOnExit: false,
        outbox: { directory: false },
      })
      const bob = createApprovals({
        baseUrl: server.baseUrl,
        apiKey: approverKey,
        workspaceId: server.workspaceId,
      })
      const waiting = requireApproval(mima, { actionType: 'ttl_action', timeoutSeconds: 60 })
      const pending = await nextPending(bob, 'ttl_action')
      await bob.decide(pending.id, 'approve')
      const token = await waiting
      // The token's own expiry is in whole seconds; the server's row holds the exact instants.
      const response = await fetch(
        `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/approvals/${token.approvalId}`,
        { headers: { authorization: `Bearer ${approverKey}` } },
      )
      const row = (await response.json()) as { decided_at: string; token_expires_at: string }
      expect(Date.parse(row.token_expires_at) - Date.parse(row.decided_at)).toBe(120_000)
      expect(token.expiresAt.getTime()).toBe(Math.floor(Date.parse(row.token_expires_at) / 1000) * 1000)
      await mima.close()
    } finally {
      await server.close()
    }
  })

  it('a bad value stops the server from starting, with a clear error', async () => {
    process.env.MIMA_APPROVAL_TOKEN_TTL_SECONDS = '15 minutes'
    await expect(startTestServer()).rejects.toThrow(
      /MIMA_APPROVAL_TOKEN_TTL_SECONDS must be a whole number of seconds from 1 to 86400/,
    )
  })
})
