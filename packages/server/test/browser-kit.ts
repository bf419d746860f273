import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { CHROMIUM_HINT, findChromium } from '../../../scripts/find-chromium.mjs'

/**
 * The time one browser test may take. A test here is a flow of a dozen page loads and clicks, each
 * waited on (a step alone fails after 45 s, with its name). On a 2-core machine running the whole
 * suite at a load average of 20, such a flow took over 60 s while every step still succeeded.
 */
export const BROWSER_TEST_TIMEOUT = 240_000

/**
 * The preamble the dashboard's browser tests share: headless Chromium, pages whose dialogs and
 * script errors are recorded, signing in with an API key, Chromium's virtual authenticator and an
 * admin's invite link.
 */
export interface TestBrowser {
  browser: Browser
  /** Dialogs any page opened (an XSS payload that ran would open one). */
  dialogs: string[]
  /** Uncaught page errors and CSP refusals. */
  pageErrors: string[]
  /** A page in a fresh context (no cookies, no storage). */
  openPage(options?: { bypassCSP?: boolean; viewport?: { width: number; height: number } }): Promise<Page>
  /** A fresh page signed in to `origin` with an API key, on `/dashboard`. */
  signInWithKey(origin: string, key: string): Promise<Page>
  /**
   * A fresh page with a virtual platform authenticator that holds discoverable credentials
   * (WebAuthn needs a domain: use a `localhost` origin, see {@link launchTestBrowser}'s `localhost`).
   */
  pageWithAuthenticator(): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }>
  /** Closes every page and the browser. */
  close(): Promise<void>
}

/**
 * Launches Debian's (or `MIMA_CHROMIUM_PATH`'s) Chromium headless. With `localhost: true`,
 * `localhost` resolves to 127.0.0.1, so a test server's URL can be given a domain for WebAuthn.
 */
export async function launchTestBrowser(options: { localhost?: boolean } = {}): Promise<TestBrowser> {
  const executablePath = findChromium()
  if (executablePath === undefined) throw new Error(CHROMIUM_HINT)
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(options.localhost === true
        ? ['--disable-quic', '--host-resolver-rules=MAP localhost 127.0.0.1']
        : []),
    ],
  })
  const contexts: BrowserContext[] = []
  const dialogs: string[] = []
  const pageErrors: string[] = []

  const openPage: TestBrowser['openPage'] = async (pageOptions = {}) => {
    const context = await browser.newContext({
      ...(pageOptions.bypassCSP === true ? { bypassCSP: true } : {}),
      ...(pageOptions.viewport === undefined ? {} : { viewport: pageOptions.viewport }),
    })
    contexts.push(context)
    const page = await context.newPage()
    // A step that hangs fails with its own name instead of the test's timeout.
    page.setDefaultTimeout(45_000)
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        pageErrors.push(message.text())
    })
    page.on('pageerror', (error) => pageErrors.push(error.message))
    return page
  }

  return {
    browser,
    dialogs,
    pageErrors,
    openPage,
    async signInWithKey(origin, key) {
      const page = await openPage()
      await page.goto(`${origin}/dashboard/login`)
      await page.fill('#api_key', key)
      await Promise.all([
        page.waitForURL(`${origin}/dashboard`),
        page.click('#api-key-form button[type=submit]'),
      ])
      return page
    },
    async pageWithAuthenticator() {
      const page = await openPage()
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('WebAuthn.enable')
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      })
      return { page, cdp, authenticatorId }
    },
    async close() {
      for (const context of contexts.splice(0)) await context.close().catch(() => {})
      await browser.close()
    },
  }
}

/** An admin's page invites `email` with `role` from the users page; the one-time link it shows. */
export async function inviteFromConsole(
  admin: Page,
  origin: string,
  email: string,
  role: string,
): Promise<string> {
  await admin.goto(`${origin}/dashboard/manage/users`)
  await admin.fill('#invite-form input[name=email]', email)
  await admin.selectOption('#invite-role', role)
  await admin.click('#invite-form button[type=submit]')
  const link = (await admin.locator('#invite-link').textContent())?.trim() ?? ''
  expect(link).toMatch(new RegExp(`^${origin}/dashboard/invite/[A-Za-z0-9_-]{43}$`))
  return link
}
