import { createHash, createPublicKey, verify } from 'node:crypto'
import { hashValue } from '@mima/core'
import type { CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approvalActionDigest } from '../../src/approvals/approval-record'
import { BROWSER_TEST_TIMEOUT, inviteFromConsole, launchTestBrowser, type TestBrowser } from '../browser-kit'
import { type DashboardServer, startDashboardServer } from '../dashboard/dashboard-fixture'

const XSS = '<img src=x onerror=alert(1)>'

/**
 * People in headless Chromium: an admin invites a user, who registers a passkey through Chromium's
 * virtual authenticator (CDP WebAuthn domain), signs in with it, and signs an approval while a
 * client waits; the stored assertion verifies later through the auditor's API.
 * WebAuthn needs a domain (not an IP address), so the browser uses `localhost`.
 */
describe('people: invites, passkeys and signed approvals in headless Chromium', {
  timeout: BROWSER_TEST_TIMEOUT,
}, () => {
  let server: DashboardServer
  let browser: TestBrowser
  let origin: string
  let ingestKey: string
  const base = (): string => `/workspaces/${server.workspaceId}/governance`
  const openPage = (): Promise<Page> => browser.openPage()
  const signInWithKey = (key: string): Promise<Page> => browser.signInWithKey(origin, key)
  const invite = (admin: Page, email: string, role: string): Promise<string> =>
    inviteFromConsole(admin, origin, email, role)

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startDashboardServer(), launchTestBrowser({ localhost: true })])
    origin = server.url.replace('127.0.0.1', 'localhost')
    ingestKey = (await server.createKey('ingest', 'billing-agent')).key
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  let approverPage: Page
  let approverCdp: CDPSession
  let approverAuthenticator: string

  it('an admin invites a user, who registers a passkey and signs in with it', async () => {
    const admin = await signInWithKey(server.adminKey)
    const link = await invite(admin, 'ada@example.com', 'approver')
    expect(await admin.locator('#invites tbody tr').count()).toBe(1)
    await admin.screenshot({ path: '/tmp/dashboard-users.png', fullPage: true })

    const { page, cdp, authenticatorId } = await browser.pageWithAuthenticator()
    await page.goto(link)
    expect(await page.locator('h1').textContent()).toContain('Join')
    // The name is client-supplied: it must come back as text, never markup.
    await page.fill('#display_name', XSS)
    await page.click('#register-passkey')
    await page.waitForURL(`${origin}/dashboard`)
    expect(await page.locator('#account-link').textContent()).toBe(XSS)
    expect(await page.locator('img').count()).toBe(0)
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    expect(credentials[0]?.isResidentCredential).toBe(true)

    // The link worked once.
    const again = await openPage()
    const reused = await again.goto(link)
    expect(reused?.status()).toBe(404)
    expect(await again.locator('.notice.error', { hasText: 'not valid' }).count()).toBe(1)

    // Sign out, then back in with the passkey alone (a discoverable credential: no email typed).
    await page.click('header form button[type=submit]')
    await page.waitForURL(/\/dashboard\/login/)
    await page.click('#passkey-sign-in')
    await page.waitForURL(`${origin}/dashboard`)
    expect(await page.locator('header .who').textContent()).toContain('(approver)')
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(after.credentials[0]?.signCount).toBeGreaterThan(credentials[0]?.signCount ?? 0)

    // The admin sees the new member with one passkey, the name escaped.
    await admin.goto(`${origin}/dashboard/manage/users`)
    const row = admin.locator('#members tbody tr', { hasText: 'ada@example.com' })
    expect(await row.locator('td').first().textContent()).toBe(XSS)
    expect(await row.textContent()).toContain('1 passkey(s)')
    expect(await admin.locator('img').count()).toBe(0)
    ;[approverPage, approverCdp, approverAuthenticator] = [page, cdp, authenticatorId]
  })

  it('the user approves a request while a client waits: the passkey signs the action digest and the assertion verifies later', async () => {
    expect(approverPage).toBeDefined()
    const created = await server.api(ingestKey, 'POST', `${base()}/approvals`, {
      action_type: 'refund_customer',
      context: { amount: 120, note: XSS },
      description: XSS,
      timeout_seconds: 300,
    })
    expect(created.status).toBe(201)
    const id = created.json.id as string
    const waiting = server.api(ingestKey, 'GET', `${base()}/approvals/${id}?wait=50`)

    await approverPage.goto(`${origin}/dashboard/approvals`)
    const card = approverPage.locator(`[data-approval-id="${id}"]`)
    await card.waitFor()
    expect(await card.locator('form').getAttribute('data-enhance')).toBe('decide-signed')
    expect(await card.locator('.description').textContent()).toBe(XSS)
    await approverPage.screenshot({ path: '/tmp/dashboard-approvals-passkey.png', fullPage: true })
    await card.locator('textarea[name=reason]').fill(`looks right ${XSS}`)
    await card.locator('button.approve').click()
    await approverPage.locator('#flash', { hasText: 'signed with your passkey' }).waitFor()
    // The live "Latest decisions" row says the decision is passkey-signed.
    await approverPage
      .locator(`#recent-approvals [data-decided-id="${id}"] .badge`, { hasText: 'passkey-signed' })
      .waitFor()

    const answered = await waiting
    expect(answered.status).toBe(200)
    expect(answered.json.status).toBe('approved')

    // The auditor's view: the assertion, the public key, the record the ledger leaf commits to.
    const signed = await server.api(server.adminKey, 'GET', `${base()}/approvals/${id}/signature`)
    expect(signed.status).toBe(200)
    expect(signed.json.verification).toEqual({
      verified: true,
      action_digest: signed.json.passkey.action_digest,
    })
    expect(signed.json.signer.email).toBe('ada@example.com')
    expect(signed.json.decided_by).toBe('ada@example.com')
    const digest = approvalActionDigest(
      {
        workspace_id: server.workspaceId,
        approval_id: id,
        action_type: 'refund_customer',
        context_hash: hashValue({ amount: 120, note: XSS }),
      },
      'approved',
    )
    expect(signed.json.passkey.action_digest).toBe(digest)
    // The authenticator signed exactly that digest: it is the clientData's challenge.
    const clientData = JSON.parse(
      Buffer.from(signed.json.passkey.client_data_json, 'base64url').toString('utf8'),
    )
    expect(clientData).toMatchObject({ type: 'webauthn.get', origin })
    expect(Buffer.from(clientData.challenge, 'base64url').toString('hex')).toBe(digest)
    const { credentials } = await approverCdp.send('WebAuthn.getCredentials', {
      authenticatorId: approverAuthenticator,
    })
    expect(signed.json.passkey.credential_id).toBe(
      credentials[0]?.credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
    )
    // Checked here without the server: WebAuthn signs authenticatorData ‖ SHA-256(clientDataJSON).
    const jwk = signed.json.passkey.public_key_jwk
    expect(['EC', 'OKP']).toContain(jwk.kty)
    const signedBytes = Buffer.concat([
      Buffer.from(signed.json.passkey.authenticator_data, 'base64url'),
      createHash('sha256').update(Buffer.from(signed.json.passkey.client_data_json, 'base64url')).digest(),
    ])
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' })
    const signatureBytes = Buffer.from(signed.json.passkey.signature, 'base64url')
    const algorithm = jwk.kty === 'OKP' ? null : 'sha256'
    expect(verify(algorithm, signedBytes, publicKey, signatureBytes)).toBe(true)
    expect(verify(algorithm, Buffer.concat([signedBytes, Buffer.from([0])]), publicKey, signatureBytes)).toBe(
      false,
    )
    // The decision's ledger leaf commits to the record, passkey included.
    expect(signed.json.decision_record.passkey.assertion_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(signed.json.record_hash).toBe(hashValue(signed.json.decision_record))
    const leaf = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/ledger/leaves/${signed.json.decision_leaf_index}`,
    )
    expect(leaf.status).toBe(200)
    expect(leaf.json).toMatchObject({ kind: 'approval_decision', record_id: id })
    expect(JSON.parse(leaf.json.leaf_data).record_hash).toBe(signed.json.record_hash)

    // Tampering with the stored assertion is caught by the re-verification.
    await server.server.database.query(
      `update approval_passkey_signatures set signature = $3 where workspace_id = $1 and approval_id = $2`,
      [server.workspaceId, id, Buffer.alloc(70, 1).toString('base64url')],
    )
    const tampered = await server.api(server.adminKey, 'GET', `${base()}/approvals/${id}/signature`)
    expect(tampered.json.verification.verified).toBe(false)
    expect(browser.dialogs).toEqual([])
  })

  it('refuses an unsigned decision from a person with a passkey, and their own request', async () => {
    const created = await server.api(ingestKey, 'POST', `${base()}/approvals`, {
      action_type: 'delete_records',
      requested_for: 'ada@example.com',
      timeout_seconds: 300,
    })
    expect(created.status).toBe(201)
    const id = created.json.id as string
    // Posting the form without an assertion (what a page without JavaScript would do).
    const unsigned = await approverPage.request.post(`${origin}/dashboard/approvals/${id}/decide`, {
      form: { decision: 'approve' },
      headers: { origin, accept: 'application/json' },
    })
    expect(unsigned.status()).toBe(403)
    expect((await unsigned.json()).error.message).toContain('Sign this decision with your passkey')

    // Signed, but the request was made for this very person: refused like a key's own request.
    await approverPage.goto(`${origin}/dashboard/approvals`)
    const card = approverPage.locator(`[data-approval-id="${id}"]`)
    await card.locator('button.approve').click()
    await card.locator('.error', { hasText: 'You requested this approval' }).waitFor()
    const still = await server.api(ingestKey, 'GET', `${base()}/approvals/${id}`)
    expect(still.json.status).toBe('pending')
  })
})
