import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_TIMEOUT, launchTestBrowser, type TestBrowser } from '../browser-kit'
import { type DashboardServer, startDashboardServer } from '../dashboard/dashboard-fixture'
import { featuresWith, type Receiver, startReceiver } from '../webhooks/webhook-fixture'

const XSS = '<img src=x onerror=alert(1)>'

/** The management pages in headless Chromium: keys, webhooks, gates and the guard's reports. */
describe('management pages in headless Chromium', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let server: DashboardServer
  let browser: TestBrowser
  let receiver: Receiver
  let admin: Page

  beforeAll(async () => {
    ;[server, browser, receiver] = await Promise.all([
      // Webhooks to the loopback receiver; a failed delivery retries in a minute (after the test).
      startDashboardServer('pglite', {
        features: featuresWith({ allowPrivate: true, retryDelaysMs: [60_000] }),
      }),
      launchTestBrowser(),
      startReceiver(),
    ])
    admin = await browser.signInWithKey(server.url, server.adminKey)
  })

  afterAll(async () => {
    await browser?.close()
    await receiver?.close()
    await server?.close()
  })

  it('creates an API key shown once, which works until it is revoked on the page', async () => {
    await admin.click('nav >> text=Manage')
    await admin.waitForURL(`${server.url}/dashboard/manage/users`)
    await admin.click('.subnav >> text=API keys')
    await admin.fill('#key-form input[name=name]', `ci ${XSS}`)
    await admin.selectOption('#key-form select[name=role]', 'ingest')
    await admin.click('#key-form button[type=submit]')
    const key = (await admin.locator('#new-key code').textContent())?.trim() ?? ''
    expect(key).toMatch(/^mima_/)
    const row = admin.locator('#keys tbody tr', { hasText: 'ci <img' })
    expect(await row.locator('td').first().textContent()).toBe(`ci ${XSS}`)
    expect(await admin.locator('img').count()).toBe(0)
    // Shown once: a reload does not show it again.
    await admin.goto(`${server.url}/dashboard/manage/keys`)
    expect(await admin.locator('#new-key').count()).toBe(0)
    expect(await admin.content()).not.toContain(key)

    const guard = `/workspaces/${server.workspaceId}/guard/events`
    const events = { events: [{ ts: 1_780_000_000, call: 'openai.chat.completions.create', call_site: XSS }] }
    expect((await server.api(key, 'POST', guard, events)).status).toBe(201)
    await admin
      .locator('#keys tbody tr', { hasText: 'ci <img' })
      .locator('button', { hasText: 'Revoke' })
      .click()
    expect(await admin.locator('.notice.ok').textContent()).toContain('revoked')
    expect((await server.api(key, 'POST', guard, events)).status).toBe(401)
    await admin.screenshot({ path: '/tmp/dashboard-keys.png', fullPage: true })
  })

  it('adds a webhook, sends a signed test, and shows deliveries with their retries', async () => {
    await admin.goto(`${server.url}/dashboard/manage/webhooks`)
    await admin.fill('#webhook-form input[name=url]', receiver.url)
    await admin.click('#webhook-form button[type=submit]')
    const secret = (await admin.locator('#webhook-secret code').textContent())?.trim() ?? ''
    expect(secret).toMatch(/^whsec_/)
    const row = admin.locator('#webhooks tbody tr', { hasText: receiver.url })
    await row.locator('button', { hasText: 'Send test' }).click()
    expect(await admin.locator('.notice.ok').textContent()).toContain('delivered (HTTP 200)')
    const [request] = await receiver.waitFor(1)
    expect(JSON.parse(request?.body ?? '{}').type).toBe('webhook.test')
    expect(Object.keys(request?.headers ?? {}).some((name) => name.includes('signature'))).toBe(true)

    // A failing endpoint: the page says so and when the next attempt is.
    receiver.respondWith(500)
    await admin
      .locator('#webhooks tbody tr', { hasText: receiver.url })
      .locator('button', { hasText: 'Send test' })
      .click()
    expect(await admin.locator('.notice.error').textContent()).toContain('not delivered')
    await admin.click(`#webhooks a:text("${receiver.url}")`)
    const deliveries = admin.locator('#deliveries tbody tr')
    expect(await deliveries.count()).toBe(2)
    expect(await admin.locator('#deliveries .badge.ok').count()).toBe(1)
    expect(await admin.locator('#deliveries tbody tr', { hasText: '500' }).count()).toBe(1)
    await admin.screenshot({ path: '/tmp/dashboard-webhooks.png', fullPage: true })

    await admin
      .locator('#webhooks tbody tr', { hasText: receiver.url })
      .locator('button', { hasText: 'Delete' })
      .click()
    expect(await admin.locator('.notice.ok').textContent()).toContain('deleted')
    expect(await admin.locator('#webhooks tbody tr').count()).toBe(0)
  })

  it('sets a gate threshold and shows the pass/fail history of checks (the page and CI alike)', async () => {
    await admin.goto(`${server.url}/dashboard/manage/gates`)
    await admin.selectOption('#gate-form select[name=framework]', 'eu_ai_act')
    await admin.fill('#gate-form input[name=threshold_pct]', '90')
    await admin.click('#gate-form button[type=submit]')
    expect(await admin.locator('.notice.ok').textContent()).toContain(
      'eu_ai_act gate (workspace) is now required at 90%',
    )
    expect(
      await admin.locator('#gates tbody tr', { hasText: 'eu_ai_act' }).locator('.badge').textContent(),
    ).toContain('failing')
    await admin.click('#check-gates')
    expect(await admin.locator('.notice.error').textContent()).toContain('1 required gate(s) below threshold')
    // A CI check through the API lands in the same history.
    const check = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/grc/gates/check`,
    )
    expect(check.json.passed).toBe(false)
    await admin.goto(`${server.url}/dashboard/manage/gates`)
    expect(await admin.locator('#gate-history tbody tr').count()).toBe(2)
    expect(await admin.locator('#gate-history .badge.bad').count()).toBe(2)

    // A threshold of 0 passes.
    await admin.fill('#gate-form input[name=threshold_pct]', '0')
    await admin.click('#gate-form button[type=submit]')
    await admin.click('#check-gates')
    expect(await admin.locator('.notice.ok').textContent()).toContain('The gates pass')
    expect(await admin.locator('#gate-history tbody tr').first().locator('.badge').textContent()).toBe(
      'passed',
    )
    // Bad input: a clear 4xx and nothing changed.
    await admin.fill('#gate-form input[name=threshold_pct]', '150')
    await admin
      .locator('#gate-form input[name=threshold_pct]')
      .evaluate((input) => input.removeAttribute('max'))
    await admin.click('#gate-form button[type=submit]')
    expect(await admin.locator('.notice.error').textContent()).toContain('threshold_pct')
    expect(await admin.locator('#gates tbody tr', { hasText: 'eu_ai_act' }).textContent()).toContain('0%')
    await admin.screenshot({ path: '/tmp/dashboard-gates.png', fullPage: true })
  })

  it('groups the guard’s unattested calls by call site, escaped', async () => {
    const ingest = await server.createKey('ingest', 'agent')
    const events = [
      { ts: 1_780_000_001, call: 'openai.chat.completions.create', call_site: 'src/support.ts:12:7' },
      { ts: 1_780_000_002, call: 'openai.chat.completions.create', call_site: 'src/support.ts:12:7' },
      { ts: 1_780_000_003, call: 'anthropic.messages.create', call_site: 'src/triage.ts:40:3' },
      { ts: 1_780_000_004, call: 'openai.responses.create' },
    ]
    const posted = await server.api(ingest.key, 'POST', `/workspaces/${server.workspaceId}/guard/events`, {
      events,
    })
    expect(posted.status).toBe(201)
    await admin.goto(`${server.url}/dashboard/manage/guard`)
    const rows = admin.locator('#call-sites tbody tr')
    // Two sites from this test, the XSS one from the key test (its first report), and one without a site.
    expect(await rows.count()).toBe(4)
    const first = rows.first()
    expect(await first.locator('code').textContent()).toBe('src/support.ts:12:7')
    expect(await first.locator('td').nth(2).textContent()).toBe('2')
    expect(await admin.locator('#call-sites code', { hasText: XSS }).count()).toBe(1)
    expect(await admin.locator('#call-sites code', { hasText: '(no call site reported)' }).count()).toBe(1)
    expect(await admin.locator('img').count()).toBe(0)
    expect(browser.dialogs).toEqual([])
  })

  it('answers bad form input with a 4xx page naming the field, and changes nothing', async () => {
    const keysBefore = await server.api(server.adminKey, 'GET', `/workspaces/${server.workspaceId}/keys`)
    const post = (path: string, form: Record<string, string>) =>
      admin.request.post(`${server.url}${path}`, { form, headers: { origin: server.url } })
    for (const [path, form, message] of [
      ['/dashboard/manage/keys', { name: 'ci', role: 'owner' }, 'role must be one of'],
      ['/dashboard/manage/keys', { name: '  ', role: 'ingest' }, 'name must be 1 to 100 characters'],
      [
        '/dashboard/manage/users/invite',
        { email: 'x@example.com', role: 'superuser' },
        'role must be one of',
      ],
      ['/dashboard/manage/users/invite', { email: 'not an email', role: 'viewer' }, 'email'],
    ] as const) {
      const response = await post(path, form)
      expect(response.status(), `${path} ${JSON.stringify(form)}`).toBeGreaterThanOrEqual(400)
      expect(response.status()).toBeLessThan(500)
      expect(await response.text()).toContain(message)
    }
    const keysAfter = await server.api(server.adminKey, 'GET', `/workspaces/${server.workspaceId}/keys`)
    expect(keysAfter.json).toEqual(keysBefore.json)
    await admin.goto(`${server.url}/dashboard/manage/users`)
    expect(await admin.content()).not.toContain('x@example.com')
    // A post from another site is refused before anything is read.
    const crossSite = await admin.request.post(`${server.url}/dashboard/manage/keys`, {
      form: { name: 'evil', role: 'admin' },
      headers: { origin: 'https://evil.example' },
    })
    expect(crossSite.status()).toBe(403)
    expect((await server.api(server.adminKey, 'GET', `/workspaces/${server.workspaceId}/keys`)).json).toEqual(
      keysBefore.json,
    )
  })
})
