import { execFileSync } from 'node:child_process'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  bytesToHex,
  hashValue,
  leafHash,
  rootFromLeafHashes,
  type SignedTreeHead,
  verifyInclusionProof,
  verifySignedTreeHead,
} from '@mima/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readStoredZip } from '../../src/audit-pack/zip-writer'
import { BACKENDS, startTestServer, type TestServer } from './webhook-fixture'

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex')
const lines = (data: Buffer | undefined): Record<string, unknown>[] =>
  (data?.toString('utf8') ?? '')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

/** Ed25519 signature check with a raw 32-byte hex public key (node:crypto, no other library). */
function verifyEd25519(publicKeyHex: string, message: Uint8Array, signatureHex: string): boolean {
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  })
  return verify(null, message, key, Buffer.from(signatureHex, 'hex'))
}

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe.each(BACKENDS)('audit pack over HTTP (%s)', (backend) => {
  let server: TestServer
  let ingestKey: string
  let publicKey: string
  let archive: Buffer
  let headers: Headers
  let files: Map<string, Buffer>
  const evidenceIds: string[] = []

  beforeAll(async () => {
    server = await startTestServer(backend)
    ingestKey = await server.createKey('ingest')
    const ws = `/workspaces/${server.workspaceId}`
    for (const [index, identity] of [
      'alice@example.com',
      '=HYPERLINK("http://x")',
      'bob, the reviewer',
    ].entries()) {
      const response = await server.api(ingestKey, 'POST', `${ws}/governance/grc/evidence`, {
        record_type: 'human_oversight',
        system_name: 'support-bot',
        identity,
        payload: {
          decision_id: `d-${index}`,
          ai_recommendation: 'refund',
          human_decision: 'refund',
          reviewer: identity,
          override: false,
        },
      })
      expect(response.status, JSON.stringify(response.json)).toBe(201)
      evidenceIds.push(response.json.record_id)
    }
    const approval = await server.api(ingestKey, 'POST', `${ws}/governance/approvals`, {
      action_type: 'deploy',
    })
    const approvalId = approval.json.approval_id ?? approval.json.id
    expect(
      (
        await server.api(server.adminKey, 'POST', `${ws}/governance/approvals/${approvalId}/decide`, {
          decision: 'reject',
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await server.api(server.adminKey, 'PUT', `${ws}/governance/grc/gates`, {
          framework: 'eu_ai_act',
          mode: 'required',
        })
      ).status,
    ).toBe(200)
    publicKey = (await server.api(server.adminKey, 'GET', '/ledger/public-key')).json.public_key

    const response = await fetch(`${server.url}/workspaces/${server.workspaceId}/governance/audit-pack`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    })
    expect(response.status).toBe(200)
    headers = response.headers
    archive = Buffer.from(await response.arrayBuffer())
    files = readStoredZip(archive)
  })

  afterAll(async () => {
    await server?.close()
  })

  it('answers a ZIP with the headers the Python CLI reads; ingest keys get 403', async () => {
    expect(headers.get('content-type')).toBe('application/zip')
    expect(headers.get('content-disposition')).toMatch(/attachment; filename="mima-audit-pack-.*\.zip"/)
    expect(archive.subarray(0, 4).toString('hex')).toBe('504b0304')
    expect(headers.get('x-bundle-hash')).toMatch(/^[0-9a-f]{64}$/)
    expect(headers.get('x-pack-sig')).toMatch(/^[0-9a-f]{128}$/)
    expect(headers.get('x-pack-public-key')).toBe(publicKey)
    const head = JSON.parse(files.get('tree-head.json')?.toString('utf8') ?? '{}') as SignedTreeHead
    expect(Number(headers.get('x-record-count'))).toBe(head.tree_size)
    // 3 evidence records, the approval decision and the gate change are ledger leaves.
    expect(head.tree_size).toBeGreaterThanOrEqual(5)

    const refused = await server.api(
      ingestKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/audit-pack`,
    )
    expect(refused.status).toBe(403)
    expect((await server.api(server.adminKey, 'GET', '/workspaces/nope/governance/audit-pack')).status).toBe(
      404,
    )
  })

  it('holds the required files, each matching manifest.json, and a manifest signed by the ledger key', () => {
    for (const name of [
      'summary.json',
      'evidence.csv',
      'gates.json',
      'manifest.json',
      'manifest.sig.json',
      'tree-head.json',
      'leaves.jsonl',
      'proofs.json',
    ]) {
      expect(files.has(name), name).toBe(true)
    }
    const manifestBytes = files.get('manifest.json') as Buffer
    const manifest = JSON.parse(manifestBytes.toString('utf8'))
    expect(Object.keys(manifest.files).sort()).toEqual(
      [...files.keys()].filter((name) => name !== 'manifest.json' && name !== 'manifest.sig.json').sort(),
    )
    for (const [name, hash] of Object.entries(manifest.files))
      expect(sha256(files.get(name) as Buffer), name).toBe(hash)

    expect(sha256(manifestBytes)).toBe(headers.get('x-bundle-hash'))
    const signature = headers.get('x-pack-sig') as string
    expect(verifyEd25519(publicKey, manifestBytes, signature)).toBe(true)
    const tampered = Buffer.from(manifestBytes.toString('utf8').replace('"tree_size"', '"tree_size" '))
    expect(verifyEd25519(publicKey, tampered, signature)).toBe(false)
    const sig = JSON.parse(files.get('manifest.sig.json')?.toString('utf8') ?? '{}')
    expect(sig).toMatchObject({
      algorithm: 'ed25519',
      public_key: publicKey,
      signature,
      bundle_hash: sha256(manifestBytes),
    })
  })

  it("verifies offline: signed tree head, leaf hashes, root, and every record's inclusion proof", async () => {
    const head = JSON.parse(files.get('tree-head.json')?.toString('utf8') ?? '{}') as SignedTreeHead
    expect(await verifySignedTreeHead(head, publicKey)).toBe(true)
    expect(await verifySignedTreeHead({ ...head, tree_size: head.tree_size - 1 }, publicKey)).toBe(false)

    const leaves = lines(files.get('leaves.jsonl'))
    expect(leaves).toHaveLength(head.tree_size)
    leaves.forEach((leaf, index) => {
      expect(leaf.leaf_index).toBe(index)
      expect(bytesToHex(leafHash(leaf.leaf_data as string))).toBe(leaf.leaf_hash)
    })
    const { treeSize, rootHash } = await rootFromLeafHashes(leaves.map((leaf) => leaf.leaf_hash as string))
    expect(treeSize).toBe(head.tree_size)
    expect(bytesToHex(rootHash)).toBe(head.root_hash)

    const proofs = JSON.parse(files.get('proofs.json')?.toString('utf8') ?? '[]') as Record<string, unknown>[]
    expect(proofs).toHaveLength(head.tree_size)
    for (const proof of proofs) {
      const input = {
        leafHash: proof.leaf_hash as string,
        leafIndex: proof.leaf_index as number,
        treeSize: proof.tree_size as number,
        proof: proof.inclusion_path as string[],
        rootHash: head.root_hash,
      }
      expect(verifyInclusionProof(input), `leaf ${input.leafIndex}`).toBe(true)
      expect(verifyInclusionProof({ ...input, leafHash: sha256('forged') })).toBe(false)
    }

    // Each evidence record sits at its leaf, whose data names it and commits to the record's hash.
    const evidence = JSON.parse(files.get('evidence.json')?.toString('utf8') ?? '[]') as Record<
      string,
      unknown
    >[]
    expect(evidence.map((record) => record.record_id).sort()).toEqual([...evidenceIds].sort())
    for (const record of evidence) {
      const leaf = leaves[record.leaf_index as number] as Record<string, unknown>
      expect(leaf).toMatchObject({ record_id: record.record_id, kind: 'evidence' })
      const leafData = JSON.parse(leaf.leaf_data as string) as { record_hash: string }
      expect(record.record).toMatchObject({ record_type: record.record_type })
      expect(hashValue(record.record)).toBe(leafData.record_hash)
    }
  })

  it('summarises, lists evidence as CSV (formula-safe) and includes gates', () => {
    const summary = JSON.parse(files.get('summary.json')?.toString('utf8') ?? '{}')
    expect(summary).toMatchObject({
      format: 'mima-audit-pack/1',
      workspace_id: server.workspaceId,
      evidence: { total: 3, last_12_months: 3, by_record_type: { human_oversight: 3 } },
    })
    const csv = files.get('evidence.csv')?.toString('utf8') ?? ''
    const rows = csv.split('\r\n').filter((line) => line !== '')
    expect(rows[0]).toMatch(/^record_id,record_type,system_name,identity,/)
    expect(rows).toHaveLength(4)
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`)
    expect(csv).toContain('"bob, the reviewer"')
    const gates = JSON.parse(files.get('gates.json')?.toString('utf8') ?? '{}')
    expect(gates.policies).toEqual([expect.objectContaining({ framework: 'eu_ai_act', mode: 'required' })])
    expect(typeof gates.check.passed).toBe('boolean')
  })

  it('carries the Article 12 report (JSON and Markdown) and a summary report per system', () => {
    const article12 = JSON.parse(files.get('report-article12.json')?.toString('utf8') ?? '{}')
    expect(article12).toMatchObject({ report_type: 'article12', chain_integrity_status: 'verified' })
    expect(article12.sections).toHaveLength(7)
    const oversight = article12.sections.find((section: { id: string }) => section.id === 'human_oversight')
    expect(oversight.data.human_oversight_records).toBe(3)
    expect(files.get('report-article12.md')?.toString('utf8')).toContain('## 6. Human oversight')
    const summaries = JSON.parse(files.get('report-summaries.json')?.toString('utf8') ?? '[]')
    expect(summaries.length).toBeGreaterThan(0)
    for (const summary of summaries) {
      expect(summary.report_type).toBe('summary')
      expect(summary.filters.system_name).toEqual(expect.any(String))
    }
  })

  it('leaves the proofs out on request (?proofs=false), still signed and verifiable from the leaves', async () => {
    const response = await fetch(
      `${server.url}/api/workspaces/${server.workspaceId}/governance/audit-pack?proofs=false`,
      { headers: { authorization: `Bearer ${server.adminKey}` } },
    )
    expect(response.status).toBe(200)
    const slim = readStoredZip(Buffer.from(await response.arrayBuffer()))
    expect(slim.has('proofs.json')).toBe(false)
    expect(slim.has('leaves.jsonl')).toBe(true)
    const manifestBytes = slim.get('manifest.json') as Buffer
    expect(Object.keys(JSON.parse(manifestBytes.toString('utf8')).files)).not.toContain('proofs.json')
    expect(verifyEd25519(publicKey, manifestBytes, response.headers.get('x-pack-sig') as string)).toBe(true)
    const bad = await server.api(
      server.adminKey,
      'GET',
      `/workspaces/${server.workspaceId}/governance/audit-pack?proofs=maybe`,
    )
    expect(bad.status).toBe(422)
  })

  it.runIf(hasUnzip)('is a valid ZIP for the system unzip', () => {
    const directory = mkdtempSync(join(tmpdir(), 'mima-pack-'))
    try {
      writeFileSync(join(directory, 'pack.zip'), archive)
      expect(execFileSync('unzip', ['-t', join(directory, 'pack.zip')], { encoding: 'utf8' })).toMatch(
        /No errors detected/,
      )
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })
})
