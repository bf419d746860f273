import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { silentLogger } from '../../src/server/logger'
import { BROWSER_TEST_TIMEOUT, inviteFromConsole, launchTestBrowser, type TestBrowser } from '../browser-kit'
import { horizontalOverflow, seriousAxeViolations } from '../dashboard/axe-check'
import { type DashboardServer, startDashboardServer } from '../dashboard/dashboard-fixture'
import { DASHBOARD_PAGES, NOT_PAGES, PERSON_PAGES, type PersonContext } from '../dashboard/dashboard-pages'

const SCREENSHOTS = join(import.meta.dirname, '..', '..', '..', '..', '.test-results', 'screenshots')
const VIEWPORTS = { laptop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const

/**
 * The pages only a person opens (their account, an invite link) get the same axe-core and layout
 * check as the pages in `evidence-browser.test.ts`; and every GET page route the dashboard
 * registers is in one of the two lists, so a new page cannot go unchecked.
 */
describe("a person's pages in headless Chromium", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let server: DashboardServer
  let browser: TestBrowser
  const context: PersonContext = { invitePath: '' }
  let person: Page
  let signedOut: Page

  // axe is injected as a script, which the dashboard's CSP (rightly) refuses.
  const openPage = (): Promise<Page> => browser.openPage({ bypassCSP: true, viewport: VIEWPORTS.laptop })

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startDashboardServer(), launchTestBrowser()])
    const admin = await browser.signInWithKey(server.url, server.adminKey)
    const invite = async (email: string): Promise<string> =>
      new URL(await inviteFromConsole(admin, server.url, email, 'admin')).pathname
    // One invite stays open for its page; the other makes the person who opens the account page.
    context.invitePath = await invite('grace@example.com')
    const joining = await invite('lin@example.com')
    person = await openPage()
    await person.goto(`${server.url}${joining}`)
    await person.fill('#display_name', 'Lin')
    await person.fill('#new_password', 'correct horse battery staple')
    await Promise.all([
      person.waitForURL(`${server.url}/dashboard`),
      person.click('#invite-password-form button[type=submit]'),
    ])
    expect(await person.locator('#account-link').textContent()).toBe('Lin')
    signedOut = await openPage()
    await mkdir(SCREENSHOTS, { recursive: true })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('every GET page route of the dashboard is in DASHBOARD_PAGES or PERSON_PAGES', async () => {
    const hooks: Array<() => Promise<void> | void> = []
    const app = createApp({
      database: server.server.database,
      ledger: server.server.ledger,
      logger: silentLogger,
      shutdownHooks: hooks,
    })
    try {
      const checked = [
        ...DASHBOARD_PAGES.map((entry) =>
          entry.path({ attestationId: 'a', evidenceId: 'e', controlId: 'c:1' }),
        ),
        ...PERSON_PAGES.map((entry) => entry.path({ invitePath: '/dashboard/invite/token' })),
      ].map((path) => path.split('?')[0] as string)
      const pageRoutes = [
        ...new Set(
          app.routes
            .filter((route) => route.method === 'GET' && /^\/dashboard(\/|$)/.test(route.path))
            .map((route) => route.path),
        ),
      ].filter((path) => !NOT_PAGES.some((pattern) => pattern.test(path)))
      expect(pageRoutes.length).toBeGreaterThan(20)
      const unchecked = pageRoutes.filter((route) => {
        const pattern = new RegExp(`^${route.replace(/:[A-Za-z_]+/g, '[^/]+')}$`)
        return !checked.some((path) => pattern.test(path))
      })
      expect(unchecked).toEqual([])
    } finally {
      for (const hook of hooks) await hook()
    }
  })

  describe.each(Object.entries(VIEWPORTS))('at %s width', (width, viewport) => {
    it.each(PERSON_PAGES.map((entry) => [entry.name, entry] as const))(
      '%s has no serious or critical axe-core violation and fits the screen',
      async (_name, entry) => {
        const page = entry.signedOut === true ? signedOut : person
        await page.setViewportSize(viewport)
        const response = await page.goto(`${server.url}${entry.path(context)}`)
        expect(response?.status(), entry.name).toBe(200)
        // The page a person sees, not the sign-in page it would redirect to.
        expect(new URL(page.url()).pathname).toBe(entry.path(context))
        expect(await seriousAxeViolations(page)).toEqual([])
        if (entry.screenshot === true)
          await page.screenshot({ path: join(SCREENSHOTS, `${entry.name}-${width}.png`), fullPage: true })
        const { overflow, wide } = await horizontalOverflow(page)
        expect(
          overflow,
          `${entry.name} is ${overflow}px wider than the screen (${wide.join(', ')})`,
        ).toBeLessThanOrEqual(1)
      },
    )
  })
})
