import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_TIMEOUT, launchTestBrowser, type TestBrowser } from '../browser-kit'
import { attestation, type DashboardServer, startDashboardServer } from './dashboard-fixture'

const XSS = '<img src=x onerror=alert(1)>'

/** One browser and one server for the whole file; a fresh context (cookie jar) per user. */
// Generous timeouts: the browser shares two cores with every other test run on this machine.
describe('dashboard in headless Chromium', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let server: DashboardServer
  let browser: TestBrowser
  let ingestKey: string
  let approverKey: string
  const openPage = (): Promise<Page> => browser.openPage()

  async function signIn(key: string): Promise<Page> {
    const page = await openPage()
    await page.goto(`${server.url}/`)
    expect(new URL(page.url()).pathname).toBe('/dashboard/login')
    await page.fill('#api_key', key)
    await page.click('#api-key-form button[type=submit]')
    return page
  }

  const base = (): string => `/workspaces/${server.workspaceId}/governance`

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startDashboardServer(), launchTestBrowser()])
    ingestKey = (await server.createKey('ingest', 'billing-agent')).key
    approverKey = (await server.createKey('approver', 'second-approver')).key
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('refuses an ingest key at sign-in with a clear message', async () => {
    const page = await signIn(ingestKey)
    await expect(page.locator('.notice.error').textContent()).resolves.toContain(
      'Ingest keys are for agents and cannot sign in',
    )
    expect(new URL(page.url()).pathname).toBe('/dashboard/login')
    expect(await page.context().cookies()).toEqual([])
    await page.screenshot({ path: '/tmp/dashboard-login.png' })
  })

  it('shows readiness, 24-hour counts and attestations pushed through the API, escaped', async () => {
    for (const fields of [
      { tool_name: XSS, system_name: XSS, model_id: XSS },
      { tool_name: 'search_docs' },
      { tool_name: 'search_docs' },
      { tool_name: 'search_docs' },
    ]) {
      const pushed = await server.api(
        ingestKey,
        'POST',
        `${base()}/attestations/external`,
        attestation(fields),
      )
      expect(pushed.status).toBe(201)
    }
    const evidence = await server.api(ingestKey, 'POST', `${base()}/grc/evidence`, {
      record_type: 'human_oversight',
      system_name: 'support-bot',
      payload: {
        decision_id: 'd-1',
        ai_recommendation: 'approve',
        human_decision: 'approve',
        reviewer: 'ops',
        override: false,
      },
    })
    expect(evidence.status).toBe(201)
    const guard = await server.api(ingestKey, 'POST', `/workspaces/${server.workspaceId}/guard/events`, {
      events: [{ ts: 1_780_000_000, call: 'openai.chat.completions.create', pid: 7 }],
    })
    expect(guard.status).toBe(201)

    const page = await signIn(server.adminKey)
    expect(new URL(page.url()).pathname).toBe('/dashboard')
    expect(await page.locator('#stat-attestations .value').textContent()).toBe('4')
    expect(await page.locator('#stat-evidence .value').textContent()).toBe('1')
    expect(await page.locator('#stat-unattested .value').textContent()).toBe('1')
    expect(await page.locator('#readiness [data-framework]').count()).toBe(5)
    const euScore = await page.locator('[data-framework="eu_ai_act"] .score').textContent()
    expect(Number.parseInt(euScore ?? '0', 10)).toBeGreaterThan(0)
    const attestedWidth = await page
      .locator('[data-framework="eu_ai_act"] rect.attested')
      .getAttribute('width')
    expect(Number(attestedWidth)).toBeGreaterThan(0)
    expect(await page.locator('#missing-controls summary').textContent()).toContain('have no evidence yet')
    // Written for people: the rule in words, and each missing control's title and the record that earns it.
    expect(await page.locator('#readiness-explanation').textContent()).toMatch(
      /only as ready as its weakest framework\. .+ is lowest: \d+ of its \d+ required controls have evidence/,
    )
    const missing = page.locator('#missing-controls li').first()
    expect(await missing.textContent()).toMatch(/^\S+:\S+ \S.* — earned by `[a-z_]+`/)
    expect(await page.locator('#tree-head').textContent()).toMatch(/\d+ leaves/)
    await page.screenshot({ path: '/tmp/dashboard-overview.png', fullPage: true })

    await page.click('nav >> text=Attestations')
    const rows = page.locator('#attestations tbody tr')
    expect(await rows.count()).toBe(4)
    // The hostile tool name is shown as text: no element was created, no dialog fired.
    expect(await page.locator('#attestations td.tool', { hasText: XSS }).count()).toBe(1)
    expect(await page.locator('img').count()).toBe(0)
    await page.screenshot({ path: '/tmp/dashboard-attestations.png', fullPage: true })

    await page.fill('input[name=tool]', 'search_docs')
    await page.click('form.filters button[type=submit]')
    expect(await rows.count()).toBe(3)
    await page.goto(`${server.url}/dashboard/attestations?tool=search_docs&limit=2`)
    expect(await rows.count()).toBe(2)
    await page.click('#next-page')
    expect(await rows.count()).toBe(1)
    expect(new URL(page.url()).searchParams.get('tool')).toBe('search_docs')

    await page.click('nav >> text=Evidence')
    const evidenceRow = page.locator('#evidence tbody tr')
    expect(await evidenceRow.count()).toBe(1)
    expect(await evidenceRow.textContent()).toContain('human_oversight')
    expect(await evidenceRow.locator('.chips .badge').count()).toBeGreaterThan(0)
    await page.screenshot({ path: '/tmp/dashboard-evidence.png', fullPage: true })
    expect(browser.dialogs).toEqual([])
  })

  it('shows a new approval live, approves it in the browser and wakes the waiting long-poll', async () => {
    const page = await signIn(server.adminKey)
    await page.goto(`${server.url}/dashboard/approvals`)
    await page.locator('#live-state[data-state="live"]').waitFor()

    const created = await server.api(ingestKey, 'POST', `${base()}/approvals`, {
      action_type: 'wire_transfer',
      description: XSS,
      context: { amount_eur: 5000, note: XSS },
      timeout_seconds: 120,
    })
    expect(created.status).toBe(201)
    const id = created.json.id as string
    const card = page.locator(`[data-approval-id="${id}"]`)
    await card.waitFor()
    expect(await card.locator('.description').textContent()).toBe(XSS)
    expect(await card.locator('pre').textContent()).toContain('"amount_eur": 5000')
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.locator('h2 [data-pending-count]').textContent()).toBe('1')

    const waiting = server.api(ingestKey, 'GET', `${base()}/approvals/${id}?wait=30`)
    await card.locator('textarea[name=reason]').fill('Within the monthly budget')
    await card.locator('button[value=approve]').click()
    const decided = await waiting
    expect(decided.status).toBe(200)
    expect(decided.json.status).toBe('approved')
    expect(decided.json.reason).toBe('Within the monthly budget')
    expect(typeof decided.json.token).toBe('string')
    await card.waitFor({ state: 'detached' })
    expect(await page.locator('#flash').textContent()).toContain('approved')

    // The agent presents the token with its attestation: the attestations page links the approval.
    const used = await server.api(
      ingestKey,
      'POST',
      `${base()}/attestations/external`,
      attestation({ tool_name: 'wire_transfer', approval_token: decided.json.token }),
    )
    expect(used.status).toBe(201)
    await page.goto(`${server.url}/dashboard/attestations?tool=wire_transfer`)
    expect(await page.locator('#attestations tbody tr code').first().getAttribute('title')).toBe(id)
    await page.goto(`${server.url}/dashboard/approvals`)
    await page.locator('#live-state[data-state="live"]').waitFor()
    expect(await page.locator('#recent-approvals').textContent()).toContain('Within the monthly budget')
    await page.evaluate(() => {
      ;(window as unknown as { marker: number }).marker = 1
    })

    // Decided elsewhere (another approver through the API): the row leaves without a reload.
    const second = await server.api(ingestKey, 'POST', `${base()}/approvals`, {
      action_type: 'delete_customer',
      timeout_seconds: 120,
    })
    const secondCard = page.locator(`[data-approval-id="${second.json.id}"]`)
    await secondCard.waitFor()
    await page.screenshot({ path: '/tmp/dashboard-approvals.png', fullPage: true })
    const rejected = await server.api(approverKey, 'POST', `${base()}/approvals/${second.json.id}/decide`, {
      decision: 'reject',
      reason: 'not today',
    })
    expect(rejected.json.status).toBe('rejected')
    await secondCard.waitFor({ state: 'detached' })
    const decisionRow = page.locator(`#recent-approvals [data-decided-id="${second.json.id}"]`)
    await decisionRow.waitFor()
    expect(await decisionRow.textContent()).toContain('not today')
    expect(await page.locator('#approval-empty').isVisible()).toBe(true)
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1)
    expect(browser.dialogs).toEqual([])
  })

  it('keeps two workspaces apart, live queue included', async () => {
    const created = await server.api(server.adminKey, 'POST', '/workspaces', { name: 'team-b' })
    const otherId = created.json.id as string
    const otherKey = created.json.admin_key.key as string
    await server.api(otherKey, 'POST', `/workspaces/${otherId}/governance/attestations/external`, {
      ...attestation({ tool_name: 'tool_of_b' }),
    })
    const pageB = await signIn(otherKey)
    await pageB.goto(`${server.url}/dashboard/approvals`)
    await pageB.locator('#live-state[data-state="live"]').waitFor()
    await server.api(ingestKey, 'POST', `${base()}/approvals`, {
      action_type: 'a_secret_action',
      timeout_seconds: 60,
    })
    const forB = await server.api(otherKey, 'POST', `/workspaces/${otherId}/governance/approvals`, {
      action_type: 'b_action',
      timeout_seconds: 60,
    })
    await pageB.locator(`[data-approval-id="${forB.json.id}"]`).waitFor()
    expect(await pageB.locator('#approval-queue').textContent()).not.toContain('a_secret_action')
    expect(await pageB.locator('#approval-queue [data-approval-id]').count()).toBe(1)
    await pageB.goto(`${server.url}/dashboard`)
    expect(await pageB.locator('.stat [data-pending-count]').textContent()).toBe('1')
    expect(await pageB.locator('nav [data-pending-count]').textContent()).toBe('1')
    await pageB.goto(`${server.url}/dashboard/attestations`)
    const text = await pageB.locator('main').textContent()
    expect(text).toContain('tool_of_b')
    expect(text).not.toContain('search_docs')
  })

  it('verifies the ledger from the browser', async () => {
    const page = await signIn(server.adminKey)
    await page.click('nav >> text=Ledger')
    const size = Number(await page.locator('#tree-size').textContent())
    expect(size).toBeGreaterThan(5)
    await page.click('#verify-now')
    const result = page.locator('#verification')
    expect(await result.textContent()).toContain('Ledger verified.')
    expect(await result.textContent()).toContain(`${size} of ${size} leaves re-hashed`)
    await page.screenshot({ path: '/tmp/dashboard-ledger.png', fullPage: true })
    expect(browser.pageErrors.filter((error) => /Content Security Policy/i.test(error))).toEqual([])
  })
})
