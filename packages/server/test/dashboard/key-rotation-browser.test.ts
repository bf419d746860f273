import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_TIMEOUT, launchTestBrowser, type TestBrowser } from '../browser-kit'
import { attestation, type DashboardServer, startDashboardServer } from './dashboard-fixture'

interface TestKey {
  privateKey: KeyObject
  hex: string
}

function newKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, hex: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex') }
}

/** A handover from `from` to `to`, signed by `signer` (the retiring key, unless forged). */
function handover(from: string, to: string, signer: KeyObject, rotatedAt = '2026-11-01T00:00:00.000Z') {
  const message = `mima-key-rotation/1\n${from}\n${to}\n${rotatedAt}`
  return {
    from,
    to,
    rotated_at: rotatedAt,
    signature: sign(null, Buffer.from(message), signer).toString('hex'),
  }
}

function fingerprintOf(hex: string): string {
  return (
    createHash('sha256')
      .update(Buffer.from(hex, 'hex'))
      .digest('hex')
      .slice(0, 32)
      .match(/.{4}/g)
      ?.join(' ') ?? ''
  )
}

/**
 * The browser's pinned server key follows signed key rotations: from the key it pinned, along
 * handovers each signed (Ed25519, checked with WebCrypto) by the key it retires, to the key the
 * server signs with now; a key change without such a chain is refused and the pin stays.
 */
describe('the pinned server key across key rotations, in headless Chromium', {
  timeout: BROWSER_TEST_TIMEOUT,
}, () => {
  let server: DashboardServer
  let browser: TestBrowser
  let page: Page
  let served: string
  let recordPath: string
  const [retired, middle, stranger] = [newKey(), newKey(), newKey()]
  const pinName = (): string => `mima.pinned-server-key.${server.workspaceId}`

  async function openWithPin(path: string, pin: string, selector: string): Promise<string> {
    // Pin from a same-origin page that verifies nothing: a dashboard page's own verification could
    // otherwise finish after this write and pin the served key over it (trust on first use).
    await page.goto(`${server.url}/api/ledger/public-key`)
    await page.evaluate(
      ([name, key]) => localStorage.setItem(name as string, key as string),
      [pinName(), pin],
    )
    await page.goto(`${server.url}${path}`)
    const box = page.locator(selector)
    await expect.poll(async () => box.getAttribute('data-state'), { timeout: 30_000 }).not.toBe('pending')
    return (await box.getAttribute('data-state')) ?? ''
  }

  const storedPin = (): Promise<string | null> =>
    page.evaluate((name) => localStorage.getItem(name), pinName())

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startDashboardServer(), launchTestBrowser()])
    const ingestKey = (await server.createKey('ingest', 'agent-key')).key
    const pushed = await server.api(
      ingestKey,
      'POST',
      `/workspaces/${server.workspaceId}/governance/attestations/external`,
      attestation(),
    )
    expect(pushed.status).toBe(201)
    recordPath = `/dashboard/attestations/${pushed.json.attestation_id ?? pushed.json.id}`
    served = (await fetch(`${server.url}/api/ledger/public-key`).then((response) => response.json()))
      .public_key as string
    // The server's record of rotations: retired → middle → the key it signs with now (each signed by
    // the key it retires), and a forged handover from `stranger` signed by another key.
    const rotations = [
      handover(retired.hex, middle.hex, retired.privateKey),
      handover(middle.hex, served, middle.privateKey),
      handover(stranger.hex, served, retired.privateKey),
    ]
    await server.server.database.query(
      `insert into server_settings (name, value) values ('ledger_key_rotations', $1)
         on conflict (name) do update set value = excluded.value`,
      [JSON.stringify(rotations)],
    )
    page = await browser.signInWithKey(server.url, server.adminKey)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('serves the signed handovers with the proofs', async () => {
    const proof = await page.evaluate(async (path) => {
      const response = await fetch(path.replace('/dashboard/attestations/', '/dashboard/proofs/attestation/'))
      return response.json()
    }, recordPath)
    expect(proof.server_public_key).toBe(served)
    expect(proof.key_rotations.map((rotation: { from: string }) => rotation.from)).toEqual([
      retired.hex,
      middle.hex,
      stranger.hex,
    ])
  })

  it('follows a chain of signed handovers from the pinned key on a record page and the ledger page', async () => {
    expect(await openWithPin(recordPath, retired.hex, '#proof')).toBe('verified')
    expect(await page.locator('#proof .steps').textContent()).toContain('2 signed handover(s) lead to it')
    expect(await page.locator('#proof .pin-note').textContent()).toContain('along 2 handover(s)')
    expect(await page.locator('#proof .fingerprint').textContent()).toBe(fingerprintOf(served))
    expect(await storedPin()).toBe(served)
    // Now pinned to the current key: no handover step any more.
    await page.reload()
    await expect.poll(() => page.locator('#proof').getAttribute('data-state')).toBe('verified')
    expect(await page.locator('#proof .steps').textContent()).not.toContain('handover')

    expect(await openWithPin('/dashboard/ledger', middle.hex, '#consistency')).toBe('verified')
    expect(await page.locator('#consistency .steps').textContent()).toContain('1 signed handover(s)')
    expect(await storedPin()).toBe(served)
  })

  it('refuses a key change without a chain signed from the pinned key, keeping the pin', async () => {
    // A handover that names the pinned key but is signed by another key.
    expect(await openWithPin(recordPath, stranger.hex, '#proof')).toBe('failed')
    expect(await page.locator('#proof .steps li.fail').first().textContent()).toContain(
      'changed without a handover signed by the key this browser pinned',
    )
    expect(await page.locator('#proof .result').textContent()).toContain('FAILED')
    expect(await page.locator('#proof .fingerprint').textContent()).toBe(fingerprintOf(stranger.hex))
    expect(await storedPin()).toBe(stranger.hex)

    // No handover at all from the pinned key.
    const unknown = newKey().hex
    expect(await openWithPin('/dashboard/ledger', unknown, '#consistency')).toBe('failed')
    expect(await page.locator('#consistency .steps').textContent()).toContain('changed without a handover')
    expect(await storedPin()).toBe(unknown)

    // A handover whose signed text was altered in transit (its date) no longer verifies.
    await page.route('**/dashboard/proofs/**', async (route) => {
      const response = await route.fetch()
      const proof = (await response.json()) as { key_rotations: { rotated_at: string }[] }
      await route.fulfill({
        response,
        json: {
          ...proof,
          key_rotations: proof.key_rotations.map((rotation) => ({
            ...rotation,
            rotated_at: '2026-11-02T00:00:00.000Z',
          })),
        },
      })
    })
    expect(await openWithPin(recordPath, retired.hex, '#proof')).toBe('failed')
    expect(await storedPin()).toBe(retired.hex)
    await page.unroute('**/dashboard/proofs/**')

    // A cycle of valid handovers that never reaches the served key ends (each is used once).
    const cycle = [
      handover(retired.hex, middle.hex, retired.privateKey),
      handover(middle.hex, retired.hex, middle.privateKey),
    ]
    const chainLength = (pinned: string, rotations: unknown[]) =>
      page.evaluate(
        ([from, to, list]) =>
          (
            window as unknown as {
              MimaProofs: { rotationChain(a: unknown, b: unknown, c: unknown): Promise<number | null> }
            }
          ).MimaProofs.rotationChain(from, to, list),
        [pinned, served, rotations] as const,
      )
    expect(await chainLength(retired.hex, cycle)).toBeNull()
    expect(await chainLength(retired.hex, [...cycle, handover(middle.hex, served, middle.privateKey)])).toBe(
      2,
    )
    // Not a list, or junk entries: no chain.
    expect(await chainLength(retired.hex, [null, 'x', { from: retired.hex }] as unknown[])).toBeNull()
    expect(browser.pageErrors).toEqual([])
  })
})
