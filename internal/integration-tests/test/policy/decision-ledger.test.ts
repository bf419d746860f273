import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMima, hashValue, type Mima, verifyInclusionProof } from '@mima/core'
import { commitText, createDecisionAttester, createPolicyEngine, type DecisionRecord } from '@mima/policy'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BACKENDS: readonly ('pglite' | 'postgres')[] = testDatabaseUrl() ? ['pglite', 'postgres'] : ['pglite']
const COMMITMENT_KEY = 'workspace-commitment-key-0123456789'

// Policy decisions attested into the signed ledger: the ledger itself proves enforcement.
describe.each(BACKENDS)('policy decisions in the ledger (%s)', (database) => {
  let server: TestServer
  let mima: Mima
  let directory: string

  const get = async (path: string) => {
    const response = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/${path}`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    })
    expect(response.status, path).toBe(200)
    return (await response.json()) as Record<string, unknown>
  }

  beforeAll(async () => {
    server = await startTestServer({ database })
    directory = mkdtempSync(join(tmpdir(), 'mima-decision-ledger-'))
    mima = createMima({
      apiKey: await server.createKey('ingest', 'support-bot'),
      baseUrl: server.baseUrl,
      workspaceId: server.workspaceId,
      systemName: 'support-bot',
      onError: 'raise',
      flushOnExit: false,
      env: {},
      configFile: false,
      outbox: { directory },
    })
  }, 180_000)
  afterAll(async () => {
    await mima?.close()
    await server?.close()
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true })
  })

  it('attests each decision with its rule and commitment, never the text, with an inclusion proof', async () => {
    const records: DecisionRecord[] = []
    const attester = createDecisionAttester(mima)
    const engine = createPolicyEngine({
      policy: { name: 'support', version: 3, deny_tools: ['shell.exec'] },
      evidence: {
        commitmentKey: COMMITMENT_KEY,
        sink: (record) => {
          records.push(record)
          attester.sink(record)
        },
      },
    })
    const secretText = 'refund ada@example.com, card 4111 1111 1111 1111'
    const denied = await engine.precheck({ tool: 'shell.exec', text: 'rm -rf /', agent: 'triage' })
    const redacted = await engine.precheck({ tool: 'model.chat', text: secretText, agent: 'triage' })
    expect([denied.decision, redacted.decision]).toEqual(['deny', 'redact'])
    await new Promise((resolve) => setImmediate(resolve))
    await mima.flush()

    const { attestations } = (await get('governance/attestations?tool_name=policy.ingress&limit=10')) as {
      attestations: Record<string, unknown>[]
    }
    expect(attestations).toHaveLength(2)
    const byDecision = new Map(
      attestations.map((item) => [(item.metadata as { decision: string }).decision, item]),
    )
    const deny = byDecision.get('deny')
    expect(deny?.metadata).toMatchObject({
      policy_id: 'support',
      policy_version: '3',
      rule_id: 'deny_tools',
      tool: 'shell.exec',
      agent: 'triage',
    })
    const redaction = byDecision.get('redact')
    expect(redaction?.metadata).toMatchObject({ decision: 'redact', rule_id: 'defaults.ingress' })
    expect((redaction?.metadata as { detector_kinds?: string[] } | undefined)?.detector_kinds).toEqual(
      expect.arrayContaining(['email', 'credit_card']),
    )
    // The input hash is the HMAC commitment of the checked text; the output hash pins the record.
    expect(redaction?.input_hash).toBe(commitText(COMMITMENT_KEY, secretText).slice('hmac-sha256:'.length))
    const redactRecord = records.find((record) => record.decision === 'redact') as DecisionRecord
    expect(redaction?.output_hash).toBe(hashValue(redactRecord))
    expect(JSON.stringify(attestations)).not.toContain('ada@example.com')
    expect(JSON.stringify(attestations)).not.toContain('4111')

    // Each decision is a leaf of the signed ledger, with an inclusion proof that verifies.
    const id = deny?.attestation_id ?? deny?.id
    const proof = (await get(`ledger/proofs/inclusion?record_id=${String(id)}`)) as {
      leaf_hash: string
      leaf_index: number
      tree_size: number
      inclusion_path: string[]
      root_hash: string
    }
    const head = (await get(`ledger/tree-head?tree_size=${proof.tree_size}`)) as { root_hash: string }
    expect(
      await verifyInclusionProof({
        leafHash: proof.leaf_hash,
        leafIndex: proof.leaf_index,
        treeSize: proof.tree_size,
        proof: proof.inclusion_path,
        rootHash: head.root_hash,
      }),
    ).toBe(true)
  })
})
