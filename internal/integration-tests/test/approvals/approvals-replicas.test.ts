import { createApprovals } from '@mima/approvals'
import { type RunningServer, silentLogger, startServer } from '@mima/server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApprovalsFixture, nextPending, startApprovalsFixture } from './approvals-helpers'

const databaseUrl = testDatabaseUrl()

// Two server processes' worth of replicas on one PostgreSQL schema: a decision taken on replica B
// must wake the long-poll held on replica A at once (LISTEN/NOTIFY), not when the hold runs out.
describe.runIf(databaseUrl)('approvals across two server replicas on one PostgreSQL', () => {
  let fixture: ApprovalsFixture
  let replicaB: RunningServer
  beforeAll(async () => {
    fixture = await startApprovalsFixture('postgres')
    const schema = fixture.server.server.database.schema
    if (schema === undefined) throw new Error('the PostgreSQL test server has no schema')
    replicaB = await startServer({
      databaseUrl: databaseUrl as string,
      databaseSchema: schema,
      port: 0,
      logger: silentLogger,
      onBootstrap: () => {},
    })
  })
  afterAll(async () => {
    await replicaB?.close()
    await fixture?.close()
  })

  it('a decision on replica B unblocks the agent long-polling replica A', async () => {
    // The hold (60 s) is longer than the test's timeout: only a cross-replica wake-up can pass.
    const agent = createApprovals(
      { baseUrl: fixture.server.baseUrl, apiKey: fixture.agentKey, workspaceId: fixture.server.workspaceId },
      { maxWaitSeconds: 60 },
    )
    const bobKey = await fixture.server.createKey('approver', 'bob-on-b')
    const bobOnB = createApprovals({
      baseUrl: replicaB.url,
      apiKey: bobKey,
      workspaceId: fixture.server.workspaceId,
    })
    const waiting = agent.requireApproval({ actionType: 'cross_replica', timeoutSeconds: 120 })
    const pending = await nextPending(bobOnB, 'cross_replica')
    // Give the agent time to be parked on replica A.
    await new Promise((resolve) => setTimeout(resolve, 300))
    await bobOnB.decide(pending.id, 'approve')
    const token = await waiting
    expect(token.approvalId).toBe(pending.id)
    expect(token.approvedBy).toBe('bob-on-b')
  }, 15_000)
})
