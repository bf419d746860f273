import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, silentLogger, startServer } from '@mima/server'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildForChildren, runCli, startAgent, startCli } from './child-process'

type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: Record<string, unknown> & { budgets?: unknown[] } }>

/** Two agent processes fire 100 concurrent calls each on one budget: they end within one call of its cap. */
async function spendFromTwoProcesses(env: Record<string, string>, api: Api): Promise<void> {
  const unit = 0.01
  const cap = 1.235 // not a multiple of the unit: the last $0.005 can never be spent
  const put = await api('PUT', 'budgets', {
    scope: 'system',
    scope_value: 'shared-bot',
    period: 'day',
    limit_usd: cap,
  })
  expect(put.status).toBe(200)
  const agents = [1, 2].map((index) =>
    startAgent({ ...env, MODE: 'spend', CALLS: '100', UNIT_USD: String(unit), AGENT: `worker-${index}` }),
  )
  const results = await Promise.all(agents.map((agent) => agent.waitForLine((line) => line.startsWith('{'))))
  const counts = results.map((line) => JSON.parse(line) as { allowed: number; refused: number })
  const allowed = counts.reduce((sum, item) => sum + item.allowed, 0)
  expect(counts.reduce((sum, item) => sum + item.allowed + item.refused, 0)).toBe(200)
  const snapshot = await api('GET', 'budgets/snapshot?system_name=shared-bot')
  const [state] = snapshot.json.budgets as { spent_usd: number; reserved_usd: number; calls: number }[]
  expect(state?.calls).toBe(allowed)
  expect(state?.reserved_usd).toBe(0)
  // Never over the cap, and less than one call's projected cost under it.
  expect(state?.spent_usd).toBeLessThanOrEqual(cap + 1e-9)
  expect(state?.spent_usd).toBeGreaterThan(cap - unit)
  expect(allowed).toBe(123)
}

// Two agent processes and the CLI against one server, which restarts on the same data directory.
describe('budgets and the kill switch across processes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mima-budgets-xproc-'))
  const adminKey = `mima_test_${randomBytes(18).toString('base64url')}`
  let server: RunningServer
  let workspaceId: string

  const start = async (): Promise<RunningServer> =>
    startServer({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      bootstrapApiKey: adminKey,
      onBootstrap: () => {},
      shutdownTimeoutMs: 500,
    })
  const env = (): Record<string, string> => ({
    MIMA_BASE_URL: server.url,
    MIMA_API_KEY: adminKey,
    MIMA_WORKSPACE_ID: workspaceId,
  })
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/api/workspaces/${workspaceId}/${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return {
      status: response.status,
      json: (await response.json()) as Record<string, unknown> & { budgets?: unknown[] },
    }
  }

  beforeAll(async () => {
    buildForChildren()
    server = await start()
    workspaceId = server.bootstrap?.workspaceId as string
  }, 600_000)

  afterAll(async () => {
    await server?.close()
    rmSync(dataDir, { recursive: true, force: true })
  }, 180_000)

  it(
    'two processes firing 200 concurrent calls on one budget end within one call of the cap',
    () => spendFromTwoProcesses(env(), api),
    180_000,
  )

  it('a kill from the CLI stops a running agent in another process, and holds after both restart', async () => {
    const agent = startAgent({ ...env(), MODE: 'run', AGENT: 'researcher' })
    await agent.waitForLine((line) => line === 'ready')
    const kill = await runCli(['agents', 'kill', 'researcher', '--reason', 'runaway spend'], env())
    expect(kill.code).toBe(0)
    const answered = Date.now()
    const stopped = JSON.parse(await agent.waitForLine((line) => line.includes('stopped'))) as {
      stopped: number
      code: string
      reason: string
    }
    expect(stopped).toMatchObject({ code: 'kill_switch', reason: 'runaway spend' })
    // The CLI process had to exit first; the agent stopped within 2 s of the kill being recorded.
    expect(stopped.stopped - answered).toBeLessThan(2000)
    await agent.exited

    // Both restart: the server on the same data, the agent as a new process.
    await server.close()
    server = await start()
    const restarted = startAgent({ ...env(), MODE: 'run', AGENT: 'researcher' })
    const again = JSON.parse(await restarted.waitForLine((line) => line.includes('stopped'))) as {
      code: string
    }
    expect(again.code).toBe('kill_switch')
    await restarted.exited
    const list = await runCli(['agents', 'list', '--json'], env())
    const agents = (JSON.parse(list.stdout) as { agents: { agent_name: string; status: string }[] }).agents
    expect(agents.find((item) => item.agent_name === 'researcher')?.status).toBe('killed')

    expect((await runCli(['agents', 'revive', 'researcher'], env())).code).toBe(0)
    const revived = startAgent({ ...env(), MODE: 'run', AGENT: 'researcher' })
    await revived.waitForLine((line) => line === 'ready')
    expect(revived.lines.some((line) => line.includes('stopped'))).toBe(false)
    revived.child.kill()
    await revived.exited
  }, 180_000)

  it('a kill from the CLI makes every policy check of another process refuse the agent', async () => {
    const agent = startAgent({ ...env(), MODE: 'policy', AGENT: 'checked' })
    await agent.waitForLine((line) => line === 'ready')
    const kill = await runCli(['agents', 'kill', 'checked', '--reason', 'policy breach'], env())
    expect(kill.code).toBe(0)
    const answered = Date.now()
    const stopped = JSON.parse(await agent.waitForLine((line) => line.includes('stopped'))) as {
      stopped: number
      check: string
      code: string
      reason: string
    }
    expect(stopped).toMatchObject({ code: 'kill_switch', reason: 'policy breach' })
    expect(['precheck', 'scope', 'contract']).toContain(stopped.check)
    expect(stopped.stopped - answered).toBeLessThan(2000)
    await agent.exited
    expect((await runCli(['agents', 'revive', 'checked'], env())).code).toBe(0)
  }, 180_000)

  it('mima budget and mima usage show the state and the spend', async () => {
    const set = await runCli(
      ['budget', 'set', '--scope', 'agent', '--name', 'triage', '--period', 'month', '--usd', '5', '--json'],
      env(),
    )
    expect(set.code).toBe(0)
    expect(JSON.parse(set.stdout)).toMatchObject({
      scope: 'agent',
      scope_value: 'triage',
      period: 'month',
      limit_usd: 5,
    })
    const bad = await runCli(['budget', 'set', '--period', 'week', '--usd', '5'], env())
    expect(bad.code).toBe(2)
    const show = await runCli(
      ['budget', 'show', '--system', 'shared-bot', '--agent', 'triage', '--json'],
      env(),
    )
    expect(show.code).toBe(0)
    const states = (JSON.parse(show.stdout) as { budgets: { scope: string; limit_usd: number }[] }).budgets
    expect(states.find((state) => state.scope === 'agent')).toMatchObject({ limit_usd: 5 })

    const records = [1, 2, 3].map((index) => ({
      system_name: 'shared-bot',
      agent_name: 'triage',
      tool_name: 'openai.chat.completions',
      input_hash: '',
      output_hash: '',
      schema_version: 2,
      model_id: index === 3 ? 'claude-haiku-4-5' : 'gpt-4o',
      provider: index === 3 ? 'anthropic' : 'openai',
      input_tokens: 10 * index,
      output_tokens: index,
      cost_usd: 0.001 * index,
    }))
    expect((await api('POST', 'governance/attestations/batch', { records })).status).toBe(200)
    const usage = await runCli(['usage', '--by', 'model', '--json'], env())
    expect(usage.code).toBe(0)
    const report = JSON.parse(usage.stdout) as {
      rows: { key: string; calls: number; cost_usd: number }[]
      totals: { cost_usd: number; calls: number }
    }
    expect(report.totals.calls).toBe(3)
    expect(report.totals.cost_usd).toBeCloseTo(0.006, 12)
    expect(report.rows.find((row) => row.key === 'gpt-4o')).toMatchObject({ calls: 2 })
    const csv = await runCli(['usage', '--by', 'agent', '--csv'], env())
    expect(csv.stdout.split('\n')[0]?.trim()).toBe(
      'agent,calls,input_tokens,output_tokens,cached_tokens,cost_usd,unpriced_calls,error_calls',
    )
    expect((await runCli(['usage', '--by', 'planet'], env())).code).toBe(2)
  }, 180_000)

  it('mima tail follows attestations and events live', async () => {
    const tail = startCli(['tail', '--json'], env())
    await tail.waitForLine((line) => line.includes('"type":"ready"'))
    const record = {
      system_name: 'shared-bot',
      agent_name: 'tailed',
      tool_name: 'tail-check',
      input_hash: '',
      output_hash: '',
      schema_version: 2,
      model_id: 'gpt-4o',
      input_tokens: 7,
      cost_usd: 0.0001,
    }
    expect((await api('POST', 'governance/attestations/external', record)).status).toBe(201)
    expect((await api('POST', 'agents/tailed/kill', { reason: 'tail test' })).status).toBe(200)
    const killed = JSON.parse(await tail.waitForLine((line) => line.includes('"agent.killed"'))) as Record<
      string,
      unknown
    >
    expect(killed).toMatchObject({
      kind: 'event',
      type: 'agent.killed',
      agent_name: 'tailed',
      reason: 'tail test',
    })
    const attested = JSON.parse(await tail.waitForLine((line) => line.includes('"tail-check"'))) as Record<
      string,
      unknown
    >
    expect(attested).toMatchObject({ kind: 'attestation', agent_name: 'tailed', input_tokens: 7 })
    tail.child.kill('SIGTERM')
    expect(await tail.exited).toBe(0)
  }, 180_000)
})

// The same two processes against a server on PostgreSQL, whose pooled connections take leases
// concurrently (the per-workspace advisory lock keeps the cap).
describe.each(testDatabaseUrl() === undefined ? [] : (['postgres'] as const))(
  'budgets across processes on %s',
  (database) => {
    let server: TestServer
    beforeAll(async () => {
      buildForChildren()
      server = await startTestServer({ database })
    }, 600_000)
    afterAll(async () => {
      await server?.close()
    }, 180_000)

    it(
      'two processes firing 200 concurrent calls on one budget end within one call of the cap',
      () =>
        spendFromTwoProcesses(
          {
            MIMA_BASE_URL: server.baseUrl,
            MIMA_API_KEY: server.adminKey,
            MIMA_WORKSPACE_ID: server.workspaceId,
          },
          async (method, path, body) => {
            const response = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/${path}`, {
              method,
              headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
              ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            })
            return { status: response.status, json: await response.json() }
          },
        ),
      180_000,
    )
  },
)
