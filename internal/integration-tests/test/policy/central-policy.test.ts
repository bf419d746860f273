import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApprovalToken, createApprovals } from '@mima/approvals'
import { createPolicyClient, createPolicyEngine, type DecisionRecord } from '@mima/policy'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BACKENDS: readonly ('pglite' | 'postgres')[] = testDatabaseUrl() ? ['pglite', 'postgres'] : ['pglite']

const V1 = `version: 1
defaults:
  ingress: { action: redact }
tool_access:
  payments.refund: { direction: ingress, action: confirm, reason: Refunds need a person }
deny_tools: [shell.exec]
`

/** Signs in to the dashboard with an approver key and decides an approval there, as a person would. */
async function decideInDashboard(baseUrl: string, approverKey: string, approvalId: string): Promise<number> {
  const login = await fetch(`${baseUrl}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: approverKey }),
  })
  const cookie = /mima_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1]
  if (cookie === undefined) throw new Error(`dashboard sign-in failed: ${login.status}`)
  const decided = await fetch(`${baseUrl}/dashboard/approvals/${approvalId}/decide`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      origin: baseUrl,
      cookie: `mima_session=${cookie}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ decision: 'approve' }),
  })
  return decided.status
}

describe.each(BACKENDS)('central policies from a TypeScript client (%s)', (database) => {
  let server: TestServer
  let agentKey: string
  let approverKey: string

  beforeAll(async () => {
    server = await startTestServer({ database })
    agentKey = await server.createKey('ingest', 'support-bot')
    approverKey = await server.createKey('approver', 'bob@example.com')
  }, 180_000)
  afterAll(() => server?.close())

  it('follows a central policy into a local engine, caches it, and keeps it when the server is gone', async () => {
    const admin = createPolicyClient({ baseUrl: server.baseUrl, apiKey: server.adminKey })
    expect(await admin.upload('support', V1, { file: 'support.yaml' })).toMatchObject({
      version: 1,
      created: true,
    })
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'mima-policy-cache-')), 'policies.json')
    const client = createPolicyClient({ baseUrl: server.baseUrl, apiKey: agentKey }, { cacheFile })
    const engine = createPolicyEngine()
    const follower = await client.follow(engine, 'support', { intervalMs: 3_600_000 })
    try {
      expect(engine.policy).toMatchObject({ id: 'support', version: '1' })
      expect(engine.evaluate({ tool: 'shell.exec' }).decision).toBe('deny')
      await admin.upload('support', V1.replace('[shell.exec]', '[shell.exec, bash.exec]'))
      expect((await follower.refresh()).version).toBe(2)
      expect(engine.evaluate({ tool: 'bash.exec' }).metadata).toMatchObject({
        policyVersion: '2',
        ruleId: 'deny_tools',
      })
      // Unchanged: the server answers 304 and the engine keeps its compiled policy.
      const compiled = engine.policy
      await follower.refresh()
      expect(engine.policy).toBe(compiled)
    } finally {
      follower.stop()
    }
    // A new process while the server is unreachable starts from the cache file, marked stale.
    const offline = createPolicyClient(
      { baseUrl: 'http://127.0.0.1:9', apiKey: agentKey, workspaceId: server.workspaceId },
      { cacheFile },
    )
    const cached = await offline.fetch('support')
    expect(cached).toMatchObject({ name: 'support', version: 2, stale: true })
    const refused = createPolicyClient({ baseUrl: server.baseUrl, apiKey: agentKey })
    await expect(refused.fetch('missing')).rejects.toMatchObject({ code: 'not_found' })
    await expect(refused.upload('support', V1)).rejects.toMatchObject({ code: 'forbidden' })
    await expect(
      admin.upload('support', 'version: 1\non_error: maybe\n', { file: 'bad.yaml' }),
    ).rejects.toMatchObject({
      code: 'policy_invalid',
      details: { issues: [expect.objectContaining({ field: 'on_error', line: 2 })] },
    })
    expect((await admin.versions('support')).map((version) => version.version)).toEqual([2, 1])
  })

  it('a confirm is decided in the dashboard while the caller waits, and the decisions reach the server', async () => {
    const client = createPolicyClient({ baseUrl: server.baseUrl, apiKey: agentKey })
    const reporter = client.decisionReporter({ flushMs: 3_600_000 })
    const records: DecisionRecord[] = []
    const engine = createPolicyEngine({
      confirm: {
        approvals: createApprovals({ baseUrl: server.baseUrl, apiKey: agentKey }),
        dashboardUrl: server.baseUrl,
        timeoutSeconds: 60,
      },
      evidence: {
        commitmentKey: 'workspace-secret',
        sink: (record) => {
          records.push(record)
          reporter.sink(record)
        },
      },
    })
    await client.follow(engine, 'support', { intervalMs: 3_600_000 }).then((follower) => follower.stop())
    const result = await engine.checkToolCall({
      tool: 'payments.refund',
      args: { customer: 'ana@example.com' },
      correlationId: 'r-1',
    })
    expect(result.decision).toBe('confirm')
    const confirmation = result.confirmation
    if (confirmation === undefined) throw new Error('no confirmation was opened')
    expect(confirmation.url).toBe(`${server.baseUrl}/dashboard/approvals#approval-${confirmation.approvalId}`)
    // The caller can check without blocking…
    expect(await confirmation.check()).toBe('pending')
    // …or wait while a person approves in the dashboard.
    const waiting = confirmation.wait()
    expect(await decideInDashboard(server.baseUrl, approverKey, confirmation.approvalId)).toBe(303)
    const outcome = await waiting
    expect(outcome.approved).toBe(true)
    expect(outcome.token).toBeInstanceOf(ApprovalToken)
    expect((outcome.token as ApprovalToken).actionType).toBe('payments.refund')
    expect(await confirmation.check()).toBe('approved')
    // The approver saw the redacted arguments, never the raw value.
    const approval = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/approvals/${confirmation.approvalId}`,
      { headers: { authorization: `Bearer ${approverKey}` } },
    ).then(
      (response) => response.json() as Promise<{ context: Record<string, unknown>; description: string }>,
    )
    expect(approval.description).toBe('Refunds need a person')
    expect(JSON.stringify(approval.context)).not.toContain('ana@example.com')

    await engine.precheck({ tool: 'shell.exec', agent: 'support-bot' })
    await reporter.close()
    expect(records.map((record) => record.decision)).toEqual(['confirm', 'deny'])
    const stored = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/policy/decisions?policy=support`,
      {
        headers: { authorization: `Bearer ${agentKey}` },
      },
    ).then((response) => response.json() as Promise<{ decisions: { decision_id: string; source: string }[] }>)
    expect(stored.decisions.map((decision) => decision.decision_id)).toEqual(
      expect.arrayContaining(records.map((record) => record.decision_id)),
    )
    expect(stored.decisions.every((decision) => decision.source === 'client')).toBe(true)
  })

  it('registers scopes and tools on the server for the dashboard', async () => {
    const client = createPolicyClient({ baseUrl: server.baseUrl, apiKey: agentKey })
    await client.registerAgent({
      agent: 'support-bot',
      allowedTools: ['kb.search'],
      allowedApis: ['GET https://kb.example.com/*'],
    })
    await client.registerTools([
      { name: 'kb.search', riskLevel: 'low' },
      { name: 'payments.refund', riskLevel: 'high', requiresApproval: true },
    ])
    const agents = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/policy/agents`, {
      headers: { authorization: `Bearer ${agentKey}` },
    }).then(
      (response) => response.json() as Promise<{ agents: { agent: string; allowed_tools: string[] }[] }>,
    )
    expect(agents.agents).toEqual([
      expect.objectContaining({ agent: 'support-bot', allowed_tools: ['kb.search'] }),
    ])
  })
})
