import {
  bytesToHex,
  canonicalJson,
  leafHash,
  nodeHash,
  verifyConsistencyProof,
  verifyInclusionProof,
} from '@mima/core'
import { expect, it } from 'vitest'
import { inclusionPathsOf } from '../../src/audit-pack/audit-pack'
import { attestation } from './dashboard-fixture'
import type { EvidenceConsole } from './evidence-console'

/** The proofs the evidence pages verify in the browser: records, altered proofs, the ledger's consistency. */
export function proofTests(app: EvidenceConsole): void {
  const { openPage, signIn, proofState } = app

  it('drills down from a framework to a control to a record whose proof the page verifies', async () => {
    const { server, ids } = app
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
    const { server, ids } = app
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
    const { server, ids } = app
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

  it('checks the ledger is consistent with the last head this browser saw', async () => {
    const { server, ingestKey } = app
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
}
