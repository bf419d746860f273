import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  bytesToHex,
  leafHash,
  rootFromLeafHashes,
  type SignedTreeHead,
  verifySignedTreeHead,
} from '@mima/core'
import { createPostgresDatabase } from '@mima/server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type ChildServer, startChildServer } from './child-server'
import { client } from './helpers'

const databaseUrl = testDatabaseUrl()

const record = (tag: string) => ({
  system_name: 'multi-process',
  agent_name: 'multi-process',
  tool_name: tag,
  input_hash: 'c'.repeat(64),
  output_hash: '',
  schema_version: 2,
})

/** Reads every leaf, recomputes the root, and checks it against a signed head. */
async function verifyWholeLedger(api: ReturnType<typeof client>, workspaceId: string, publicKey: string) {
  const head: SignedTreeHead = (await api.get(`/api/workspaces/${workspaceId}/ledger/tree-head`)).json
  expect(await verifySignedTreeHead(head, publicKey)).toBe(true)
  const leaves: Array<{
    leaf_index: number
    leaf_hash: string
    leaf_data: string
    record_id: string
    kind: string
  }> = []
  let from: number | null = 0
  while (from !== null) {
    const page: { leaves: typeof leaves; next_from: number | null } = (
      await api.get(`/api/workspaces/${workspaceId}/ledger/leaves?from=${from}&limit=5000`)
    ).json
    leaves.push(...page.leaves)
    from = page.next_from
  }
  leaves.forEach((leaf, index) => {
    expect(leaf.leaf_index).toBe(index)
    expect(bytesToHex(leafHash(leaf.leaf_data))).toBe(leaf.leaf_hash)
  })
  const { treeSize, rootHash } = await rootFromLeafHashes(leaves.map((leaf) => leaf.leaf_hash))
  expect(treeSize).toBe(head.tree_size)
  expect(bytesToHex(rootHash)).toBe(head.root_hash)
  return { head, leaves }
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

beforeAll(() => {
  buildServer()
}, 180_000)

describe.runIf(databaseUrl !== undefined)('two server processes on one PostgreSQL', () => {
  const schema = `mima_mp_${randomBytes(5).toString('hex')}`
  const adminKey = `mima_mp_${randomBytes(16).toString('hex')}`
  let servers: ChildServer[] = []

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()))
    const admin = await createPostgresDatabase({ connectionString: databaseUrl as string, maxConnections: 1 })
    await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.close()
  })

  it('start together on an empty database, append concurrently, and agree on one consistent ledger', async () => {
    const env = {
      DATABASE_URL: databaseUrl as string,
      MIMA_DATABASE_SCHEMA: schema,
      MIMA_BOOTSTRAP_API_KEY: adminKey,
    }
    servers = await Promise.all([startChildServer(env), startChildServer(env)])
    const [first, second] = servers.map((server) => client(server.url, adminKey)) as [
      ReturnType<typeof client>,
      ReturnType<typeof client>,
    ]
    const me = (await first.get('/api/me')).json
    expect((await second.get('/api/me')).json.workspace_id).toBe(me.workspace_id)
    const ws = me.workspace_id as string
    const publicKey = (await first.get('/api/ledger/public-key')).json.public_key
    expect((await second.get('/api/ledger/public-key')).json.public_key).toBe(publicKey)

    // 8 concurrent writers, alternating servers, batches and single pushes interleaved, both append paths.
    const acknowledged: string[] = []
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        const api = Math.floor(writer / 2) % 2 === 0 ? first : second
        for (let round = 0; round < 12; round += 1) {
          if (round % 3 === 0) {
            // odd writers send idempotency keys (the locked append path), even ones none (one statement)
            const body = {
              ...record(`w${writer}-r${round}`),
              ...(writer % 2 === 1 ? { idempotency_key: `w${writer}-r${round}` } : {}),
            }
            const response = await api.post(`/api/workspaces/${ws}/governance/attestations/external`, body)
            expect(response.status).toBe(201)
            acknowledged.push(response.json.attestation_id)
          } else {
            const records = Array.from({ length: 10 }, (_, index) => record(`w${writer}-r${round}-${index}`))
            const response = await api.post(`/api/workspaces/${ws}/governance/attestations/batch`, {
              records,
            })
            expect(response.status).toBe(200)
            acknowledged.push(
              ...response.json.results.map((result: { attestation_id: string }) => result.attestation_id),
            )
          }
        }
      }),
    )
    expect(new Set(acknowledged).size).toBe(8 * (4 + 8 * 10))

    const { head, leaves } = await verifyWholeLedger(second, ws, publicKey)
    const headFromFirst: SignedTreeHead = (await first.get(`/api/workspaces/${ws}/ledger/tree-head`)).json
    expect(headFromFirst.root_hash).toBe(head.root_hash)
    const attestationLeaves = leaves
      .filter((leaf) => leaf.kind === 'attestation')
      .map((leaf) => leaf.record_id)
    expect(attestationLeaves.sort()).toEqual([...acknowledged].sort())
  }, 120_000)
})

describe('graceful shutdown', () => {
  const dataDir = tempDir('mima-term-')
  const schema = `mima_term_${randomBytes(5).toString('hex')}`
  const adminKey = `mima_term_${randomBytes(16).toString('hex')}`
  // PostgreSQL when available (fast start); PGlite otherwise.
  const env: Record<string, string> =
    databaseUrl === undefined
      ? { MIMA_DATA_DIR: dataDir, MIMA_BOOTSTRAP_API_KEY: adminKey }
      : { DATABASE_URL: databaseUrl, MIMA_DATABASE_SCHEMA: schema, MIMA_BOOTSTRAP_API_KEY: adminKey }
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true })
    if (databaseUrl !== undefined) {
      const admin = await createPostgresDatabase({ connectionString: databaseUrl, maxConnections: 1 })
      await admin.query(`drop schema if exists ${schema} cascade`)
      await admin.close()
    }
  })

  it('finishes an in-flight request after SIGTERM, then exits 0', async () => {
    const server = await startChildServer(env)
    const ws = (await client(server.url, adminKey).get('/api/me')).json.workspace_id as string
    const body = Buffer.from(
      JSON.stringify({ records: Array.from({ length: 50 }, (_, index) => record(`term-${index}`)) }),
    )
    const { request } = await import('node:http')
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${server.url}/api/workspaces/${ws}/governance/attestations/batch`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${adminKey}`,
            'content-type': 'application/json',
            'content-length': body.length,
          },
        },
        (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        },
      )
      req.on('error', reject)
      // Half the body now; the rest only after the server began shutting down.
      req.write(body.subarray(0, body.length / 2))
      setTimeout(() => {
        server.child.kill('SIGTERM')
        void server.waitForLog('shutting down').then(() => req.end(body.subarray(body.length / 2)))
      }, 300)
    })
    const answered = await response
    expect(answered.status).toBe(200)
    expect(JSON.parse(answered.body).accepted).toBe(50)
    expect(await server.exited).toBe(0)
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
  }, 180_000) // a PGlite start on disk plus a drain: ~35 s at load 8 on 2 cores
})
