import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type GrcFixture, scores, startGrcFixture } from './grc-helpers'

const changeEvent = {
  record_type: 'change_event',
  system_name: 'loan-scorer',
  payload: {
    type: 'deployment',
    by: 'ci',
    description: 'v2.1',
    environment: 'production',
    system: 'loan-scorer',
  },
}

describe.each(BACKENDS)('GRC endpoints on %s', (backend) => {
  let fixture: GrcFixture
  beforeAll(async () => {
    fixture = await startGrcFixture(backend)
  })
  afterAll(async () => {
    await fixture?.close()
  })

  it('readiness of an empty workspace: five frameworks at 0, the overall rule documented, not validated', async () => {
    const { status, body } = await fixture.grc('GET', 'readiness')
    expect(status).toBe(200)
    expect(body.frameworks.map((framework: { framework: string }) => framework.framework)).toEqual([
      'eu_ai_act',
      'iso_42001',
      'iso_27001',
      'soc2_type2',
      'nist_airf',
    ])
    expect(
      body.frameworks.map((framework: { controls_required: number }) => framework.controls_required),
    ).toEqual([11, 19, 10, 14, 19])
    expect(body).toMatchObject({
      overall_pct: 0,
      overall_rule: 'weakest_framework',
      weakest_framework: 'eu_ai_act',
    })
    expect(body.overall_rule_description).toMatch(/lowest score_pct/)
    expect(body.frameworks[0]).toMatchObject({
      validated: false,
      validated_at: null,
      validated_by: null,
      records_total: 0,
    })
    // the CLI's gates/approvals paths have no /api prefix
    expect((await fixture.grc('GET', 'readiness', { prefix: '' })).status).toBe(200)
  })

  it('a pushed record moves readiness by the controls it maps to; a dry run stores nothing', async () => {
    const dry = await fixture.grc('POST', 'evidence?dry_run=true', {
      body: {
        record_type: 'ai_risk_assessment',
        payload: { source: 'live-test' },
        system_name: 'sdk-live-test',
      },
    })
    expect(dry.status).toBe(200)
    expect(dry.body.mapped_controls).toContain('eu_ai_act:art_9')
    expect(scores((await fixture.grc('GET', 'readiness')).body).eu_ai_act).toBe(0)

    const pushed = await fixture.grc('POST', 'evidence', { body: changeEvent })
    expect(pushed.status).toBe(201)
    expect(pushed.body.mapped_controls).toEqual(['iso_42001:8.1', 'iso_27001:A.8.32', 'soc2_type2:CC8.1'])
    const readiness = (await fixture.grc('GET', 'readiness')).body
    // ISO 42001 1/19 = 5, ISO 27001 1/10 = 10, SOC 2 1/14 = 7
    expect(scores(readiness)).toEqual({
      eu_ai_act: 0,
      iso_42001: 5,
      iso_27001: 10,
      soc2_type2: 7,
      nist_airf: 0,
    })
    expect(readiness.frameworks[2]).toMatchObject({
      controls_covered: 1,
      controls_covered_attested: 1,
      records_total: 1,
    })
    // per system
    const other = (await fixture.grc('GET', 'readiness?system_name=other-system')).body
    expect(other.system_name).toBe('other-system')
    expect(scores(other).iso_27001).toBe(0)
  })

  it('counts estate_auto evidence as covered but inferred', async () => {
    const { server } = fixture.server
    await server.database.query(
      `insert into grc_evidence (workspace_id, record_id, leaf_index, record_type, system_name, payload,
         client_sig_status, mapped_controls, source, record_hash)
       values ($1, 'estate-1', 0, 'ai_risk_assessment', 'estate-system', '{}'::jsonb, 'unsigned',
         '["EUAIA_ART9", "eu_ai_act:art_11"]'::jsonb, 'estate_auto', 'x')`,
      [fixture.server.workspaceId],
    )
    const eu = (await fixture.grc('GET', 'readiness')).body.frameworks[0]
    // art_9 (via its Python alias) and art_11: 2/11 covered = 18%, none attested
    expect(eu).toMatchObject({
      controls_covered: 2,
      controls_covered_attested: 0,
      controls_inferred: 2,
      score_pct: 18,
      attested_pct: 0,
    })
    // the counters follow updates and deletes too
    await server.database.query(`update grc_evidence set source = 'sdk' where record_id = 'estate-1'`)
    expect((await fixture.grc('GET', 'readiness')).body.frameworks[0]).toMatchObject({
      controls_covered: 2,
      controls_covered_attested: 2,
      records_total: 1,
    })
    await server.database.query(`delete from grc_evidence where record_id = 'estate-1'`)
    expect((await fixture.grc('GET', 'readiness')).body.frameworks[0]).toMatchObject({
      controls_covered: 0,
      records_total: 0,
    })
  })

  it('an admin validates a framework; other roles cannot', async () => {
    const denied = await fixture.grc('POST', 'frameworks/soc2_type2/validate', { body: {} })
    expect(denied.status).toBe(403)
    const unknown = await fixture.grc('POST', 'frameworks/gdpr/validate', {
      body: {},
      key: fixture.server.adminKey,
    })
    expect(unknown.status).toBe(404)
    const validated = await fixture.grc('POST', 'frameworks/soc2_type2/validate', {
      body: { validated_by: 'auditor@example.com', note: 'control list reviewed' },
      key: fixture.server.adminKey,
    })
    expect(validated.status).toBe(200)
    expect(validated.body).toMatchObject({ framework: 'soc2_type2', validated_by: 'auditor@example.com' })
    const soc2 = (await fixture.grc('GET', 'readiness')).body.frameworks[3]
    expect(soc2).toMatchObject({
      validated: true,
      validated_by: 'auditor@example.com',
      validated_at: validated.body.validated_at,
    })
  })

  it('gates: set (admin only, validated input), list with current figures, check, per-system override, unset', async () => {
    const admin = fixture.server.adminKey
    expect(
      (await fixture.grc('PUT', 'gates', { body: { framework: 'soc2_type2', mode: 'required' } })).status,
    ).toBe(403)
    const bad = await fixture.grc('PUT', 'gates', {
      body: { framework: 'soc2_type2', threshold_pct: 120 },
      key: admin,
    })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details.field).toBe('threshold_pct')

    const iso = await fixture.grc('PUT', 'gates', {
      body: { framework: 'iso_27001', mode: 'required', threshold_pct: 10, scope: 'workspace' },
      key: admin,
    })
    expect(iso.status).toBe(200)
    expect(iso.body).toMatchObject({
      framework: 'iso_27001',
      mode: 'required',
      threshold_pct: 10,
      current_pct: 10,
      status: 'passing',
    })
    await fixture.grc('PUT', 'gates', {
      body: { framework: 'soc2_type2', mode: 'required', threshold_pct: 8 },
      key: admin,
    })
    await fixture.grc('PUT', 'gates', {
      body: { framework: 'nist_airf', mode: 'advisory', threshold_pct: 50 },
      key: admin,
    })

    const list = (await fixture.grc('GET', 'gates')).body
    expect(
      list.policies.map((policy: { framework: string; status: string }) => [policy.framework, policy.status]),
    ).toEqual([
      ['iso_27001', 'passing'],
      ['nist_airf', 'failing'],
      ['soc2_type2', 'failing'],
    ])
    expect(list.policies[0]).toMatchObject({
      id: expect.any(String),
      created_by: 'bootstrap admin',
      scope: 'workspace',
    })
    expect(list.unconfigured_frameworks).toEqual(['eu_ai_act', 'iso_42001'])

    const check = (await fixture.grc('GET', 'gates/check')).body
    expect(check).toMatchObject({ passed: false, failing_required: 1, system_name: null })
    expect(
      check.results.find((result: { framework: string }) => result.framework === 'soc2_type2'),
    ).toMatchObject({
      current_pct: 7,
      threshold_pct: 8,
      status: 'failing',
    })

    // an override for loan-scorer (whose own evidence is the change event: SOC 2 7%)
    await fixture.grc('PUT', 'gates', {
      body: { framework: 'soc2_type2', mode: 'advisory', threshold_pct: 8, scope: 'loan-scorer' },
      key: admin,
    })
    const system = (await fixture.grc('GET', 'gates/check?system_name=loan-scorer', { prefix: '' })).body
    expect(system).toMatchObject({ passed: true, system_name: 'loan-scorer' })

    // raising the required SOC 2 gate to 7 makes the workspace pass
    await fixture.grc('PUT', 'gates', {
      body: { framework: 'soc2_type2', mode: 'required', threshold_pct: 7 },
      key: admin,
    })
    expect((await fixture.grc('GET', 'gates/check')).body.passed).toBe(true)

    const nist = list.policies.find((policy: { framework: string }) => policy.framework === 'nist_airf')
    expect((await fixture.grc('DELETE', `gates/${nist.id}`)).status).toBe(403)
    expect((await fixture.grc('DELETE', `gates/${nist.id}`, { key: admin })).status).toBe(200)
    expect((await fixture.grc('DELETE', `gates/${nist.id}`, { key: admin })).status).toBe(404)
  })

  it('posture brief: overall, per-framework scores, failing required gates, unattested calls in 24 h', async () => {
    const admin = fixture.server.adminKey
    await fixture.grc('PUT', 'gates', {
      body: { framework: 'eu_ai_act', mode: 'required', threshold_pct: 50 },
      key: admin,
    })
    await fixture.server.server.database.query(
      `insert into guard_events (workspace_id, event_id, call, unattested, event)
       values ($1, 'g1', 'openai.chat.completions.create', true, '{}'::jsonb),
              ($1, 'g2', 'openai.chat.completions.create', false, '{}'::jsonb)`,
      [fixture.server.workspaceId],
    )
    const { status, body } = await fixture.grc('GET', 'posture-brief', { prefix: '' })
    expect(status).toBe(200)
    expect(body).toMatchObject({ overall_pct: 0, failing_gates: ['eu_ai_act'], unattested_24h: 1 })
    expect(body.frameworks).toHaveLength(5)
    expect(body.frameworks[2]).toMatchObject({ framework: 'iso_27001', score_pct: 10 })
  })

  it('systems: the Python CLI register/acknowledge bodies are accepted and register a system', async () => {
    // `mima register` (Python CLI): risk high|medium|low, no impact_domains
    const register = await fixture.grc('POST', 'evidence', {
      prefix: '',
      body: {
        record_type: 'ai_risk_assessment',
        system_name: 'hr-screener',
        identity: 'alice@example.com',
        environment: 'production',
        occurred_at: '2026-06-20T12:00:00.123456+00:00',
        payload: {
          risk_level: 'medium',
          risk_summary: 'Classified as medium-risk: rank CVs',
          intended_purpose: 'rank CVs',
          art5_self_assessment: true,
        },
      },
    })
    expect(register.status).toBe(201)
    const acknowledge = await fixture.grc('POST', 'evidence', {
      prefix: '',
      body: {
        record_type: 'policy_acknowledged',
        system_name: 'hr-screener',
        identity: 'bob@example.com',
        resource: 'policy:ai-use:v1',
        payload: {
          decision: 'acknowledged',
          policy_name: 'AI Use',
          policy_version: 'v1',
          acknowledgment_type: 'initial',
        },
      },
    })
    expect(acknowledge.status).toBe(201)
    const { body } = await fixture.grc('GET', 'systems', { prefix: '' })
    const systems = Object.fromEntries(
      body.systems.map((system: { system_name: string }) => [system.system_name, system]),
    )
    expect(systems['hr-screener']).toMatchObject({
      record_count: 2,
      registered: true,
      risk_tier: 'medium',
      record_types: ['ai_risk_assessment', 'policy_acknowledged'],
    })
    expect(systems['loan-scorer']).toMatchObject({ record_count: 1, registered: false })
  })

  it('frameworks: the catalog with record types, conditions, aliases and coverage; control lookup by alias', async () => {
    const { body } = await fixture.grc('GET', 'frameworks')
    expect(body.id_scheme).toMatch(/eu_ai_act:art_14/)
    const eu = body.frameworks[0]
    expect(eu).toMatchObject({ framework: 'eu_ai_act', label: 'EU AI Act', controls_required: 11 })
    const art73 = eu.controls.find(
      (control: { control_id: string }) => control.control_id === 'eu_ai_act:art_73',
    )
    expect(art73).toMatchObject({
      title: 'Reporting of serious incidents',
      evidence_record_types: ['incident_report'],
      aliases: ['EUAIA_ART73'],
      covered: false,
    })
    expect(art73.conditions[0].condition).toMatch(/authority_notified_at/)
    const iso27001 = body.frameworks[2].controls.find(
      (control: { control_id: string }) => control.control_id === 'iso_27001:A.8.32',
    )
    expect(iso27001).toMatchObject({ covered: true, attested: true })

    const lookup = await fixture.grc('GET', 'controls/ISO27001_A.9.2')
    expect(lookup.body).toMatchObject({
      control_id: 'iso_27001:A.5.18',
      title: 'Access rights',
      resolved_from: 'ISO27001_A.9.2',
    })
    expect((await fixture.grc('GET', 'controls/EUAIA_ART99')).status).toBe(404)
  })

  it('derive-controls: from a description to uncovered controls; bad input is a 422', async () => {
    const { status, body } = await fixture.grc('POST', 'derive-controls', {
      body: {
        action_description: 'Deploy the CV ranking model for hiring decisions',
        system_name: 'loan-scorer',
      },
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({
      system_risk_tier: 'high',
      risk_tier_source: 'inferred',
      annex_iii_category: 'employment_management',
      art14_applicable: true,
      system_name: 'loan-scorer',
    })
    const ids = body.uncovered_required_controls.map((control: { control_id: string }) => control.control_id)
    expect(ids).toContain('eu_ai_act:art_14')
    expect(ids).not.toContain('soc2_type2:CC8.1') // loan-scorer's change event covers it
    expect(body.total_required).toBe(body.total_covered + ids.length)

    // the system's registered tier wins over keywords
    const registered = (
      await fixture.grc('POST', 'derive-controls', {
        body: { action_description: 'rank CVs', system_name: 'hr-screener' },
      })
    ).body
    expect(registered).toMatchObject({
      system_risk_tier: 'medium',
      risk_tier_source: 'system',
      art14_applicable: false,
    })

    const bad = await fixture.grc('POST', 'derive-controls', { body: { action_description: '' } })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details.field).toBe('action_description')
  })

  it('answers 401 without a key and 404 for another workspace', async () => {
    const response = await fetch(
      `${fixture.server.baseUrl}/api/workspaces/${fixture.server.workspaceId}/governance/grc/readiness`,
    )
    expect(response.status).toBe(401)
    const other = await fetch(
      `${fixture.server.baseUrl}/api/workspaces/someone-else/governance/grc/readiness`,
      {
        headers: { 'x-api-key': fixture.ingestKey },
      },
    )
    expect(other.status).toBe(404)
  })
})
