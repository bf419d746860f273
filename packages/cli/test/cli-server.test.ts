import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, readFile, stat, writeFile } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PUSH_RECORDS } from '../src/commands/push-records'
import { createHome, MIMA_BIN, runMima, runMimaInProcess, splitExample } from './run-mima'

// Commands run in this process (runMimaInProcess: the same runCli the binary calls, with only PATH,
// HOME and the given variables); those that depend on the working directory, a terminal or a
// process of their own (the default audit-pack path, login without a terminal, watch, the daemon) spawn the
// built binary.
let server: TestServer
let admin: Record<string, string>

beforeAll(async () => {
  server = await startTestServer()
  admin = {
    MIMA_BASE_URL: server.baseUrl,
    MIMA_API_KEY: server.adminKey,
    MIMA_WORKSPACE_ID: server.workspaceId,
  }
})

afterAll(async () => {
  await server?.close()
})

async function createApproval(key: string, actionType: string): Promise<string> {
  const response = await fetch(
    `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/approvals`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_type: actionType, context: { amount: 120 }, timeout_seconds: 600 }),
    },
  )
  expect(response.status).toBe(201)
  return ((await response.json()) as { id: string }).id
}

describe('login, whoami, logout', () => {
  it('verifies the key, saves ~/.mima/config.json with mode 0600, and every command then uses it', async () => {
    const home = await createHome()
    const login = await runMimaInProcess(
      ['login', '--url', `${server.baseUrl}/api/`, '--api-key', server.adminKey],
      {
        home,
      },
    )
    expect(login.stderr).toContain('Verifying credentials')
    expect(login.code).toBe(0)
    expect(login.stdout).toContain('Logged in')
    expect(login.stdout).toContain(server.workspaceId)

    const path = join(home, '.mima', 'config.json')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      api_key: server.adminKey,
      workspace_id: server.workspaceId,
      base_url: server.baseUrl,
    })

    const whoami = await runMimaInProcess(['whoami', '--json'], { home })
    expect(whoami.code).toBe(0)
    const me = JSON.parse(whoami.stdout)
    expect(me).toMatchObject({
      base_url: server.baseUrl,
      base_url_source: 'config',
      workspace_id: server.workspaceId,
    })
    expect(me.server.role).toBe('admin')
    expect(me.api_key).not.toBe(server.adminKey)

    // The environment wins over the file, whole: its key with its URL, never the saved workspace.
    const ingestKey = await server.createKey('ingest')
    const envWins = await runMimaInProcess(['whoami', '--json'], {
      home,
      env: { MIMA_API_KEY: ingestKey, MIMA_BASE_URL: server.baseUrl },
    })
    expect(envWins.code, `${envWins.stdout}\n${envWins.stderr}`).toBe(0)
    expect(JSON.parse(envWins.stdout)).toMatchObject({ api_key_source: 'env', server: { role: 'ingest' } })
    // A key of another workspace in the environment next to the saved login: its own workspace is
    // used (looked up for the key), not the saved one (which answered 404 before).
    const other = (await (
      await fetch(`${server.baseUrl}/api/workspaces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'second' }),
      })
    ).json()) as { workspace_id: string; admin_key: { key: string } }
    const secondEnv = { MIMA_API_KEY: other.admin_key.key, MIMA_BASE_URL: server.baseUrl }
    const secondStatus = await runMimaInProcess(['status', '--json'], { home, env: secondEnv })
    expect(secondStatus.code, secondStatus.stderr).toBe(0)
    const secondWhoami = JSON.parse(
      (await runMimaInProcess(['whoami', '--json'], { home, env: secondEnv })).stdout,
    )
    expect(secondWhoami).toMatchObject({
      workspace_id_source: 'none',
      server: { workspace_id: other.workspace_id },
    })
    // Half a connection in the environment next to a saved login is refused, naming the variable.
    const half = await runMimaInProcess(['status'], { home, env: { MIMA_BASE_URL: server.baseUrl } })
    expect(half.code).toBe(2)
    expect(half.stderr).toContain('MIMA_BASE_URL is set without MIMA_API_KEY')

    const status = await runMimaInProcess(['status', '--json'], { home })
    expect(status.code).toBe(0)

    const logout = await runMimaInProcess(['logout'], { home })
    expect(logout.code).toBe(0)
    expect(logout.stdout).toContain(`removed ${path}`)
    await expect(stat(path)).rejects.toThrow()
    const after = await runMimaInProcess(['status'], { home })
    expect(after.code).toBe(2)
  })

  it('refuses a key the server does not accept (exit 1) and saves nothing', async () => {
    const home = await createHome()
    const result = await runMimaInProcess(['login', '--url', server.baseUrl, '--api-key', 'mima_wrong'], {
      home,
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('does not accept this API key')
    await expect(stat(join(home, '.mima', 'config.json'))).rejects.toThrow()
  })

  it('refuses a --workspace-id the key does not belong to', async () => {
    const home = await createHome()
    const result = await runMimaInProcess(
      ['login', '--url', server.baseUrl, '--api-key', server.adminKey, '--workspace-id', 'other'],
      {
        home,
      },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`belongs to workspace ${server.workspaceId}, not other`)
  })

  it('exits 2 when login has no key and no terminal to ask on', async () => {
    const result = await runMima(['login', '--url', server.baseUrl], { home: await createHome() })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no API key given')
  })

  it('exits 3 on a wrong key for other commands, pointing at the key', async () => {
    const result = await runMimaInProcess(['status'], {
      home: await createHome(),
      env: { ...admin, MIMA_API_KEY: 'mima_wrong' },
    })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('refused the API key (401')
  })
})

describe('push, register, acknowledge', () => {
  it('records each of the 13 record types and returns the controls the server mapped', async () => {
    const home = await createHome()
    const ids = new Set<string>()
    for (const spec of PUSH_RECORDS) {
      const result = await runMimaInProcess([...splitExample(spec.example), '--json', '--no-delta'], {
        home,
        env: admin,
      })
      expect(result.code, `${spec.example}\n${result.stderr}`).toBe(0)
      const body = JSON.parse(result.stdout)
      expect(body.record_type).toBe(spec.recordType)
      expect(typeof body.record_id).toBe('string')
      expect(body.mapped_controls.length, spec.recordType).toBeGreaterThan(0)
      ids.add(body.record_id)
    }
    expect(ids.size).toBe(13)
    const listed = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/grc/evidence?limit=1000`,
      {
        headers: { authorization: `Bearer ${server.adminKey}` },
      },
    )
    const { records } = (await listed.json()) as { records: Array<{ record_id: string }> }
    for (const id of ids) expect(records.map((record) => record.record_id)).toContain(id)
  })

  it('shows the controls earned and how readiness moved', async () => {
    const home = await createHome()
    const result = await runMimaInProcess(
      [
        'push',
        'human_oversight',
        '--decision-id',
        'loan-7',
        '--ai-recommendation',
        'deny',
        '--human-decision',
        'approve',
        '--reviewer',
        'bob@example.com',
      ],
      { home, env: admin },
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('human_oversight recorded')
    expect(result.stdout).toContain('eu_ai_act:art_14')
    expect(result.stdout).toMatch(/Readiness change:|No score change yet/)
  })

  it('honours --base-url (over the environment) and refuses type flags next to --stdin', async () => {
    const home = await createHome()
    const result = await runMimaInProcess(
      [
        'push',
        'vendor_risk',
        '--vendor',
        'v',
        '--tier',
        'low',
        '--last-reviewed',
        '2026-01-01',
        '--no-delta',
        '--json',
        '--base-url',
        `${server.baseUrl}/api`,
      ],
      { home, env: { ...admin, MIMA_BASE_URL: 'http://127.0.0.1:9/api' } },
    )
    expect(result.code, result.stderr).toBe(0)
    const mixed = await runMimaInProcess(['push', 'vendor_risk', '--stdin', '--vendor', 'v'], {
      home,
      env: admin,
      stdin: '{}',
    })
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toContain('drop --vendor')
  })

  it('sends a validated --stdin record', async () => {
    const record = {
      record_type: 'vendor_risk',
      system_name: 'payments',
      payload: { vendor: 'Anthropic', tier: 'high', last_reviewed: '2026-11-01', findings: 2 },
    }
    const result = await runMimaInProcess(['push', '--stdin', '--json', '--no-delta'], {
      home: await createHome(),
      env: admin,
      stdin: JSON.stringify(record),
    })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).mapped_controls.length).toBeGreaterThan(0)
  })

  it('registers a system and records a policy acknowledgement', async () => {
    const home = await createHome()
    const register = await runMimaInProcess(
      [
        'register',
        'cv-screening',
        '--risk-tier',
        'high',
        '--annex-iii',
        'employment_management',
        '--purpose',
        'Rank CVs',
        '--assessor',
        'dpo@example.com',
        '--json',
      ],
      { home, env: admin },
    )
    expect(register.code, register.stderr).toBe(0)
    expect(JSON.parse(register.stdout).record_type).toBe('ai_risk_assessment')

    const refused = await runMimaInProcess(
      ['register', 'x', '--risk-tier', 'high', '--purpose', 'p', '--assessor', 'a@example.com'],
      {
        home,
        env: admin,
      },
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('annex')

    const art5 = await runMimaInProcess(
      [
        'register',
        'x',
        '--risk-tier',
        'minimal',
        '--purpose',
        'p',
        '--assessor',
        'a@example.com',
        '--no-art5',
      ],
      {
        home,
        env: admin,
      },
    )
    expect(art5.code).toBe(1)

    const ack = await runMimaInProcess(
      [
        'acknowledge',
        '--person',
        'alice@example.com',
        '--policy',
        'AI Acceptable Use',
        '--version',
        '2.1',
        '--system',
        'support-bot',
      ],
      { home, env: admin },
    )
    expect(ack.code, ack.stderr).toBe(0)
    expect(ack.stdout).toContain('policy_acknowledged recorded')

    const badPerson = await runMimaInProcess(
      ['acknowledge', '--person', 'alice', '--policy', 'P', '--version', '1', '--system', 's'],
      {
        home,
        env: admin,
      },
    )
    expect(badPerson.code).toBe(1)
  })
})

describe('posture', () => {
  it('status shows bars per framework, attested vs inferred, validation and quickest wins', async () => {
    const home = await createHome()
    const json = await runMimaInProcess(['status', '--json'], { home, env: admin })
    expect(json.code).toBe(0)
    const readiness = JSON.parse(json.stdout)
    expect(readiness.frameworks.map((framework: { framework: string }) => framework.framework)).toEqual(
      expect.arrayContaining(['eu_ai_act', 'iso_42001', 'iso_27001', 'soc2_type2', 'nist_airf']),
    )
    expect(Array.isArray(readiness.quickest_wins)).toBe(true)

    const human = await runMimaInProcess(['status'], { home, env: admin })
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('EU AI Act')
    expect(human.stdout).toMatch(/[█░]{20}/)
    expect(human.stdout).toContain('attested')
    expect(human.stdout).toMatch(/not validated|validated/)
    expect(human.stdout).toContain('Overall')
  })

  it('posture, list-systems, derive-controls and generate-link answer', async () => {
    const home = await createHome()
    const seeded = await runMimaInProcess(
      [
        'push',
        'vendor_risk',
        '--vendor',
        'v',
        '--tier',
        'low',
        '--last-reviewed',
        '2026-01-01',
        '--system-name',
        'billing',
        '--no-delta',
      ],
      {
        home,
        env: admin,
      },
    )
    expect(seeded.code).toBe(0)
    const posture = await runMimaInProcess(['posture'], { home, env: admin })
    expect(posture.code, posture.stderr).toBe(0)
    expect(posture.stdout).toContain('Posture')

    const perSystem = await runMimaInProcess(['status', '--system', 'billing', '--json'], {
      home,
      env: admin,
    })
    expect(perSystem.code).toBe(0)
    expect(JSON.parse(perSystem.stdout).system_name).toBe('billing')

    const systems = await runMimaInProcess(['list-systems', '--json'], { home, env: admin })
    expect(systems.code, systems.stderr).toBe(0)
    expect(
      JSON.parse(systems.stdout).systems.map((system: { system_name: string }) => system.system_name),
    ).toContain('billing')

    const derive = await runMimaInProcess(
      ['derive-controls', 'Rank job applicants with an LLM', '--tier', 'high'],
      {
        home,
        env: admin,
      },
    )
    expect(derive.code, derive.stderr).toBe(0)
    expect(derive.stdout).toContain('Required controls')

    const link = await runMimaInProcess(['generate-link'], { home, env: admin })
    expect(link.code).toBe(0)
    expect(link.stdout.trim()).toBe(`${server.baseUrl}/dashboard`)
  })
})

describe('gates', () => {
  it('sets, lists, checks (exit 1 when a required gate fails) and unsets', async () => {
    const home = await createHome()
    const set = await runMimaInProcess(['gates', 'set', 'nist_airf', 'required', '--threshold', '100'], {
      home,
      env: admin,
    })
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain('Gate set')

    const list = await runMimaInProcess(['gates', '--json'], { home, env: admin })
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout).policies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ framework: 'nist_airf', mode: 'required', threshold_pct: 100 }),
      ]),
    )

    const failing = await runMimaInProcess(['gates', 'check'], { home, env: admin })
    expect(failing.code).toBe(1)
    expect(failing.stdout).toContain('Result: FAIL (1 required gate below threshold)')

    const lowered = await runMimaInProcess(['gates', 'set', 'nist_airf', 'required', '--threshold', '0'], {
      home,
      env: admin,
    })
    expect(lowered.code).toBe(0)
    const passing = await runMimaInProcess(['gates', 'check', '--json'], { home, env: admin })
    expect(passing.code).toBe(0)
    expect(JSON.parse(passing.stdout).passed).toBe(true)

    const unset = await runMimaInProcess(['gates', 'unset', 'nist_airf'], { home, env: admin })
    expect(unset.code).toBe(0)
    const again = await runMimaInProcess(['gates', 'unset', 'nist_airf'], { home, env: admin })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('no gate for NIST AI RMF')
  })
})

describe('approvals', () => {
  it('lists pending requests, decides one by its short id, and refuses unknown ids', async () => {
    const home = await createHome()
    const agentKey = await server.createKey('ingest')
    const id = await createApproval(agentKey, 'refund.issue')

    const list = await runMimaInProcess(['approvals'], { home, env: admin })
    expect(list.code).toBe(0)
    expect(list.stdout).toContain(id.slice(0, 8))
    expect(list.stdout).toContain('PENDING')
    expect(list.stdout).toContain('action: refund.issue')

    const ingestDecides = await runMimaInProcess(['approvals', 'decide', id, 'approve'], {
      home,
      env: { ...admin, MIMA_API_KEY: agentKey },
    })
    expect(ingestDecides.code).toBe(3)
    expect(ingestDecides.stderr).toContain('403')

    const decide = await runMimaInProcess(
      ['approvals', 'decide', id.slice(0, 8), 'approve', '--reason', 'checked'],
      {
        home,
        env: admin,
      },
    )
    expect(decide.code, decide.stderr).toBe(0)
    expect(decide.stdout).toContain(`Approved · ${id.slice(0, 8)}`)

    const all = await runMimaInProcess(['approvals', 'list', '--all', '--json'], { home, env: admin })
    const approval = JSON.parse(all.stdout).approvals.find((candidate: { id: string }) => candidate.id === id)
    expect(approval.status).toBe('approved')

    // The server refuses a second decision (409): input refused, exit 1.
    const twice = await runMimaInProcess(['approvals', 'decide', id, 'reject'], { home, env: admin })
    expect(twice.code).toBe(1)
    expect(twice.stderr).toContain('already approved')

    const unknown = await runMimaInProcess(
      ['approvals', 'decide', '0190aaaa-0000-7000-8000-000000000000', 'reject'],
      {
        home,
        env: admin,
      },
    )
    expect(unknown.code).toBe(1)

    const badDecision = await runMimaInProcess(['approvals', 'decide', id, 'maybe'], { home, env: admin })
    expect(badDecision.code).toBe(2)
  })

  it('watch streams a new request the moment it is made', async () => {
    const home = await createHome()
    const agentKey = await server.createKey('ingest')
    const child = spawn(
      process.execPath,
      [MIMA_BIN, 'approvals', 'watch', '--json', '--new-only', '--timeout', '30'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: home, ...admin },
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (stderr.includes('Watching')) {
          clearInterval(check)
          resolve()
        }
      }, 20)
      child.on('close', () => reject(new Error(`watch exited early: ${stderr}`)))
    })
    // The stream connects right after the banner; give it a moment to subscribe.
    let id = ''
    for (let attempt = 0; attempt < 50 && !stdout.includes('approval.requested'); attempt++) {
      if (attempt === 0 || attempt % 10 === 0) id = await createApproval(agentKey, `deploy.${attempt}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    const events = stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
    expect(events.some((event) => event.event === 'approval.requested' && event.approval.id === id)).toBe(
      true,
    )
  })
})

describe('keys', () => {
  it('creates, lists and revokes API keys as admin; an ingest key may not', async () => {
    const home = await createHome()
    const created = await runMimaInProcess(['keys', 'create', '--name', 'ci', '--role', 'ingest', '--json'], {
      home,
      env: admin,
    })
    expect(created.code, created.stderr).toBe(0)
    const { id, key } = JSON.parse(created.stdout)
    expect(typeof key).toBe('string')

    const works = await runMimaInProcess(['whoami', '--json'], { home, env: { ...admin, MIMA_API_KEY: key } })
    expect(JSON.parse(works.stdout).server.role).toBe('ingest')

    const list = await runMimaInProcess(['keys', 'list'], { home, env: admin })
    expect(list.code).toBe(0)
    expect(list.stdout).toContain(id)

    const forbidden = await runMimaInProcess(['keys', 'create', '--name', 'x'], {
      home,
      env: { ...admin, MIMA_API_KEY: key },
    })
    expect(forbidden.code).toBe(3)

    const revoke = await runMimaInProcess(['keys', 'revoke', id], { home, env: admin })
    expect(revoke.code, revoke.stderr).toBe(0)
    const revoked = await runMimaInProcess(['whoami'], { home, env: { ...admin, MIMA_API_KEY: key } })
    expect(revoked.code).toBe(3)

    const badRole = await runMimaInProcess(['keys', 'create', '--name', 'x', '--role', 'root'], {
      home,
      env: admin,
    })
    expect(badRole.code).toBe(2)
  })
})

describe('verify and audit-pack', () => {
  it('pins the server key, checks heads for consistency across runs, proves records, and catches a rewritten history', async () => {
    const home = await createHome()
    const first = await runMimaInProcess(['verify', '--json'], { home, env: admin })
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const firstReport = JSON.parse(first.stdout)
    expect(firstReport.verified).toBe(true)
    expect(firstReport.checks.map((check: { check: string }) => check.check)).toEqual(
      expect.arrayContaining(['server key', 'tree head', 'consistency', 'leaves', 'inclusion']),
    )

    const pushed = await runMimaInProcess(
      [
        'push',
        'change_event',
        '--by',
        'ci',
        '--description',
        'deploy',
        '--environment',
        'prod',
        '--system',
        'api',
        '--json',
        '--no-delta',
      ],
      { home, env: admin },
    )
    const recordId = JSON.parse(pushed.stdout).record_id as string

    const second = await runMimaInProcess(['verify', '--record', recordId], { home, env: admin })
    expect(second.code, second.stdout + second.stderr).toBe(0)
    expect(second.stdout).toContain('extends the head verified')
    expect(second.stdout).toContain(`record ${recordId} is leaf`)
    expect(second.stdout).toContain('Result: VERIFIED')

    // Pretend this machine once saw a different history: the server's current tree cannot extend it.
    const statePath = JSON.parse(
      (await runMimaInProcess(['verify', '--json', '--quick'], { home, env: admin })).stdout,
    ).state_path
    const state = JSON.parse(await readFile(statePath, 'utf8'))
    state.last_head.root_hash = 'ab'.repeat(32)
    await writeFile(statePath, JSON.stringify(state))
    await runMimaInProcess(
      [
        'push',
        'change_event',
        '--by',
        'ci',
        '--description',
        'again',
        '--environment',
        'prod',
        '--system',
        'api',
        '--no-delta',
      ],
      {
        home,
        env: admin,
      },
    )
    const rewritten = await runMimaInProcess(['verify'], { home, env: admin })
    expect(rewritten.code).toBe(1)
    expect(rewritten.stdout).toContain('history was rewritten')
    expect(rewritten.stdout).toContain('Result: FAILED')

    const wrongKey = await runMimaInProcess(['verify', '--public-key', 'cd'.repeat(32), '--quick'], {
      home: await createHome(),
      env: admin,
    })
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stdout).toContain('not the pinned')

    const missing = await runMimaInProcess(['verify', '--record', 'no-such-record', '--quick'], {
      home: await createHome(),
      env: admin,
    })
    expect(missing.code).toBe(1)
  })

  it('exports an audit pack an auditor can check offline, and detects a tampered pack', async () => {
    const home = await createHome()
    const attested = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/attestations/external`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          system_name: 'loan-scorer',
          agent_name: 'loan-scorer',
          tool_name: 'score',
          input_hash: 'a'.repeat(64),
          output_hash: 'b'.repeat(64),
          schema_version: 2,
        }),
      },
    )
    expect(attested.status).toBe(201)
    const pushed = await runMimaInProcess(
      [
        'push',
        'vendor_risk',
        '--vendor',
        'v',
        '--tier',
        'low',
        '--last-reviewed',
        '2026-01-01',
        '--no-delta',
      ],
      {
        home,
        env: admin,
      },
    )
    expect(pushed.code).toBe(0)
    const out = join(home, 'pack')
    // Built from the ledger API (any server, any key role): a directory.
    const exported = await runMimaInProcess(['audit-pack', '--from-ledger', '--out', out, '--json'], {
      home,
      env: admin,
    })
    expect(exported.code, exported.stderr).toBe(0)
    const summary = JSON.parse(exported.stdout)
    expect(summary.source).toBe('ledger')
    expect(summary.tree_size).toBeGreaterThan(0)
    expect(summary.evidence).toBeGreaterThan(0)
    expect(summary.attestations).toBeGreaterThan(0)

    // Offline: no credentials, no server URL.
    const offline = await runMimaInProcess(['verify', '--pack', out], { home: await createHome() })
    expect(offline.code, offline.stdout + offline.stderr).toBe(0)
    expect(offline.stdout).toContain('Result: VERIFIED')
    // A pack built from the ledger API carries no server signature: against a key you trust, that fails.
    const unsigned = await runMimaInProcess(['verify', '--pack', out, '--public-key', summary.public_key], {
      home: await createHome(),
    })
    expect(unsigned.code, unsigned.stdout).toBe(1)
    expect(unsigned.stdout).toContain('manifest.sig.json is missing')

    const again = await runMimaInProcess(['audit-pack', '--out', out], { home, env: admin })
    expect(again.code).toBe(2)

    // By default the server's own pack (its manifest signed by the ledger key), as one .zip in the
    // current directory, checked the same way.
    // The default path is the working directory: a real process, started in HOME.
    const zipped = await runMima(['audit-pack', '--json'], { home, env: admin })
    expect(zipped.code, zipped.stderr).toBe(0)
    expect(JSON.parse(zipped.stdout).source).toBe('server')
    const zipPath = JSON.parse(zipped.stdout).path as string
    expect(zipPath).toMatch(
      new RegExp(`^${home}/mima-audit-pack-${server.workspaceId.slice(0, 8)}-\\d{4}-\\d{2}-\\d{2}\\.zip$`),
    )
    const zipReport = await runMimaInProcess(
      ['verify', '--pack', zipPath, '--public-key', summary.public_key],
      {
        home: await createHome(),
      },
    )
    expect(zipReport.code, zipReport.stdout + zipReport.stderr).toBe(0)
    expect(zipReport.stdout).toContain('manifest.json is signed by the server key')

    // In a server-signed pack, even a rewrite that keeps the manifest's hashes consistent is caught.
    const signedDirectory = join(home, 'signed')
    expect(
      (await runMimaInProcess(['audit-pack', '--out', signedDirectory], { home, env: admin })).code,
    ).toBe(0)
    const evidencePath = join(signedDirectory, 'evidence.json')
    const evidence = JSON.parse(await readFile(evidencePath, 'utf8'))
    evidence[0].payload = { ...evidence[0].payload, edited: true }
    const evidenceText = `${JSON.stringify(evidence)}\n`
    await writeFile(evidencePath, evidenceText)
    const signedManifestPath = join(signedDirectory, 'manifest.json')
    const signedManifest = JSON.parse(await readFile(signedManifestPath, 'utf8'))
    signedManifest.files['evidence.json'] = createHash('sha256').update(evidenceText).digest('hex')
    await writeFile(signedManifestPath, JSON.stringify(signedManifest))
    const rewritten = await runMimaInProcess(
      ['verify', '--pack', signedDirectory, '--public-key', summary.public_key],
      {
        home: await createHome(),
      },
    )
    expect(rewritten.code).toBe(1)
    expect(rewritten.stdout).toContain('the manifest was altered')
    const bytes = await readFile(zipPath)
    bytes[200] = (bytes[200] ?? 0) ^ 0xff
    const brokenZip = join(home, 'broken.zip')
    await writeFile(brokenZip, bytes)
    const broken = await runMimaInProcess(['verify', '--pack', brokenZip], { home: await createHome() })
    expect(broken.code).toBe(1)

    // An edited attestation is caught even when the editor also fixes the manifest's file hashes.
    const forged = join(home, 'forged')
    await cp(out, forged, { recursive: true })
    const attestationsPath = join(forged, 'attestations.json')
    const attestations = JSON.parse(await readFile(attestationsPath, 'utf8'))
    attestations[0].record.tool_name = 'something-else'
    const forgedText = `${JSON.stringify(attestations, null, 2)}\n`
    await writeFile(attestationsPath, forgedText)
    const manifestPath = join(forged, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
    manifest.files['attestations.json'] = createHash('sha256').update(forgedText).digest('hex')
    await writeFile(manifestPath, JSON.stringify(manifest))
    const forgedReport = await runMimaInProcess(
      ['verify', '--pack', forged, '--public-key', summary.public_key],
      {
        home: await createHome(),
      },
    )
    expect(forgedReport.code).toBe(1)
    expect(forgedReport.stdout).toContain('no longer hashes to what its leaf commits to')

    const leavesPath = join(out, 'leaves.jsonl')
    const lines = (await readFile(leavesPath, 'utf8')).trim().split('\n')
    const leaf = JSON.parse(lines[0]!)
    leaf.leaf_data = leaf.leaf_data.replace(
      /"accepted_at":"[^"]+"/,
      '"accepted_at":"2000-01-01T00:00:00.000Z"',
    )
    lines[0] = JSON.stringify(leaf)
    await writeFile(leavesPath, `${lines.join('\n')}\n`)
    const tampered = await runMimaInProcess(['verify', '--pack', out, '--json'], { home: await createHome() })
    expect(tampered.code).toBe(1)
    const report = JSON.parse(tampered.stdout)
    expect(report.verified).toBe(false)
    expect(
      report.checks
        .filter((check: { ok: boolean }) => !check.ok)
        .map((check: { check: string }) => check.check),
    ).toEqual(expect.arrayContaining(['files', 'leaves']))
  })
})

describe('guard', () => {
  it('starts the daemon, reports its status, forwards events to the server and stops', {
    timeout: 60_000,
  }, async () => {
    const home = await createHome()
    const notRunning = await runMimaInProcess(['guard', 'status'], { home })
    expect(notRunning.code).toBe(1)
    expect(notRunning.stdout).toContain('Guard daemon not running')

    const noCredentials = await runMimaInProcess(['guard', 'start', '--forward'], { home })
    expect(noCredentials.code).toBe(2)

    const badMode = await runMimaInProcess(['guard', 'start', '--mode', 'loud'], { home })
    expect(badMode.code).toBe(2)

    const start = await runMimaInProcess(['guard', 'start', '--mode', 'report', '--forward'], {
      home,
      env: admin,
    })
    try {
      expect(start.code, start.stderr).toBe(0)
      expect(start.stdout).toMatch(/Guard daemon started \(PID \d+, mode report\)/)
      expect(start.stdout).toContain(`Forwarding  to ${server.baseUrl}`)

      const again = await runMimaInProcess(['guard', 'start'], { home })
      expect(again.stdout).toContain('already running')

      const status = await runMimaInProcess(['guard', 'status', '--json'], { home })
      expect(status.code).toBe(0)
      const report = JSON.parse(status.stdout)
      expect(report).toMatchObject({ running: true, mode: 'report' })

      // A process on this machine reports an unattested call over the socket.
      await new Promise<void>((resolve, reject) => {
        const socket = createConnection(report.socketPath, () => {
          socket.end(
            `${JSON.stringify({ ts: new Date().toISOString(), call: 'openai.chat.completions.create', pid: 4242 })}\n`,
          )
        })
        socket.on('close', () => resolve())
        socket.on('error', reject)
      })
    } finally {
      const stop = await runMimaInProcess(['guard', 'stop'], { home })
      expect(stop.code).toBe(0)
      expect(stop.stdout).toMatch(/Guard daemon stopped \(was PID \d+\)/)
    }
    // Stopping flushes the forwarder: the server has the event.
    const posture = await runMimaInProcess(['posture', '--json'], { home, env: admin })
    expect(posture.code, posture.stdout + posture.stderr).toBe(0)
    expect(JSON.parse(posture.stdout).unattested_24h).toBeGreaterThanOrEqual(1)

    const stopped = await runMimaInProcess(['guard', 'stop'], { home })
    expect(stopped.stdout).toContain('Guard daemon not running')
    expect((await runMimaInProcess(['guard', 'status'], { home })).code).toBe(1)
  })
})
