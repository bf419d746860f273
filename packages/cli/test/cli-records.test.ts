import { describe, expect, it } from 'vitest'
import { PUSH_RECORDS } from '../src/commands/push-records'
import { PUSH_VENDOR_RISK, useAdminServer } from './admin-server'
import { createHome, runMimaInProcess, splitExample } from './run-mima'

// Recording evidence (push, register, acknowledge), reading the posture it earns, and gates on it,
// against a real server, with commands run in this process (runMimaInProcess).
const { server, admin } = useAdminServer()

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
      [...PUSH_VENDOR_RISK, '--no-delta', '--json', '--base-url', `${server.baseUrl}/api`],
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
    const seeded = await runMimaInProcess([...PUSH_VENDOR_RISK, '--system-name', 'billing', '--no-delta'], {
      home,
      env: admin,
    })
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
