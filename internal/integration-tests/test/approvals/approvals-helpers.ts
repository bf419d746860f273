import { type Approval, type Approvals, createApprovals } from '@mima/approvals'
import type { Mima } from '@mima/core'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl, waitFor } from '@mima-internal/test-utils'

/** The backends every approvals test runs on: PGlite always, PostgreSQL when MIMA_TEST_DATABASE_URL is set. */
export const BACKENDS: readonly ('pglite' | 'postgres')[] = testDatabaseUrl()
  ? ['pglite', 'postgres']
  : ['pglite']

/** A test server with an agent (ingest), two approvers and the admin, each with an approvals client. */
export interface ApprovalsFixture {
  server: TestServer
  agentKey: string
  agent: Approvals
  bob: Approvals
  carol: Approvals
  ingestDecider: Approvals
  admin: Approvals
  close(): Promise<void>
}

export async function startApprovalsFixture(database: 'pglite' | 'postgres'): Promise<ApprovalsFixture> {
  const server = await startTestServer({ database })
  const [agentKey, bobKey, carolKey, otherIngestKey] = await Promise.all([
    server.createKey('ingest', 'agent-1'),
    server.createKey('approver', 'bob@example.com'),
    server.createKey('approver', 'carol@example.com'),
    server.createKey('ingest', 'agent-2'),
  ])
  const client = (apiKey: string, systemName?: string): Approvals =>
    createApprovals({
      baseUrl: server.baseUrl,
      apiKey,
      workspaceId: server.workspaceId,
      ...(systemName === undefined ? {} : { systemName }),
    })
  return {
    server,
    agentKey,
    agent: client(agentKey, 'credit-engine'),
    bob: client(bobKey),
    carol: client(carolKey),
    ingestDecider: client(otherIngestKey),
    admin: client(server.adminKey),
    close: () => server.close(),
  }
}

/**
 * Waits until a pending approval of `actionType` shows up in the approver's list; fails with a
 * clear message after `timeoutMs` (default 60 s) instead of polling forever.
 */
export function nextPending(
  approver: Approvals,
  actionType: string,
  options: { timeoutMs?: number } = {},
): Promise<Approval> {
  return waitFor(async () => (await approver.list()).find((approval) => approval.actionType === actionType), {
    what: `a pending approval of type "${actionType}" in the approver's list`,
    ...options,
  })
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject')
}

/** Set by the suite's `beforeAll`; the test groups read it in theirs. */
export interface SharedFixture {
  fixture: ApprovalsFixture
  mima: Mima
}
