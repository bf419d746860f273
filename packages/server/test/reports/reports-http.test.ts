import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_HINT, findChromium } from '../../../../scripts/find-chromium.mjs'
import { FEATURES } from '../../src/app'
import { createReportsFeature } from '../../src/reports/reports-feature'
import { silentLogger } from '../../src/server/logger'
import { type RunningServer, startServer } from '../../src/server/start-server'
import { BACKENDS, startTestServer, type TestServer } from '../webhooks/webhook-fixture'
import { seedReportData, XSS } from './report-fixture'

const CHROMIUM = findChromium()

// biome-ignore lint/suspicious/noExplicitAny: report JSON is read field by field
const section = (report: any, id: string): any =>
  report.sections.find((item: { id: string }) => item.id === id)

describe.each(BACKENDS)('reports over HTTP (%s)', { timeout: 60_000 }, (backend) => {
  let server: TestServer
  let ws: string
  let ingestKey: string

  beforeAll(async () => {
    server = await startTestServer(backend)
    ws = `/workspaces/${server.workspaceId}/governance/reports`
    ingestKey = await server.createKey('ingest')
    const approverKey = await server.createKey('approver')
    await seedReportData({ api: server.api, workspaceId: server.workspaceId, ingestKey, approverKey })
  }, 120_000)

  afterAll(async () => {
    await server?.close()
  })

  it('builds the Article 12 report: seven sections with statuses from the evidence, chain verified', async () => {
    const { status, json } = await server.api(ingestKey, 'GET', `${ws}/article12?system=support-bot`)
    expect(status).toBe(200)
    expect(json).toMatchObject({
      format: 'mima-report/1',
      report_type: 'article12',
      chain_integrity_status: 'verified',
      filters: { system_name: 'support-bot', agent_name: null },
    })
    expect(json.sections.map((item: { id: string }) => item.id)).toEqual([
      'event_registration',
      'duration_of_use',
      'reference_database',
      'input_data',
      'functioning',
      'human_oversight',
      'post_market_monitoring',
    ])
    expect(json.coverage_caveat).toContain('not included')
    // 3 support-bot calls, 1 unattested call in the guard's report.
    expect(section(json, 'event_registration')).toMatchObject({
      status: 'partial',
      data: { calls: 3, unattested: 1 },
    })
    expect(json.coverage_pct).toBe(0.75)
    // One call has no duration.
    expect(section(json, 'duration_of_use')).toMatchObject({ status: 'partial', data: { with_duration: 2 } })
    expect(section(json, 'reference_database').status).toBe('compliant')
    // Declared (unsigned) calls: hashes but no known signature.
    expect(section(json, 'input_data').status).toBe('partial')
    expect(section(json, 'functioning').status).toBe('compliant')
    expect(section(json, 'human_oversight')).toMatchObject({ status: 'compliant' })
    expect(section(json, 'human_oversight').data.approvals).toMatchObject({ requested: 1, approved: 1 })
    expect(section(json, 'post_market_monitoring').status).toBe('compliant')
    expect(json.chain_verification.tree_size).toBeGreaterThan(5)
    expect(json.chain_verification.leaves_checked).toBe(json.chain_verification.tree_size)
    expect(json.status_counts).toEqual({ compliant: 4, partial: 3, non_compliant: 0 })
  })

  it('filters by period and agent: an empty period is non-compliant everywhere it has no evidence', async () => {
    const past = await server.api(ingestKey, 'GET', `${ws}/article12?since=2001-01-01&until=2001-12-31`)
    expect(past.status).toBe(200)
    expect(section(past.json, 'event_registration')).toMatchObject({
      status: 'non_compliant',
      data: { calls: 0 },
    })
    expect(section(past.json, 'post_market_monitoring').status).toBe('non_compliant')
    expect(past.json.filters).toMatchObject({
      since: '2001-01-01T00:00:00.000Z',
      until: '2002-01-01T00:00:00.000Z',
    })
    const agent = await server.api(ingestKey, 'GET', `${ws}/article12?agent=${encodeURIComponent(XSS)}`)
    expect(section(agent.json, 'event_registration').data.calls).toBe(1)
  })

  it('finds attestations and evidence by full text (q), wildcards taken literally', async () => {
    const base = `/workspaces/${server.workspaceId}/governance`
    const calls = await server.api(ingestKey, 'GET', `${base}/attestations?q=search_docs`)
    expect(calls.json.attestations.map((item: { tool_name: string }) => item.tool_name)).toEqual([
      'search_docs',
    ])
    const hostile = await server.api(
      ingestKey,
      'GET',
      `${base}/attestations?q=${encodeURIComponent('onerror=alert(1)')}`,
    )
    expect(hostile.json.attestations).toHaveLength(1)
    const wildcard = await server.api(ingestKey, 'GET', `${base}/attestations?q=${encodeURIComponent('%_%')}`)
    expect(wildcard.json.attestations).toHaveLength(0)
    const evidence = await server.api(
      ingestKey,
      'GET',
      `${base}/grc/evidence?q=${encodeURIComponent('golden v1')}`,
    )
    expect(evidence.json.records.map((item: { record_type: string }) => item.record_type)).toEqual([
      'model_evaluation',
    ])
  })

  it('refuses bad filters and formats with a 422 and says why', async () => {
    for (const query of [
      'since=yesterday',
      'since=2026-02-01&until=2026-01-01',
      'format=docx',
      `system=${'x'.repeat(501)}`,
    ]) {
      const { status, json } = await server.api(ingestKey, 'GET', `${ws}/article12?${query}`)
      expect(status, query).toBe(422)
      expect(json.error.code).toBe('validation_failed')
    }
    const noSubject = await server.api(ingestKey, 'GET', `${ws}/summary`)
    expect(noSubject.status).toBe(422)
    expect(noSubject.json.error.message).toContain('agent or system')
    const otherWorkspace = await server.api(ingestKey, 'GET', '/workspaces/nope/governance/reports/article12')
    expect(otherWorkspace.status).toBe(404)
    const noKey = await fetch(`${server.url}/api${ws}/article12`)
    expect(noKey.status).toBe(401)
  })

  it('exports Markdown and a printable HTML page with client names escaped', async () => {
    const markdown = await fetch(
      `${server.url}/api${ws}/article12?format=md&agent=${encodeURIComponent(XSS)}`,
      {
        headers: { authorization: `Bearer ${ingestKey}` },
      },
    )
    expect(markdown.status).toBe(200)
    expect(markdown.headers.get('content-type')).toContain('text/markdown')
    const text = await markdown.text()
    expect(text).toContain('# EU AI Act Article 12 record-keeping report')
    expect(text).toContain('## 6. Human oversight')
    expect(text).not.toContain('<img')
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;')

    const html = await fetch(
      `${server.url}/api${ws}/article12?format=html&agent=${encodeURIComponent(XSS)}`,
      {
        headers: { authorization: `Bearer ${ingestKey}` },
      },
    )
    expect(html.status).toBe(200)
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'")
    const page = await html.text()
    expect(page.startsWith('<!doctype html>')).toBe(true)
    expect(page).not.toContain('<img')
    expect(page).toContain('data-section="human_oversight"')
    expect(page.match(/data-section=/g)?.length).toBe(7)
  })

  it('builds the summary for an agent: calls, violations, approvals, spend, unattested, readiness', async () => {
    const budget = await server.api(server.adminKey, 'PUT', `/workspaces/${server.workspaceId}/budgets`, {
      scope: 'agent',
      scope_value: 'triage',
      period: 'month',
      limit_usd: 25,
    })
    expect(budget.status).toBeLessThan(300)
    const { status, json } = await server.api(ingestKey, 'GET', `${ws}/summary?agent=triage`)
    expect(status).toBe(200)
    expect(json.report_type).toBe('summary')
    expect(json.sections.map((item: { id: string }) => item.id)).toEqual([
      'calls',
      'violations',
      'oversight',
      'spend',
      'unattested',
      'readiness',
    ])
    expect(section(json, 'calls').data.calls).toBe(3)
    expect(section(json, 'violations')).toMatchObject({ status: 'partial', data: { violations: 1 } })
    expect(section(json, 'oversight')).toMatchObject({ status: 'compliant', data: { approved: 1 } })
    expect(section(json, 'spend').data.totals.calls).toBe(3)
    expect(section(json, 'spend').data.totals.cost_usd).toBeCloseTo(0.0012, 10)
    expect(section(json, 'spend').data.budgets).toEqual([
      expect.objectContaining({ scope: 'agent', scope_value: 'triage', period: 'month', limit_usd: 25 }),
    ])
    expect(section(json, 'spend').facts.map((fact: { label: string }) => fact.label)).toContainEqual(
      expect.stringContaining('Budget: agent triage per month'),
    )
    expect(section(json, 'readiness').data.systems[0]).toMatchObject({ system_name: 'support-bot' })
    expect(section(json, 'readiness').data.systems[0].overall_pct).toBeGreaterThanOrEqual(0)
  })

  it('counts decisions attested as policy.decision (the MCP proxy’s) once each, beside the reported ones', async () => {
    const attestations = `/workspaces/${server.workspaceId}/governance/attestations/batch`
    const decision = (id: string, verdict: string) => ({
      system_name: 'mcp-gateway',
      agent_name: 'gateway',
      tool_name: 'policy.mcp.files',
      input_hash: '',
      output_hash: 'c'.repeat(64),
      operation: 'policy.decision',
      metadata: { decision_id: id, policy_id: 'mcp-files', decision: verdict, agent: 'mcp-agent' },
    })
    const posted = await server.api(ingestKey, 'POST', attestations, {
      records: [decision('mcp-1', 'deny'), decision('mcp-2', 'redact'), decision('mcp-3', 'deny')],
    })
    expect(posted.status).toBeLessThan(300)
    // the same decision reported through POST …/policy/decisions as well: counted once
    const reported = await server.api(
      ingestKey,
      'POST',
      `/workspaces/${server.workspaceId}/policy/decisions`,
      {
        decisions: [
          {
            decision_id: 'mcp-3',
            decided_at: new Date().toISOString(),
            policy_id: 'mcp-files',
            policy_version: '1',
            rule_id: 'deny_tools',
            decision: 'deny',
            direction: 'ingress',
            reasons: [],
            detector_kinds: [],
            findings: 0,
            agent: 'mcp-agent',
          },
        ],
      },
    )
    expect(reported.status).toBeLessThan(300)
    const { status, json } = await server.api(ingestKey, 'GET', `${ws}/summary?agent=mcp-agent`)
    expect(status).toBe(200)
    expect(section(json, 'violations')).toMatchObject({
      data: { total: 3, violations: 3, by_decision: { deny: 2, redact: 1 } },
    })
    expect(section(json, 'violations').data.by_policy).toEqual([
      { policy_name: 'mcp-files', decision: 'deny', count: 2 },
      { policy_name: 'mcp-files', decision: 'redact', count: 1 },
    ])
    // decisions are not calls
    const article12 = await server.api(ingestKey, 'GET', `${ws}/article12?system=mcp-gateway`)
    expect(section(article12.json, 'event_registration').data.calls).toBe(0)
    // the triage agent's figures are unchanged by them
    const triage = await server.api(ingestKey, 'GET', `${ws}/summary?agent=triage`)
    expect(section(triage.json, 'violations').data.violations).toBe(1)
  })

  // Printing reads the same HTML page on either backend (checked on both above), so one Chromium
  // print is enough: it is the costliest step of this file.
  if (backend === 'pglite') {
    it('exports the Article 12 report as a PDF printed by Chromium', async () => {
      if (CHROMIUM === undefined) throw new Error(CHROMIUM_HINT)
      const response = await fetch(`${server.url}/api${ws}/article12?format=pdf`, {
        headers: { authorization: `Bearer ${ingestKey}` },
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/pdf')
      expect(response.headers.get('content-disposition')).toMatch(
        /attachment; filename="mima-article12-.*\.pdf"/,
      )
      const pdf = Buffer.from(await response.arrayBuffer())
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
      const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []
      expect(pages.length).toBeGreaterThanOrEqual(2)
    })

    describe('PDF export on a server without Chromium', { timeout: 60_000 }, () => {
      // A second server on the same PGlite (as a second replica would be), with a reports feature
      // that finds no browser: a server of its own would cost a PGlite start.
      let noChromium: RunningServer
      let bare: { url: string; adminKey: string; workspaceId: string }

      beforeAll(async () => {
        const database = server.database
        noChromium = await startServer({
          database: { ...database, close: async () => {} },
          port: 0,
          host: '127.0.0.1',
          logger: silentLogger,
          shutdownTimeoutMs: 500,
          features: FEATURES.map((feature) =>
            feature.name === 'reports'
              ? createReportsFeature({ pdf: { findExecutable: () => undefined } })
              : feature,
          ),
        })
        bare = { url: noChromium.url, adminKey: server.adminKey, workspaceId: server.workspaceId }
      })

      afterAll(async () => {
        await noChromium?.close()
      })

      it('answers 409 with a clear error, never an empty file', async () => {
        const response = await fetch(
          `${bare.url}/api/workspaces/${bare.workspaceId}/governance/reports/article12?format=pdf`,
          { headers: { authorization: `Bearer ${bare.adminKey}` } },
        )
        expect(response.status).toBe(409)
        expect(response.headers.get('content-type')).toContain('application/json')
        const json = await response.json()
        expect(json.error.code).toBe('conflict')
        expect(json.error.message).toContain('MIMA_CHROMIUM_PATH')
        expect(json.error.details).toMatchObject({ reason: 'pdf_renderer_unavailable' })
      })

      it('says so on the console report page, which keeps its other exports', async () => {
        const login = await fetch(`${bare.url}/dashboard/login`, {
          method: 'POST',
          redirect: 'manual',
          body: new URLSearchParams({ api_key: bare.adminKey }),
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: bare.url },
        })
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
        expect(cookie).toMatch(/^mima_session=.+/)
        const pdf = await fetch(`${bare.url}/dashboard/reports/article12/export?format=pdf`, {
          headers: { cookie },
        })
        expect(pdf.status).toBe(409)
        expect(pdf.headers.get('content-type')).toContain('text/html')
        const page = await pdf.text()
        expect(page).toContain('PDF export is not available on this server')
        expect(page).toContain('format=markdown')
        const markdown = await fetch(`${bare.url}/dashboard/reports/article12/export?format=markdown`, {
          headers: { cookie },
        })
        expect(markdown.status).toBe(200)
        expect(await markdown.text()).toContain('## 1. Recording of events')
      })
    })
  }
})
