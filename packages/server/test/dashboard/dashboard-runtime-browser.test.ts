import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_TIMEOUT, launchTestBrowser, type TestBrowser } from '../browser-kit'
import { attestation, type DashboardServer, startDashboardServer } from './dashboard-fixture'

// The policies, spend and agents pages as a person uses them in headless Chromium: navigating from
// the menu, following links, submitting the kill and revive forms. Separate from
// dashboard-browser.test.ts so the two files can change independently.
const XSS = '<img src=x onerror=alert(1)>'
const POLICY_V1 = `version: 1
defaults:
  ingress: { action: redact }
deny_tools: [shell.exec]
`
const POLICY_V2 = POLICY_V1.replace('[shell.exec]', '[shell.exec, bash.exec]')

describe('dashboard policies, spend and agents in headless Chromium', {
  timeout: BROWSER_TEST_TIMEOUT,
}, () => {
  let server: DashboardServer
  let browser: TestBrowser
  let page: Page
  const ws = (): string => `/workspaces/${server.workspaceId}`

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startDashboardServer(), launchTestBrowser()])
    const ingest = (await server.createKey('ingest', 'support-bot')).key
    for (const source of [POLICY_V1, POLICY_V2]) {
      const uploaded = await server.api(server.adminKey, 'POST', `${ws()}/policies/support/versions`, {
        source,
      })
      expect(uploaded.status).toBe(201)
    }
    const decided = await server.api(ingest, 'POST', `${ws()}/policy/decisions`, {
      decisions: [
        {
          decision_id: 'browser-deny-1',
          decided_at: new Date().toISOString(),
          policy_id: 'support',
          policy_version: '2',
          rule_id: 'deny_tools',
          decision: 'deny',
          direction: 'ingress',
          reasons: [`tool.denied:${XSS}`],
          detector_kinds: [],
          findings: 0,
          tool: 'bash.exec',
        },
      ],
    })
    expect(decided.status).toBe(201)
    const records = [
      attestation({ model_id: 'gpt-4o', input_tokens: 100, output_tokens: 10, cost_usd: 0.0035 }),
      attestation({ model_id: 'gpt-4o', input_tokens: 100, output_tokens: 10, cost_usd: 0.0035 }),
      attestation({ model_id: XSS, input_tokens: 5, output_tokens: 5, cost_usd: 0.001 }),
    ]
    const pushed = await server.api(ingest, 'POST', `${ws()}/governance/attestations/batch`, { records })
    expect(pushed.status).toBe(200)
    const beat = await server.api(ingest, 'POST', `${ws()}/agents/heartbeat`, {
      agent_name: 'researcher',
      instance_id: 'i-1',
    })
    expect(beat.status).toBeLessThan(300)

    page = await browser.signInWithKey(server.url, server.adminKey)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('policies: list, a policy with its versions and decisions, an older version by its link', async () => {
    await page.click('nav a[href="/dashboard/policies"]')
    await page.waitForURL(`${server.url}/dashboard/policies`)
    const row = page.locator('#policies tr[data-policy="support"]')
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('2')
    await row.locator('a').click()
    await page.waitForURL(`${server.url}/dashboard/policies/support`)
    await expect(page.locator('#policy-version h2').textContent()).resolves.toBe('Version 2')
    await expect(page.locator('#policy-source').textContent()).resolves.toContain('bash.exec')
    await expect(page.locator('#policy-versions tbody tr').count()).resolves.toBe(2)
    const decision = page.locator('#policy-decisions tr[data-decision-id="browser-deny-1"]')
    await expect(decision.textContent()).resolves.toContain('deny')
    // The reason was written as markup; the page shows it as text.
    await expect(decision.textContent()).resolves.toContain(XSS)
    await expect(page.locator('#policy-decisions img').count()).resolves.toBe(0)
    await page.click('#policy-versions tr[data-version="1"] a')
    await page.waitForURL(/\/dashboard\/policies\/support\?version=1$/)
    await expect(page.locator('#policy-version h2').textContent()).resolves.toBe('Version 1')
    await expect(page.locator('#policy-source').textContent()).resolves.not.toContain('bash.exec')
    expect(browser.dialogs).toEqual([])
  })

  it('spend: the total, the per-model chart and table from the records, escaped', async () => {
    await page.click('nav a[href="/dashboard/spend"]')
    await page.waitForURL(`${server.url}/dashboard/spend`)
    await expect(page.locator('#spend-total').textContent()).resolves.toBe('$0.0080')
    const chart = page.locator('#spend-per-model')
    await expect(chart.locator('[data-key="gpt-4o"]').count()).resolves.toBeGreaterThan(0)
    await expect(page.locator('#spend-per-day').isVisible()).resolves.toBe(true)
    await expect(page.locator('body').textContent()).resolves.toContain(XSS)
    await expect(page.locator('main img').count()).resolves.toBe(0)
    expect(browser.dialogs).toEqual([])
  })

  it('agents: kill from the form with a reason, the server refuses the agent, then revive', async () => {
    await page.click('nav a[href="/dashboard/agents"]')
    await page.waitForURL(`${server.url}/dashboard/agents`)
    const row = page.locator('#agents tr[data-agent="researcher"]')
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('active')
    await row.locator('input[name="reason"]').fill('loops forever')
    await row.locator('button[type=submit]').click()
    await expect(page.locator('#agents tr[data-agent="researcher"] td').nth(1).textContent()).resolves.toBe(
      'killed (loops forever)',
    )
    const killed = await server.api(server.adminKey, 'GET', `${ws()}/agents/killed`)
    expect(killed.json.agents.map((agent: { agent_name: string }) => agent.agent_name)).toEqual([
      'researcher',
    ])
    await expect(page.locator('#agent-events').textContent()).resolves.toContain('agent.killed')
    await page.locator('#agents tr[data-agent="researcher"] button[type=submit]').click()
    await expect(page.locator('#agents tr[data-agent="researcher"] td').nth(1).textContent()).resolves.toBe(
      'active',
    )
    const after = await server.api(server.adminKey, 'GET', `${ws()}/agents/killed`)
    expect(after.json.agents).toEqual([])
  })
})
