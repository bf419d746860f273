import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_TIMEOUT, inviteFromConsole, type TestBrowser } from '../browser-kit'
import type { DashboardServer } from '../dashboard/dashboard-fixture'
import type { FakeOidcProvider } from './fake-oidc-provider'
import { startOidcConsole } from './oidc-console'

/**
 * Workspace roles from the identity provider's groups, in headless Chromium against the local
 * fake provider: the strongest mapped group gives the role, from the ID token or else userinfo;
 * a person whose groups map to nothing loses what the groups gave, not what an invite gave.
 */
describe('OIDC groups to workspace roles in headless Chromium', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let server: DashboardServer
  let provider: FakeOidcProvider
  let browser: TestBrowser

  /** Signs in through the provider in a fresh browser; the role the header shows, or the error. */
  async function signInWithSso(): Promise<{ role?: string; error?: string }> {
    const page = await browser.openPage()
    await page.goto(`${server.url}/dashboard/login`)
    await page.click('#sso-sign-in')
    const outcome = await Promise.race([
      page.waitForURL(`${server.url}/dashboard`).then(() => 'signed-in' as const),
      page
        .locator('.notice.error')
        .waitFor()
        .then(() => 'refused' as const),
    ])
    if (outcome === 'refused') return { error: (await page.locator('.notice.error').textContent()) ?? '' }
    const who = (await page.locator('header .who').textContent()) ?? ''
    return { role: /\((\w+)\)/.exec(who)?.[1] ?? who }
  }

  async function membership(email: string): Promise<{ role: string; added_by: string } | undefined> {
    const { rows } = await server.server.database.query<{ role: string; added_by: string }>(
      `select m.role, m.added_by from people_members m join people_users u on u.user_id = m.user_id
        where u.email = $1 and m.workspace_id = $2`,
      [email, server.workspaceId],
    )
    return rows[0]
  }

  beforeAll(async () => {
    ;({ provider, server, browser } = await startOidcConsole({
      extraScopes: ['groups'],
      groupRoles: { 'mima-admins': 'admin', auditors: 'compliance', approvers: 'approver' },
    }))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await provider?.close()
  })

  it('lets a person in by a mapped group, with the strongest role their groups give', async () => {
    provider.identity = {
      sub: 'idp-ada',
      email: 'ada@example.com',
      email_verified: true,
      name: 'Ada',
      groups: ['engineering', 'approvers'],
    }
    expect(await signInWithSso()).toEqual({ role: 'approver' })
    expect(provider.authorizations.at(-1)?.get('scope')).toBe('openid email profile groups')
    expect(await membership('ada@example.com')).toEqual({ role: 'approver', added_by: 'oidc-groups' })
    // The groups were in the ID token: userinfo was not asked.
    expect(provider.userinfoRequests).toBe(0)

    provider.identity = { ...provider.identity, groups: ['approvers', 'mima-admins', 'auditors'] }
    expect(await signInWithSso()).toEqual({ role: 'admin' })
  })

  it('reads the groups from userinfo when the ID token has no groups claim', async () => {
    provider.identity = {
      sub: 'idp-ada',
      email: 'ada@example.com',
      email_verified: true,
      userinfo: { groups: ['auditors'] },
    }
    expect(await signInWithSso()).toEqual({ role: 'compliance' })
    expect(provider.userinfoRequests).toBe(1)
    expect(await membership('ada@example.com')).toEqual({ role: 'compliance', added_by: 'oidc-groups' })
  })

  it('takes back what the groups gave when no group maps any more, and keeps what an invite gave', async () => {
    provider.identity = {
      sub: 'idp-ada',
      email: 'ada@example.com',
      email_verified: true,
      groups: ['engineering'],
    }
    const removed = await signInWithSso()
    expect(removed.error).toContain('not a member of any workspace')
    expect(await membership('ada@example.com')).toBeUndefined()

    // Invited as a viewer, in no mapped group: the invite's membership stays.
    const admin = await browser.signInWithKey(server.url, server.adminKey)
    await inviteFromConsole(admin, server.url, 'grace@example.com', 'viewer')
    provider.identity = { sub: 'idp-grace', email: 'grace@example.com', email_verified: true, groups: [] }
    expect(await signInWithSso()).toEqual({ role: 'viewer' })
    expect(await signInWithSso()).toEqual({ role: 'viewer' })
    expect((await membership('grace@example.com'))?.role).toBe('viewer')

    // No invite and no mapped group: refused, and no account is made.
    provider.identity = { sub: 'idp-sam', email: 'sam@example.com', email_verified: true, groups: ['sales'] }
    expect((await signInWithSso()).error).toContain('no group that gives a role')
    const { rows } = await server.server.database.query('select 1 from people_users where email = $1', [
      'sam@example.com',
    ])
    expect(rows).toEqual([])
    expect(browser.dialogs).toEqual([])
  })
})
