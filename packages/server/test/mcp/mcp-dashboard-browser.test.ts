import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_HINT, findChromium } from '../../../../scripts/find-chromium.mjs'
import { BROWSER_TEST_TIMEOUT } from '../browser-kit'
import { attestation, type DashboardServer, startDashboardServer } from '../dashboard/dashboard-fixture'

const CHROMIUM = findChromium()
const XSS = '<img src=x onerror=alert(1)>'

describe('the MCP page in headless Chromium', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let server: DashboardServer
  let browser: Browser

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error(CHROMIUM_HINT)
    ;[server, browser] = await Promise.all([
      startDashboardServer(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
        ],
      }),
    ])
    const ingest = (await server.createKey('ingest', 'desktop proxy')).key
    const ws = `/workspaces/${server.workspaceId}`
    const reported = await server.api(ingest, 'PUT', `${ws}/mcp/servers/github`, {
      agent_name: 'coder',
      tools: [
        {
          name: 'create_issue',
          definition_sha256: '1'.repeat(64),
          risk: 'high',
          requires_approval: true,
          visible: true,
          flags: [],
        },
        {
          name: XSS,
          definition_sha256: '2'.repeat(64),
          risk: null,
          requires_approval: false,
          visible: false,
          flags: ['description.injection:hidden_tag'],
        },
      ],
    })
    expect(reported.status).toBe(200)
    const calls = await server.api(ingest, 'POST', `${ws}/governance/attestations/batch`, {
      records: [
        attestation({
          tool_name: 'mcp.github.create_issue',
          agent_name: 'coder',
          duration_ms: 8,
          metadata: { mcp_server: 'github', mcp_tool: 'create_issue', outcome: 'ok', reasons: [] },
        }),
      ],
    })
    expect(calls.status).toBe(200)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('reaches the MCP page from the navigation and shows tools, rules, flags and calls, escaped', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const dialogs: string[] = []
    const cspErrors: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        cspErrors.push(message.text())
    })
    await page.goto(`${server.url}/dashboard/login`)
    await page.fill('#api_key', server.adminKey)
    await page.click('#api-key-form button[type=submit]')
    await page.click('nav a[href="/dashboard/mcp"]')
    expect(new URL(page.url()).pathname).toBe('/dashboard/mcp')
    await expect(page.locator('nav a[aria-current=page]').textContent()).resolves.toBe('MCP')

    const issueRow = page.locator('#mcp-server-github tr[data-tool="create_issue"]')
    await expect(issueRow.locator('td').nth(1).textContent()).resolves.toBe('high')
    await expect(issueRow.locator('td').nth(2).textContent()).resolves.toBe('a person approves each call')
    const flagged = page
      .locator('#mcp-server-github tr')
      .filter({ hasText: 'description.injection:hidden_tag' })
    await expect(flagged.locator('td').first().textContent()).resolves.toBe(XSS)
    await expect(flagged.locator('td').nth(3).textContent()).resolves.toBe('no')
    await expect(page.locator('table.mcp-calls tbody tr').count()).resolves.toBe(1)
    await expect(page.locator('table.mcp-calls tbody tr td').nth(4).textContent()).resolves.toBe('ok')
    expect(await page.locator('img[src=x]').count()).toBe(0)
    expect(dialogs).toEqual([])
    expect(cspErrors).toEqual([])
    await context.close()
  })
})
