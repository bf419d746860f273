import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_TIMEOUT, inviteFromConsole, type TestBrowser } from '../browser-kit'
import type { DashboardServer } from '../dashboard/dashboard-fixture'
import type { FakeOidcProvider } from './fake-oidc-provider'
import { startOidcConsole } from './oidc-console'

/** Single sign-on in headless Chromium against a small local OpenID Connect provider. */
describe('OIDC single sign-on in headless Chromium', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let server: DashboardServer
  let provider: FakeOidcProvider
  let browser: TestBrowser
  const openPage = (): Promise<Page> => browser.openPage()

  beforeAll(async () => {
    ;({ provider, server, browser } = await startOidcConsole())
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await provider?.close()
  })

  async function invite(email: string, role: string): Promise<void> {
    const admin = await browser.signInWithKey(server.url, server.adminKey)
    await inviteFromConsole(admin, server.url, email, role)
  }

  it('signs in an invited person through the provider (code flow with PKCE), and later by their linked identity', async () => {
    await invite('sso-user@example.com', 'approver')
    provider.identity = {
      sub: 'idp-123',
      email: 'SSO-User@example.com',
      email_verified: true,
      name: 'Sam <b>SSO</b>',
    }
    const page = await openPage()
    await page.goto(`${server.url}/dashboard/login`)
    await page.click('#sso-sign-in')
    await page.waitForURL(`${server.url}/dashboard`)
    expect(await page.locator('#account-link').textContent()).toBe('Sam <b>SSO</b>')
    expect(await page.locator('header .who').textContent()).toContain('(approver)')
    expect(await page.locator('b').count()).toBe(0)
    const authorization = provider.authorizations.at(-1)
    expect(authorization?.get('code_challenge_method')).toBe('S256')
    expect(authorization?.get('scope')).toBe('openid email profile')
    expect(authorization?.get('redirect_uri')).toBe(`${server.url}/dashboard/sso/callback`)
    expect(provider.tokenRequests.at(-1)?.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    await page.screenshot({ path: '/tmp/dashboard-sso.png' })

    // The identity is linked: the provider's subject signs the same person in, whatever email it sends now.
    provider.identity = { sub: 'idp-123', email: 'renamed@example.com', email_verified: false }
    const again = await openPage()
    await again.goto(`${server.url}/dashboard/login`)
    await again.click('#sso-sign-in')
    await again.waitForURL(`${server.url}/dashboard`)
    expect(await again.locator('#account-link').textContent()).toBe('Sam <b>SSO</b>')
  })

  it('refuses a person without an invite, an unverified email, and a callback this browser did not start', async () => {
    provider.identity = { sub: 'idp-stranger', email: 'stranger@example.com', email_verified: true }
    const page = await openPage()
    await page.goto(`${server.url}/dashboard/login`)
    await page.click('#sso-sign-in')
    await page.locator('.notice.error', { hasText: 'no account and no open invite' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/dashboard/sso/callback')
    expect(await page.context().cookies()).not.toContainEqual(
      expect.objectContaining({ name: 'mima_session' }),
    )

    await invite('unverified@example.com', 'viewer')
    provider.identity = { sub: 'idp-unverified', email: 'unverified@example.com', email_verified: false }
    await page.goto(`${server.url}/dashboard/login`)
    await page.click('#sso-sign-in')
    await page.locator('.notice.error', { hasText: 'did not vouch for an email address' }).waitFor()

    // A callback URL replayed in another browser (no state cookie) is refused before the code is used.
    provider.identity = { sub: 'idp-123', email: 'sso-user@example.com', email_verified: true }
    const starter = await openPage()
    await starter.route(`${server.url}/dashboard/sso/callback**`, (route) => route.abort())
    const callback = starter.waitForRequest((request) =>
      request.url().startsWith(`${server.url}/dashboard/sso/callback`),
    )
    // The navigation ends aborted at the callback: the browser never delivers the code itself.
    await starter.goto(`${server.url}/dashboard/sso/start`).catch(() => {})
    const stolen = (await callback).url()
    const tokensBefore = provider.tokenRequests.length
    const victim = await openPage()
    const response = await victim.goto(stolen)
    expect(response?.status()).toBe(401)
    expect(await victim.locator('.notice.error').textContent()).toContain('did not start in this browser')
    expect(provider.tokenRequests.length).toBe(tokensBefore)
  })
})
