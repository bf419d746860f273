import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_TIMEOUT, inviteFromConsole, launchTestBrowser, type TestBrowser } from '../browser-kit'
import { type DashboardServer, startDashboardServer } from '../dashboard/dashboard-fixture'

const REPOSITORY = join(import.meta.dirname, '..', '..', '..', '..')
const MIMA_BIN = join(REPOSITORY, 'packages', 'cli', 'dist', 'bin.js')

/** The built `mima` (turbo: cached when nothing changed), as a user runs it. */
function buildCli(): void {
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@mima/cli', '--output-logs=errors-only'], {
    cwd: REPOSITORY,
    stdio: 'inherit',
  })
  if (!existsSync(MIMA_BIN)) throw new Error(`${MIMA_BIN} is missing after the build`)
}

/**
 * `mima approvals verify-signature` end to end: a person approves with a passkey in Chromium (the
 * virtual authenticator), then the built CLI checks that decision against the live server on this
 * machine; an altered stored assertion or decision record makes it exit 1 naming the failed check.
 */
describe('mima approvals verify-signature against a passkey-signed decision', {
  timeout: BROWSER_TEST_TIMEOUT,
}, () => {
  let server: DashboardServer
  let browser: TestBrowser
  let origin: string
  let home: string
  let approvalId: string
  const base = (): string => `/workspaces/${server.workspaceId}/governance`

  /** Runs the built CLI asynchronously (the server lives in this process and must keep answering). */
  function mima(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MIMA_BIN, ...args], {
        cwd: home,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          NO_COLOR: '1',
          MIMA_BASE_URL: server.url,
          MIMA_API_KEY: server.adminKey,
          MIMA_WORKSPACE_ID: server.workspaceId,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk
      })
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
      })
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout, stderr }))
    })
  }

  beforeAll(async () => {
    buildCli()
    ;[server, browser, home] = await Promise.all([
      startDashboardServer(),
      launchTestBrowser({ localhost: true }),
      mkdtemp(join(tmpdir(), 'mima-cli-home-')),
    ])
    origin = server.url.replace('127.0.0.1', 'localhost')
    const ingestKey = (await server.createKey('ingest', 'billing-agent')).key

    // An admin invites an approver, who joins with a passkey.
    const admin = await browser.signInWithKey(origin, server.adminKey)
    const link = await inviteFromConsole(admin, origin, 'ada@example.com', 'approver')
    const { page } = await browser.pageWithAuthenticator()
    await page.goto(link)
    await page.fill('#display_name', 'Ada')
    await page.click('#register-passkey')
    await page.waitForURL(`${origin}/dashboard`)

    // She approves a request with the passkey while the agent waits.
    const created = await server.api(ingestKey, 'POST', `${base()}/approvals`, {
      action_type: 'refund_customer',
      context: { order: 'A-1042', amount: 120 },
      description: 'Refund order A-1042',
      timeout_seconds: 300,
    })
    expect(created.status).toBe(201)
    approvalId = created.json.id as string
    const waiting = server.api(ingestKey, 'GET', `${base()}/approvals/${approvalId}?wait=50`)
    await page.goto(`${origin}/dashboard/approvals`)
    const card = page.locator(`[data-approval-id="${approvalId}"]`)
    await card.locator('button.approve').click()
    await page.locator('#flash', { hasText: 'signed with your passkey' }).waitFor()
    expect((await waiting).json.status).toBe('approved')
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (home !== undefined) await rm(home, { recursive: true, force: true })
  })

  it('exits 0 for the decision as stored, every check passing on this machine', async () => {
    const result = await mima(['approvals', 'verify-signature', approvalId])
    expect(result.code, result.stderr + result.stdout).toBe(0)
    expect(result.stdout).toContain(`${approvalId}  approved by ada@example.com`)
    expect(result.stdout).toContain("✓ the signature verifies with the passkey's public key")
    expect(result.stdout).toMatch(/✓ ledger leaf \d+ carries that hash/)
    expect(result.stdout).not.toContain('✗')
    expect(result.stdout).toContain('The passkey signature holds.')

    const json = await mima(['approvals', 'verify-signature', approvalId, '--json'])
    expect(json.code).toBe(0)
    const parsed = JSON.parse(json.stdout)
    expect(parsed).toMatchObject({ approval_id: approvalId, status: 'approved', verified: true })
    expect(parsed.checks.length).toBeGreaterThanOrEqual(9)
    // A short id prefix names the approval too.
    expect((await mima(['approvals', 'verify-signature', approvalId.slice(0, 8)])).code).toBe(0)
  })

  it('exits 1 naming the failed check when the stored assertion or decision is altered', async () => {
    const database = server.server.database
    const where = 'where workspace_id = $1 and approval_id = $2'
    const { rows } = await database.query<{ signature: string }>(
      `select signature from approval_passkey_signatures ${where}`,
      [server.workspaceId, approvalId],
    )
    const original = rows[0]?.signature as string
    expect(original).toEqual(expect.any(String))
    // A signature byte flipped.
    const bytes = Buffer.from(original, 'base64url')
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1
    await database.query(`update approval_passkey_signatures set signature = $3 ${where}`, [
      server.workspaceId,
      approvalId,
      bytes.toString('base64url'),
    ])
    const forged = await mima(['approvals', 'verify-signature', approvalId])
    expect(forged.code).toBe(1)
    expect(forged.stdout).toContain("✗ the signature verifies with the passkey's public key")
    // The server rebuilds the decision record from the stored assertion, so the ledger leaf written
    // at decision time no longer carries its hash.
    expect(forged.stdout).toMatch(/✗ ledger leaf \d+ carries that hash/)
    expect(forged.stdout).toContain('The passkey signature does NOT hold.')

    // Restored, it holds again: the failure was the alteration, not the run.
    await database.query(`update approval_passkey_signatures set signature = $3 ${where}`, [
      server.workspaceId,
      approvalId,
      original,
    ])
    expect((await mima(['approvals', 'verify-signature', approvalId])).code).toBe(0)

    // A served bundle that says "rejected" for an approval the passkey signed as approved.
    await database.query(
      `update approvals set status = 'rejected' where workspace_id = $1 and approval_id = $2`,
      [server.workspaceId, approvalId],
    )
    const flipped = await mima(['approvals', 'verify-signature', approvalId, '--json'])
    expect(flipped.code).toBe(1)
    const checks = JSON.parse(flipped.stdout).checks as { check: string; ok: boolean }[]
    expect(checks.filter((check) => !check.ok).map((check) => check.check)).toContain(
      'the action digest recomputed from the approval is the one signed',
    )
    expect(browser.dialogs).toEqual([])
  })
})
