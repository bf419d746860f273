import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { XSS } from '../reports/report-fixture'
import { horizontalOverflow, seriousAxeViolations } from './axe-check'
import { DASHBOARD_PAGES } from './dashboard-pages'
import { type EvidenceConsole, SCREENSHOTS, VIEWPORTS } from './evidence-console'

/** Finding records, the Article 12 report and its exports, and hostile names kept inert. */
export function pageTests(app: EvidenceConsole): void {
  const { openPage, signIn } = app

  it('filters attestations and evidence by full text, fields and dates, with cursor pagination', async () => {
    const { server } = app
    const page = await openPage()
    await signIn(page)
    await page.goto(`${server.url}/dashboard/attestations?q=${encodeURIComponent('onerror=alert')}`)
    // The fixture's hostile call and the hostile attestation pushed above.
    expect(await page.locator('#attestations tbody tr').count()).toBe(2)
    await page.goto(`${server.url}/dashboard/attestations?agent=triage&tool=search_docs`)
    expect(await page.locator('#attestations tbody tr').count()).toBe(1)
    await page.goto(`${server.url}/dashboard/attestations?agent=triage&limit=2`)
    expect(await page.locator('#attestations tbody tr').count()).toBe(2)
    await page.click('#next-page')
    expect(await page.locator('#attestations tbody tr').count()).toBe(1)
    expect(new URL(page.url()).searchParams.get('agent')).toBe('triage')
    await page.goto(`${server.url}/dashboard/attestations?q=${encodeURIComponent('100%_sure')}`)
    expect(await page.locator('#attestations tbody tr').count()).toBe(0)

    await page.goto(`${server.url}/dashboard/evidence?q=golden-v1`)
    expect(await page.locator('#evidence tbody tr').count()).toBe(1)
    expect(await page.locator('#evidence tbody tr code').first().textContent()).toBe('model_evaluation')
    await page.goto(`${server.url}/dashboard/evidence?until=2001-01-01`)
    expect(await page.locator('#evidence tbody tr').count()).toBe(0)
    await page.goto(`${server.url}/dashboard/evidence?signature=unsigned&system=support-bot`)
    expect(await page.locator('#evidence tbody tr').count()).toBe(3)
    await page.click(`#evidence tbody tr:first-child a`)
    expect(new URL(page.url()).pathname).toMatch(/^\/dashboard\/evidence\/[0-9a-f-]{36}$/)

    // The API takes the same full-text filter.
    const api = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/grc/evidence?q=kb-2026`,
    )
    expect(api.json.records.map((record: { record_type: string }) => record.record_type)).toEqual([
      'training_data_governance',
    ])
    const tooLong = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/attestations?q=${'x'.repeat(201)}`,
    )
    expect(tooLong.status).toBe(422)
  })

  it('builds the Article 12 report in the console and exports it as PDF and HTML', async () => {
    const { server, browser } = app
    const page = await openPage()
    await signIn(page)
    await page.goto(`${server.url}/dashboard/reports`)
    expect(await page.locator('svg#attestations-per-day g[data-key]').count()).toBe(30)
    expect(await page.locator('svg#approvals-per-day').count()).toBe(1)
    expect(await page.locator('svg#decision-times').count()).toBe(1)
    await page.fill('form[action="/dashboard/reports/article12"] input[name="system"]', 'support-bot')
    await page.click('form[action="/dashboard/reports/article12"] button[type=submit]')
    expect(new URL(page.url()).pathname).toBe('/dashboard/reports/article12')
    expect(await page.locator('.report-section').count()).toBe(7)
    expect(await page.locator('[data-section="human_oversight"]').getAttribute('data-status')).toBe(
      'compliant',
    )
    expect(await page.locator('[data-chain-status]').getAttribute('data-chain-status')).toBe('verified')

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#exports a:text("PDF")'),
    ])
    const pdfPath = join(SCREENSHOTS, 'article12-report.pdf')
    await mkdir(SCREENSHOTS, { recursive: true })
    await download.saveAs(pdfPath)
    const pdf = readFileSync(pdfPath)
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeGreaterThanOrEqual(2)

    const [html] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#exports a:text("Printable HTML")'),
    ])
    const htmlPath = join(SCREENSHOTS, 'article12-report.html')
    await html.saveAs(htmlPath)
    const printable = readFileSync(htmlPath, 'utf8')
    expect(printable.startsWith('<!doctype html>')).toBe(true)
    expect(printable.match(/data-section=/g)?.length).toBe(7)

    // The printable page renders with its own style and nothing else.
    const printPage = await openPage()
    await printPage.goto(`file://${htmlPath}`)
    expect(
      await printPage
        .locator('.status.compliant')
        .first()
        .evaluate((element) => getComputedStyle(element).fontWeight),
    ).toBe('700')
    expect(browser.pageErrors.filter((error) => /Content Security Policy/.test(error))).toEqual([])
  })

  it('keeps client-supplied names inert on every page that shows them', async () => {
    const { server, browser, ids } = app
    const page = await openPage()
    await signIn(page)
    for (const path of [
      `/dashboard/attestations/${ids.attestationId}`,
      `/dashboard/evidence/${ids.evidenceId}`,
      '/dashboard/systems',
      `/dashboard/systems/${encodeURIComponent(XSS)}`,
      `/dashboard/reports/article12?agent=${encodeURIComponent(XSS)}`,
      `/dashboard/reports/summary?system=${encodeURIComponent(XSS)}`,
      `/dashboard/readiness/eu_ai_act/controls/${encodeURIComponent(ids.controlId)}`,
    ]) {
      const response = await page.goto(`${server.url}${path}`)
      expect(response?.status(), path).toBe(200)
      expect(await page.locator('img[src="x"]').count(), path).toBe(0)
      expect(await page.locator('main script').count(), path).toBeLessThanOrEqual(1)
      expect(await page.content(), path).toContain('&lt;img src=x onerror=alert(1)&gt;')
    }
    await page.goto(`${server.url}/dashboard/attestations/${ids.attestationId}`)
    expect(await page.locator('#payload').textContent()).toContain('<script>alert(1)</script>')
    expect(await page.locator('#record-title').textContent()).toBe(XSS)
    await page.goto(`${server.url}/dashboard/systems/${encodeURIComponent(XSS)}`)
    expect(await page.locator('#system-unattested td').first().textContent()).toBe(XSS)
    expect(browser.dialogs).toEqual([])
  })
}

/** Every dashboard page at each width: no serious axe-core violation, nothing wider than the screen. */
export function accessibilityTests(app: EvidenceConsole): void {
  const { openPage, signIn } = app

  // One test per page and width: axe takes a second or two per page on a shared machine.
  describe.each(Object.entries(VIEWPORTS))('accessibility and layout at %s width', (width, viewport) => {
    let signedIn: Page
    let signedOut: Page

    beforeAll(async () => {
      await mkdir(SCREENSHOTS, { recursive: true })
      // axe is injected through the DevTools protocol: the CSP (rightly) refuses it as a script.
      signedIn = await openPage({ bypassCSP: true, viewport, keep: true })
      await signIn(signedIn)
      signedOut = await openPage({ bypassCSP: true, viewport, keep: true })
    })

    it.each(DASHBOARD_PAGES.map((entry) => [entry.name, entry] as const))(
      '%s has no serious or critical axe-core violation and fits the screen',
      async (_name, entry) => {
        const { server, ids } = app
        const page = entry.signedOut === true ? signedOut : signedIn
        const response = await page.goto(`${server.url}${entry.path(ids)}`)
        expect(response?.status(), entry.name).toBe(200)
        expect(await seriousAxeViolations(page)).toEqual([])
        if (entry.screenshot === true) {
          await page.screenshot({ path: join(SCREENSHOTS, `${entry.name}-${width}.png`), fullPage: true })
          // The first screen, as the README shows it.
          await page.screenshot({ path: join(SCREENSHOTS, `${entry.name}-${width}-top.png`) })
        }
        // Nothing wider than the screen (tables scroll inside their card).
        const { overflow, wide } = await horizontalOverflow(page)
        expect(
          overflow,
          `${entry.name} is ${overflow}px wider than the screen (${wide.join(', ')})`,
        ).toBeLessThanOrEqual(1)
      },
    )
  })
}
