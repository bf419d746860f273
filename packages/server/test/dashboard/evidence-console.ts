import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { launchTestBrowser, type TestBrowser } from '../browser-kit'
import { seedReportData, XSS } from '../reports/report-fixture'
import { attestation, type DashboardServer, startDashboardServer } from './dashboard-fixture'
import type { SeededIds } from './dashboard-pages'

// Test artifacts (gitignored): every main page at laptop and phone widths.
export const SCREENSHOTS: string = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  '.test-results',
  'screenshots',
)
// Each test walks several pages; on a loaded CI machine one step can take seconds (each step
// gets 45 s: see browser-kit.ts).
export const TEST_TIMEOUT = 180_000
export const VIEWPORTS = { laptop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const

/** Options of {@link EvidenceConsole.openPage}. */
export interface PageOptions {
  bypassCSP?: boolean
  viewport?: { width: number; height: number }
  /** Keep the page open after the test (for pages a `beforeAll` opens). */
  keep?: boolean
}

/**
 * One server, seeded with report data and hostile names, and one browser, shared by every test of
 * the evidence pages (evidence-browser.test.ts): the fields are set by the `beforeAll` that
 * {@link useEvidenceConsole} registers.
 */
export interface EvidenceConsole {
  readonly server: DashboardServer
  readonly browser: TestBrowser
  readonly ingestKey: string
  readonly ids: SeededIds
  /** A page in a fresh context, closed after the test unless `keep`. */
  openPage(options?: PageOptions): Promise<Page>
  /** Signs `page` in with an API key (the admin's by default). */
  signIn(page: Page, key?: string): Promise<void>
  /** Waits for the proof box at `selector` to finish and returns its `data-state`. */
  proofState(page: Page, selector: string): Promise<string>
}

/** Registers the shared server and browser in the current `describe` and returns them. */
export function useEvidenceConsole(): EvidenceConsole {
  let server: DashboardServer
  let browser: TestBrowser
  let ingestKey: string
  let ids: SeededIds
  // Pages closed after each test, so the shared browser does not carry earlier tests' pages.
  const testPages: Page[] = []

  async function openPage(options: PageOptions = {}): Promise<Page> {
    const page = await browser.openPage({
      ...(options.bypassCSP === true ? { bypassCSP: true } : {}),
      viewport: options.viewport ?? VIEWPORTS.laptop,
    })
    if (options.keep !== true) testPages.push(page)
    return page
  }

  async function signIn(page: Page, key = server.adminKey): Promise<void> {
    await page.goto(`${server.url}/dashboard/login`)
    await page.fill('#api_key', key)
    await Promise.all([
      page.waitForURL(`${server.url}/dashboard`),
      page.click('#api-key-form button[type=submit]'),
    ])
  }

  async function proofState(page: Page, selector: string): Promise<string> {
    const box = page.locator(selector)
    await expect.poll(async () => box.getAttribute('data-state'), { timeout: 30_000 }).not.toBe('pending')
    return (await box.getAttribute('data-state')) ?? ''
  }

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startDashboardServer(), launchTestBrowser()])
    ingestKey = (await server.createKey('ingest', 'agent-key')).key
    const approverKey = (await server.createKey('approver', 'approver-key')).key
    await seedReportData({ api: server.api, workspaceId: server.workspaceId, ingestKey, approverKey })
    const base = `/workspaces/${server.workspaceId}/governance`
    const hostile = await server.api(ingestKey, 'POST', `${base}/attestations/external`, {
      ...attestation({ tool_name: XSS, system_name: XSS, agent_name: XSS, model_id: XSS }),
      authorised_by: { identity: XSS },
      note: `</pre><script>alert(1)</script>`,
    })
    expect(hostile.status).toBe(201)
    const oversight = await server.api(ingestKey, 'POST', `${base}/grc/evidence`, {
      record_type: 'human_oversight',
      system_name: XSS,
      identity: XSS,
      payload: {
        decision_id: XSS,
        ai_recommendation: XSS,
        human_decision: 'approve',
        reviewer: XSS,
        override: false,
      },
    })
    expect(oversight.status).toBe(201)
    const guard = await server.api(ingestKey, 'POST', `/workspaces/${server.workspaceId}/guard/events`, {
      events: [{ ts: Date.now(), call: XSS, pid: 1, call_site: XSS, system_name: XSS }],
    })
    expect(guard.status).toBe(201)
    // A central policy, for its page.
    const policy = await server.api(
      server.adminKey,
      'POST',
      `/workspaces/${server.workspaceId}/policies/support/versions`,
      { source: 'version: 1\ndefaults:\n  ingress: { action: redact }\ndeny_tools: [shell.exec]\n' },
    )
    expect(policy.status).toBe(201)
    // A request waiting for a person, so the approvals queue has something to show.
    const pending = await server.api(ingestKey, 'POST', `${base}/approvals`, {
      action_type: 'payments.refund',
      context: { order: 'A-1042', amount_eur: 240 },
      description: 'Refund order A-1042 (damaged in transit)',
      system_name: 'support-bot',
      agent_name: 'triage',
    })
    expect(pending.status).toBe(201)
    const covering = (oversight.json.mapped_controls as string[]).find((id) => id.startsWith('eu_ai_act:'))
    expect(covering).toBeDefined()
    ids = {
      attestationId: hostile.json.attestation_id ?? hostile.json.id,
      evidenceId: oversight.json.record_id,
      controlId: covering as string,
    }
    expect(ids.attestationId).toEqual(expect.any(String))
  }, 120_000)

  afterEach(async () => {
    for (const page of testPages.splice(0))
      await page
        .context()
        .close()
        .catch(() => {})
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  return {
    get server() {
      return server
    },
    get browser() {
      return browser
    },
    get ingestKey() {
      return ingestKey
    },
    get ids() {
      return ids
    },
    openPage,
    signIn,
    proofState,
  }
}
