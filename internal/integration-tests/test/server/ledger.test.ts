import {
  bytesToHex,
  leafHash,
  rootFromLeafHashes,
  type SignedTreeHead,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifySignedTreeHead,
} from '@mima/core'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './helpers'

const attestation = (index: number) => ({
  system_name: 'ledger-test',
  agent_name: 'ledger-test',
  tool_name: `tool-${index}`,
  input_hash: '',
  output_hash: '',
  schema_version: 2,
})

describe.each(BACKENDS)('the Merkle ledger on %s', (backend) => {
  let server: TestServer
  let api: ReturnType<typeof client>
  let ledger: string
  let publicKey: string
  const recordIds: string[] = []

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    api = client(server.baseUrl, await server.createKey('ingest'))
    ledger = `/api/workspaces/${server.workspaceId}/ledger`
    publicKey = (await client(server.baseUrl).get('/api/ledger/public-key')).json.public_key
    // Uneven batch sizes exercise every frontier shape across commits.
    let next = 0
    for (const size of [1, 2, 5, 1, 8, 3, 13, 1, 4]) {
      const records = Array.from({ length: size }, () => attestation(next++))
      const response = await api.post(`/api/workspaces/${server.workspaceId}/governance/attestations/batch`, {
        records,
      })
      recordIds.push(
        ...response.json.results.map((result: { attestation_id: string }) => result.attestation_id),
      )
    }
  })
  afterAll(async () => {
    await server?.close()
  })

  const head = async (size?: number): Promise<SignedTreeHead> =>
    (await api.get(`${ledger}/tree-head${size === undefined ? '' : `?tree_size=${size}`}`)).json

  it('signs tree heads with the published server key', async () => {
    const current = await head()
    // bootstrap admin key + the test's ingest key are key events; then every attestation
    expect(current.tree_size).toBe(recordIds.length + 2)
    expect(current.public_key).toBe(publicKey)
    expect(await verifySignedTreeHead(current, publicKey)).toBe(true)
    expect(await verifySignedTreeHead({ ...current, tree_size: current.tree_size - 1 }, publicKey)).toBe(
      false,
    )
    expect(await verifySignedTreeHead({ ...current, root_hash: '0'.repeat(64) }, publicKey)).toBe(false)
  })

  it('serves an inclusion proof for every leaf that verifies client-side', async () => {
    const current = await head()
    for (let index = 0; index < current.tree_size; index += 1) {
      const proof = (await api.get(`${ledger}/proofs/inclusion?leaf_index=${index}`)).json
      expect(proof.tree_size).toBe(current.tree_size)
      const input = {
        leafHash: proof.leaf_hash,
        leafIndex: index,
        treeSize: proof.tree_size,
        proof: proof.inclusion_path,
        rootHash: current.root_hash,
      }
      expect(verifyInclusionProof(input)).toBe(true)
      expect(verifyInclusionProof({ ...input, leafIndex: (index + 1) % current.tree_size })).toBe(false)
    }
  })

  it('finds proofs by record id, for earlier tree sizes too', async () => {
    const recordId = recordIds[10] as string
    const earlier = await head(20)
    expect(await verifySignedTreeHead(earlier, publicKey)).toBe(true)
    const proof = (await api.get(`${ledger}/proofs/inclusion?record_id=${recordId}&tree_size=20`)).json
    expect(proof.leaf_index).toBe(12)
    expect(
      verifyInclusionProof({
        leafHash: proof.leaf_hash,
        leafIndex: 12,
        treeSize: 20,
        proof: proof.inclusion_path,
        rootHash: earlier.root_hash,
      }),
    ).toBe(true)
    const leaf = (await api.get(`${ledger}/leaves/12`)).json
    expect(leaf.record_id).toBe(recordId)
    expect(bytesToHex(leafHash(leaf.leaf_data))).toBe(leaf.leaf_hash)
  })

  it('finds key events by record id too', async () => {
    const keyId = (await api.get('/api/me')).json.key_id as string
    const proof = (await api.get(`${ledger}/proofs/inclusion?record_id=${keyId}`)).json
    const leaf = (await api.get(`${ledger}/leaves/${proof.leaf_index}`)).json
    expect(leaf).toMatchObject({ kind: 'key_event', record_id: keyId })
    const current = await head()
    expect(
      verifyInclusionProof({
        leafHash: proof.leaf_hash,
        leafIndex: proof.leaf_index,
        treeSize: proof.tree_size,
        proof: proof.inclusion_path,
        rootHash: current.root_hash,
      }),
    ).toBe(true)
  })

  it('serves consistency proofs between any two sizes', async () => {
    const current = await head()
    const sizes = [1, 2, 3, 4, 7, 8, 9, 16, 21, current.tree_size]
    const heads = new Map<number, SignedTreeHead>()
    for (const size of sizes) heads.set(size, await head(size))
    for (const first of sizes) {
      for (const second of sizes) {
        if (first > second) continue
        const proof = (await api.get(`${ledger}/proofs/consistency?first=${first}&second=${second}`)).json
        const input = {
          firstSize: first,
          secondSize: second,
          firstRootHash: heads.get(first)?.root_hash as string,
          secondRootHash: heads.get(second)?.root_hash as string,
          proof: proof.consistency_path,
        }
        expect(verifyConsistencyProof(input), `${first}→${second}`).toBe(true)
      }
    }
  })

  it('recomputes the signed root from all leaves, page by page', async () => {
    const current = await head()
    async function* leaves() {
      let from: number | null = 0
      while (from !== null) {
        const page: { leaves: Array<{ leaf_hash: string; leaf_data: string }>; next_from: number | null } = (
          await api.get(`${ledger}/leaves?from=${from}&limit=7`)
        ).json
        for (const leaf of page.leaves) {
          expect(bytesToHex(leafHash(leaf.leaf_data))).toBe(leaf.leaf_hash)
          yield leaf.leaf_hash
        }
        from = page.next_from
      }
    }
    const { treeSize, rootHash } = await rootFromLeafHashes(leaves())
    expect(treeSize).toBe(current.tree_size)
    expect(bytesToHex(rootHash)).toBe(current.root_hash)
  })

  it('serves compact leaf-hash pages that recompute the same root', async () => {
    const current = await head()
    const hashes: string[] = []
    let from: number | null = 0
    while (from !== null) {
      const page: { count: number; leaf_hashes: string; next_from: number | null } = (
        await api.get(`${ledger}/leaf-hashes?from=${from}&limit=10`)
      ).json
      expect(page.leaf_hashes).toHaveLength(64 * page.count)
      for (let index = 0; index < page.count; index += 1)
        hashes.push(page.leaf_hashes.slice(index * 64, index * 64 + 64))
      from = page.next_from
    }
    const leaf5 = (await api.get(`${ledger}/leaves/5`)).json
    expect(hashes[5]).toBe(leaf5.leaf_hash)
    const { treeSize, rootHash } = await rootFromLeafHashes(hashes)
    expect(treeSize).toBe(current.tree_size)
    expect(bytesToHex(rootHash)).toBe(current.root_hash)
    expect((await api.get(`${ledger}/leaf-hashes?limit=100001`)).status).toBe(422)
  })

  it('answers bad proof requests with 4xx', async () => {
    const current = await head()
    const cases: Array<[string, number]> = [
      [`${ledger}/proofs/inclusion`, 422],
      [`${ledger}/proofs/inclusion?leaf_index=${current.tree_size}`, 404],
      [`${ledger}/proofs/inclusion?record_id=nope`, 404],
      [`${ledger}/proofs/inclusion?leaf_index=1&tree_size=${current.tree_size + 1}`, 422],
      [`${ledger}/proofs/consistency`, 422],
      [`${ledger}/proofs/consistency?first=5&second=3`, 422],
      [`${ledger}/tree-head?tree_size=abc`, 422],
      [`${ledger}/leaves/999999`, 404],
      [`${ledger}/leaves?limit=100000`, 422],
    ]
    for (const [path, status] of cases) {
      const response = await api.get(path)
      expect(response.status, path).toBe(status)
      expect(response.json.error.code).toBeTypeOf('string')
    }
  })
})
