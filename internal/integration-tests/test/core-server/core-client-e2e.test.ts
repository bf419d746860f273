import { createHmac } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  bytesToHex,
  createMima,
  grcSigningMessage,
  hashValue,
  leafHash,
  type Mima,
  rootFromLeafHashes,
  type SignedTreeHead,
  verifyAttestationSignature,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifySignedTreeHead,
} from '@mima/core'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BACKENDS: Array<'pglite' | 'postgres'> =
  testDatabaseUrl() === undefined ? ['pglite'] : ['pglite', 'postgres']
const SIGNING_SEED = 'a1'.repeat(32)
const HMAC_KEY = 'e2e-hmac-key-for-grc-records'

describe.each(BACKENDS)('@mima/core client against @mima/server (%s)', (backend) => {
  let server: TestServer
  let mima: Mima
  let apiKey: string
  let pinnedServerKey: string

  const get = async (path: string) => {
    const response = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    expect(response.status, path).toBe(200)
    // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
    return response.json() as Promise<any>
  }

  /** Fetches an inclusion proof for a record and verifies it against a verified signed tree head. */
  const proveIncluded = async (recordId: string, head: SignedTreeHead) => {
    const proof = await get(`/ledger/proofs/inclusion?record_id=${recordId}&tree_size=${head.tree_size}`)
    const leaf = await get(`/ledger/leaves/${proof.leaf_index}`)
    expect(bytesToHex(leafHash(leaf.leaf_data))).toBe(proof.leaf_hash)
    expect(JSON.parse(leaf.leaf_data).record_id).toBe(recordId)
    expect(
      verifyInclusionProof({
        leafHash: proof.leaf_hash,
        leafIndex: proof.leaf_index,
        treeSize: head.tree_size,
        proof: proof.inclusion_path,
        rootHash: head.root_hash,
      }),
    ).toBe(true)
    return JSON.parse(leaf.leaf_data) as { record_hash: string; kind: string }
  }

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    apiKey = await server.createKey('ingest')
    // The auditor pins the server's ledger key out of band.
    pinnedServerKey = (
      (await (await fetch(`${server.baseUrl}/api/ledger/public-key`)).json()) as { public_key: string }
    ).public_key
    // The workspace admin registers the HMAC key so client_sig is checked.
    const registered = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/grc/signing-key`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: HMAC_KEY }),
      },
    )
    expect(registered.status).toBe(200)
    mima = createMima({
      apiKey,
      baseUrl: `${server.baseUrl}/api`,
      systemName: 'e2e-system',
      signingKey: SIGNING_SEED,
      hmacKey: HMAC_KEY,
      onError: 'raise',
      flushOnExit: false,
      outbox: { directory: join(tmpdir(), `mima-e2e-${backend}-${process.pid}`) },
    })
  })
  afterAll(async () => {
    await mima?.close()
    await server?.close()
  })

  it('attests, batches and pushes evidence, then proves every record is in the signed ledger', async () => {
    expect(await mima.workspaceId()).toBe(server.workspaceId)

    const classify = mima.attest(
      { toolName: 'classify', modelId: 'gpt-test' },
      async (text: string) => `label:${text}`,
    )
    expect(await classify('hello')).toBe('label:hello')
    const pushed = await mima.push('refund', hashValue({ order: 1 }), hashValue({ ok: true }))
    expect(pushed).toMatchObject({ status: 'sent', trustTier: 'verified', externalVerified: true })

    const batch = mima.batch()
    for (let index = 0; index < 5; index += 1) batch.add('score', { input: { index }, output: index * 2 })
    const summary = await batch.send()
    expect(summary).toMatchObject({ sent: 5, rejected: 0, pending: 0 })

    const evidence = await mima.pushEvidence({
      record_type: 'model_evaluation',
      payload: {
        model_id: 'gpt-test',
        dataset: 'holdout',
        accuracy: 0.93,
        evaluated_by: 'qa',
        evaluation_type: 'quarterly',
      },
      system_name: 'e2e-system',
    })
    expect(evidence.recordId).toMatch(/^[0-9a-f-]{36}$/)
    expect(evidence.mappedControls.length).toBeGreaterThan(0)
    await mima.flush()

    // Everything the client sent is on the server, signed by the client and verified by the server.
    // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
    const listed: Array<Record<string, any>> = (
      await get('/governance/attestations?system_name=e2e-system&limit=100')
    ).attestations
    expect(listed).toHaveLength(7)
    for (const attestation of listed) {
      expect(attestation.trust_tier).toBe('verified')
      expect(verifyAttestationSignature(attestation.record)).toBe('valid')
    }
    const classifyRecord = listed.find((attestation) => attestation.tool_name === 'classify')
    expect(classifyRecord?.input_hash).toBe(hashValue(['hello']))
    expect(classifyRecord?.output_hash).toBe(hashValue('label:hello'))
    const storedEvidence = await get(`/governance/grc/evidence/${evidence.recordId}`)
    expect(storedEvidence.client_sig_status).toBe('verified')

    // The auditor's side: a signed head under the pinned key, then an inclusion proof per record
    // whose leaf commits to the exact record the client sent.
    const head: SignedTreeHead = await get('/ledger/tree-head')
    expect(await verifySignedTreeHead(head, pinnedServerKey)).toBe(true)
    for (const attestation of listed) {
      const leaf = await proveIncluded(attestation.attestation_id, head)
      expect(leaf).toMatchObject({ kind: 'attestation', record_hash: hashValue(attestation.record) })
    }
    expect((await proveIncluded(evidence.recordId, head)).kind).toBe('evidence')

    // Later appends extend the same tree: a consistency proof links the old head to the new one.
    await mima.push('refund', hashValue({ order: 2 }), '')
    const later: SignedTreeHead = await get('/ledger/tree-head')
    expect(await verifySignedTreeHead(later, pinnedServerKey)).toBe(true)
    expect(later.tree_size).toBe(head.tree_size + 1)
    const consistency = await get(
      `/ledger/proofs/consistency?first=${head.tree_size}&second=${later.tree_size}`,
    )
    expect(
      verifyConsistencyProof({
        firstSize: head.tree_size,
        secondSize: later.tree_size,
        firstRootHash: head.root_hash,
        secondRootHash: later.root_hash,
        proof: consistency.consistency_path,
      }),
    ).toBe(true)

    // Full verification: recompute the root from every leaf.
    const leaves = await get(`/ledger/leaves?from=0&limit=10000`)
    const { treeSize, rootHash } = await rootFromLeafHashes(
      leaves.leaves.map((leaf: { leaf_hash: string }) => leaf.leaf_hash),
    )
    expect(treeSize).toBe(later.tree_size)
    expect(bytesToHex(rootHash)).toBe(later.root_hash)
  })

  it('accepts a GRC record the Python SDK signed before resolving its workspace ("workspace_id": null)', async () => {
    const record = {
      record_type: 'access_review',
      payload: {
        user: 'alice@example.com',
        resource: 'prod-db',
        granted: true,
        reviewed_by: 'bob@example.com',
      },
      system_name: 'e2e-python-system',
      occurred_at: '2026-06-20T12:00:00+00:00',
    }
    const post = (clientSig: string) =>
      fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/grc/evidence`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...record, client_sig: clientSig, client_sig_algo: 'hmac-sha256' }),
      })
    // HMAC over the message with "workspace_id":null, exactly as Python's first record carries it.
    const nullSigned = createHmac('sha256', HMAC_KEY).update(grcSigningMessage(record, null)).digest('hex')
    expect(grcSigningMessage(record, null)).toContain('"workspace_id":null')
    const accepted = await post(nullSigned)
    expect(accepted.status).toBe(201)
    // Still bound to the key: the same message under another key is refused.
    const otherKey = createHmac('sha256', 'not-the-workspace-key')
      .update(grcSigningMessage(record, null))
      .digest('hex')
    const refused = await post(otherKey)
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('signature_invalid')
  })
})
