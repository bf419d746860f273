import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  bytesToHex,
  canonicalJson,
  leafHash,
  nodeHash,
  verifyConsistencyProof,
  verifyInclusionProof,
} from '@mima/core'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { inclusionPathsOf } from '../../src/audit-pack/audit-pack'
import { launchTestBrowser, type TestBrowser } from '../browser-kit'
import { seedReportData, XSS } from '../reports/report-fixture'
import { horizontalOverflow, seriousAxeViolations } from './axe-check'
import { attestation, type DashboardServer, startDashboardServer } from './dashboard-fixture'
import { DASHBOARD_PAGES, type SeededIds } from './dashboard-pages'

// Test artifacts (gitignored): every main page at laptop and phone widths.
const SCREENSHOTS = join(import.meta.dirname, '..', '..', '..', '..', '.test-results', 'screenshots')
// Each test walks several pages; on a loaded CI machine one step can take seconds (each step
// gets 45 s: see browser-kit.ts).
const TEST_TIMEOUT = 180_000
const VIEWPORTS = { laptop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const

describe('console evidence pages in headless Chromium', { timeout: TEST_TIMEOUT }, () => {
  let server: DashboardServer
  let browser: TestBrowser
  let ingestKey: string
  let ids: SeededIds
  // Pages closed after each test, so the shared browser does not carry earlier tests' pages.
  const testPages: Page[] = []

  async function openPage(
    options: { bypassCSP?: boolean; viewport?: { width: number; height: number }; keep?: boolean } = {},
  ): Promise<Page> {
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

  it('drills down from a framework to a control to a record whose proof the page verifies', async () => {
    const page = await openPage()
    await signIn(page)
    await page.goto(`${server.url}/dashboard/readiness`)
    expect(await page.locator('#frameworks [data-framework]').count()).toBe(5)
    expect(await page.locator('svg#readiness-over-time polyline').count()).toBeGreaterThan(1)
    await page.click('[data-framework="eu_ai_act"] a.name')
    expect(new URL(page.url()).pathname).toBe('/dashboard/readiness/eu_ai_act')
    expect(await page.locator('#quickest-wins li').count()).toBeGreaterThan(0)
    const row = page.locator(`#controls tr[data-control="${ids.controlId}"]`)
    expect(await row.getAttribute('data-status')).toBe('covered')
    await row.locator('a').click()
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(
      `/dashboard/readiness/eu_ai_act/controls/${ids.controlId}`,
    )
    await page.click(`#covering-records tr[data-record-id="${ids.evidenceId}"] a`)
    expect(new URL(page.url()).pathname).toBe(`/dashboard/evidence/${ids.evidenceId}`)
    expect(await proofState(page, '#proof')).toBe('verified')
    expect(await page.locator('#proof .result').textContent()).toBe('Verified in your browser')
    expect(await page.locator('#proof .steps li.fail').count()).toBe(0)
    expect(await page.locator('#proof .steps li').count()).toBe(5)
    expect(await page.locator('#proof .fingerprint').textContent()).toMatch(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/)
    expect(await page.locator('#mapped-controls').textContent()).toContain(ids.controlId)

    // A system's page shows each framework as the readiness page does, scoped to the system.
    await page.goto(`${server.url}/dashboard/systems/support-bot`)
    const systemRow = page.locator('#system-readiness [data-framework="eu_ai_act"]')
    expect(await systemRow.locator('a.name').getAttribute('href')).toBe(
      '/dashboard/readiness/eu_ai_act?system=support-bot',
    )
    expect(await systemRow.locator('.figures').textContent()).toMatch(/^\d+% · \d+\/\d+$/)
    await Promise.all([
      page.waitForURL(`${server.url}/dashboard/readiness/eu_ai_act?system=support-bot`),
      systemRow.locator('a.name').click(),
    ])
    expect(await page.locator(`#controls tr[data-control="${ids.controlId}"]`).count()).toBe(1)

    // An uncovered control says which record would cover it.
    await page.goto(`${server.url}/dashboard/readiness/eu_ai_act/controls/eu_ai_act%3Aart_73`)
    expect(await page.locator('#control-status').textContent()).toBe('Uncovered')
    expect(await page.locator('#how-to-cover [data-record-type="incident_report"]').count()).toBe(1)
  })

  it('shows the proof failing when the served proof is altered', async () => {
    const page = await openPage()
    await signIn(page)
    for (const [name, alter] of [
      [
        'inclusion path',
        (proof: Record<string, unknown>) => ({
          ...proof,
          inclusion_path: (proof.inclusion_path as string[]).map((hash, index) =>
            index === 0 ? `${hash.slice(0, 63)}${hash.endsWith('0') ? '1' : '0'}` : hash,
          ),
        }),
      ],
      [
        'record',
        (proof: Record<string, unknown>) => ({
          ...proof,
          record: { ...(proof.record as object), tool_name: 'edited' },
        }),
      ],
      [
        'signed root',
        (proof: Record<string, unknown>) => ({
          ...proof,
          tree_head: { ...(proof.tree_head as object), tree_size: 1 },
        }),
      ],
    ] as const) {
      await page.unroute('**/dashboard/proofs/**')
      await page.route('**/dashboard/proofs/**', async (route) => {
        const response = await route.fetch()
        const proof = (await response.json()) as Record<string, unknown>
        await route.fulfill({ response, json: alter(proof) })
      })
      await page.goto(`${server.url}/dashboard/attestations/${ids.attestationId}`)
      expect(await proofState(page, '#proof'), name).toBe('failed')
      expect(await page.locator('#proof .result').textContent()).toContain('FAILED')
      expect(await page.locator('#proof .steps li.fail').count(), name).toBeGreaterThan(0)
    }
    await page.unroute('**/dashboard/proofs/**')
    await page.goto(`${server.url}/dashboard/attestations/${ids.attestationId}`)
    expect(await proofState(page, '#proof')).toBe('verified')
  })

  it('agrees with the @mima/core verifier on inclusion and consistency proofs and canonical JSON', async () => {
    const page = await openPage()
    await signIn(page)
    await page.goto(`${server.url}/dashboard/evidence/${ids.evidenceId}`)
    await page.waitForFunction(() => 'MimaProofs' in window)
    // RFC 9162 MTH and SUBPROOF, to make consistency proofs for every pair of sizes.
    const leaves = Array.from({ length: 33 }, (_, index) => leafHash(`leaf-${index}`))
    const root = (from: number, to: number): Uint8Array => {
      if (to - from === 1) return leaves[from] as Uint8Array
      let split = 1
      while (split * 2 < to - from) split *= 2
      return nodeHash(root(from, from + split), root(from + split, to))
    }
    const subproof = (m: number, from: number, to: number, complete: boolean): Uint8Array[] => {
      const n = to - from
      if (m === n) return complete ? [] : [root(from, to)]
      let k = 1
      while (k * 2 < n) k *= 2
      return m <= k
        ? [...subproof(m, from, from + k, complete), root(from + k, to)]
        : [...subproof(m - k, from + k, to, false), root(from, from + k)]
    }
    const cases: { first: number; second: number; firstRoot: string; secondRoot: string; proof: string[] }[] =
      []
    for (let second = 1; second <= 20; second++) {
      for (let first = 1; first <= second; first++) {
        const proof = subproof(first, 0, second, true).map(bytesToHex)
        const input = {
          first,
          second,
          firstRoot: bytesToHex(root(0, first)),
          secondRoot: bytesToHex(root(0, second)),
          proof,
        }
        expect(
          verifyConsistencyProof({
            firstSize: first,
            secondSize: second,
            firstRootHash: input.firstRoot,
            secondRootHash: input.secondRoot,
            proof,
          }),
        ).toBe(true)
        cases.push(input)
      }
    }
    const inclusion: { leaf: string; index: number; size: number; path: string[]; root: string }[] = []
    for (let size = 1; size <= 33; size++) {
      const hashes = leaves.slice(0, size).map(bytesToHex)
      const { root: rootHex, paths } = inclusionPathsOf(hashes)
      for (let index = 0; index < size; index++) {
        const path = paths[index] ?? []
        expect(
          verifyInclusionProof({
            leafHash: hashes[index] as string,
            leafIndex: index,
            treeSize: size,
            proof: path,
            rootHash: rootHex,
          }),
        ).toBe(true)
        inclusion.push({ leaf: hashes[index] as string, index, size, path, root: rootHex })
      }
    }
    const results = await page.evaluate(
      async ({ cases, inclusion }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the verifier the page's script exposes
        const proofs = (window as any).MimaProofs
        const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`
        const out = { consistent: 0, inconsistentCaught: 0, included: 0, excludedCaught: 0 }
        for (const item of cases) {
          if (
            await proofs.verifyConsistency(
              item.first,
              item.second,
              item.firstRoot,
              item.secondRoot,
              item.proof,
            )
          )
            out.consistent++
          if (
            !(await proofs.verifyConsistency(
              item.first,
              item.second,
              flip(item.firstRoot),
              item.secondRoot,
              item.proof,
            ))
          )
            out.inconsistentCaught++
        }
        for (const item of inclusion) {
          if (await proofs.verifyInclusion(item.leaf, item.index, item.size, item.path, item.root))
            out.included++
          if (!(await proofs.verifyInclusion(flip(item.leaf), item.index, item.size, item.path, item.root)))
            out.excludedCaught++
        }
        return out
      },
      { cases, inclusion },
    )
    // Equal sizes with a changed first root are inconsistent too, so every case is caught.
    expect(results).toEqual({
      consistent: cases.length,
      inconsistentCaught: cases.length,
      included: inclusion.length,
      excludedCaught: inclusion.length,
    })
    const tricky = { b: [1, 2.5, 1e21, -0, 'é\u2028\u0007'], a: { z: null, y: true, '\u00e9': 'x', A: 1 } }
    expect(
      await page.evaluate(
        (value) =>
          (window as unknown as { MimaProofs: { canonical(value: unknown): string } }).MimaProofs.canonical(
            value,
          ),
        tricky,
      ),
    ).toBe(canonicalJson(tricky))
    expect(
      await page.evaluate(
        (data) =>
          (
            window as unknown as { MimaProofs: { leafHash(data: string): Promise<string> } }
          ).MimaProofs.leafHash(data),
        'leaf-7',
      ),
    ).toBe(bytesToHex(leaves[7] as Uint8Array))
  })

  it('filters attestations and evidence by full text, fields and dates, with cursor pagination', async () => {
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

  it('checks the ledger is consistent with the last head this browser saw', async () => {
    const page = await openPage()
    await signIn(page)
    await page.goto(`${server.url}/dashboard/ledger`)
    expect(await proofState(page, '#consistency')).toBe('verified')
    expect(await page.locator('#consistency .steps').textContent()).toContain(
      'had not seen this ledger before',
    )
    const first = await page.evaluate(() => JSON.stringify(localStorage))
    expect(first).toContain('mima.last-tree-head.')

    const pushed = await server.api(
      ingestKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/attestations/external`,
      attestation(),
    )
    expect(pushed.status).toBe(201)
    await page.reload()
    expect(await proofState(page, '#consistency')).toBe('verified')
    expect(await page.locator('#consistency .steps').textContent()).toContain(
      'Consistent with the head this browser saw last',
    )

    // A remembered head whose root the current tree does not extend: a rewritten history.
    await page.evaluate((workspace) => {
      const name = `mima.last-tree-head.${workspace}`
      const head = JSON.parse(localStorage.getItem(name) ?? '{}')
      localStorage.setItem(
        name,
        JSON.stringify({ ...head, tree_size: head.tree_size - 1, root_hash: 'ab'.repeat(32) }),
      )
    }, server.workspaceId)
    await page.reload()
    expect(await proofState(page, '#consistency')).toBe('failed')
    expect(await page.locator('#consistency .steps').textContent()).toContain('NOT consistent')
  })

  it('builds the Article 12 report in the console and exports it as PDF and HTML', async () => {
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
})
