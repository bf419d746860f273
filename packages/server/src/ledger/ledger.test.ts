import { randomBytes } from 'node:crypto'
import { bytesToHex, rootFromLeafHashes, verifyInclusionProof } from '@mima/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database, Queryable } from '../storage/database'
import { runMigrations } from '../storage/migrations'
import { createPgliteDatabase } from '../storage/pglite-database'
import { createPostgresDatabase } from '../storage/postgres-database'
import { SERVER_MIGRATIONS } from '../storage/server-migrations'
import { createLedger, type Ledger, type LedgerAppend } from './ledger'
import { loadOrCreateServerKey } from './server-key'

// PostgreSQL runs whenever MIMA_TEST_DATABASE_URL is set (CI always sets it); PGlite always.
const databaseUrl = process.env.MIMA_TEST_DATABASE_URL || undefined
const backends: Array<'pglite' | 'postgres'> = databaseUrl === undefined ? ['pglite'] : ['pglite', 'postgres']

const entry = (id: string): LedgerAppend => ({
  kind: 'test',
  recordId: id,
  recordHash: 'ab'.repeat(32),
  acceptedAt: '2026-11-21T20:00:00.000Z',
})

describe.each(backends)('ledger appends on %s', (backend) => {
  let database: Database
  let first: Ledger
  let second: Ledger
  const schema = `mima_ledger_${randomBytes(5).toString('hex')}`
  const ws = 'ws-ledger'

  beforeAll(async () => {
    database =
      backend === 'pglite'
        ? await createPgliteDatabase()
        : await createPostgresDatabase({ connectionString: databaseUrl as string, schema, maxConnections: 4 })
    await runMigrations(database, SERVER_MIGRATIONS)
    const { key } = await loadOrCreateServerKey(database)
    // Two ledgers with their own head caches behave like two server processes.
    first = createLedger(key)
    second = createLedger(key)
    await database.query("insert into workspaces (workspace_id, name) values ($1, 'x')", [ws])
    await first.createTree(database, ws)
  })
  afterAll(async () => {
    if (backend === 'postgres') await database.query(`drop schema if exists ${schema} cascade`)
    await database?.close()
  })

  const leafHashes = async () => {
    const { hex } = await first.leafHashes(database, ws, 0, 100_000)
    return Array.from({ length: hex.length / 64 }, (_, index) => hex.slice(index * 64, index * 64 + 64))
  }

  it('interleaves one-statement appends of two writers and locked appends into one valid tree', async () => {
    let expected = 0
    for (let round = 0; round < 6; round += 1) {
      for (const ledger of [first, second]) {
        const indexes = await ledger.appendInOneStatement(database, ws, (size) => ({
          entries: [entry(`r${round}-a-${size}`), entry(`r${round}-b-${size}`)],
          statements: [],
        }))
        expect(indexes).toEqual([expected, expected + 1])
        expected += 2
      }
      await database.transaction(async (transaction) => {
        const appender = await second.lock(transaction, ws)
        expect(await appender.append([entry(`locked-${round}`)])).toEqual([expected])
      })
      expected += 1
    }
    const head = await second.treeHead(database, ws)
    expect(head.tree_size).toBe(expected)
    const { rootHash } = await rootFromLeafHashes(await leafHashes())
    expect(bytesToHex(rootHash)).toBe(head.root_hash)
    const proof = await first.inclusionProof(database, ws, 7)
    expect(
      verifyInclusionProof({
        leafHash: proof.leaf_hash,
        leafIndex: 7,
        treeSize: head.tree_size,
        proof: proof.inclusion_path,
        rootHash: head.root_hash,
      }),
    ).toBe(true)
  })

  it('writes nothing when it loses a race, and gives up after five losses so the caller can lock', async () => {
    const before = (await first.treeHead(database, ws)).tree_size
    let competing = 0
    // A database on which another writer appends right before every one-statement attempt.
    const contended: Queryable = {
      async query(sql, params) {
        if (sql.startsWith('with moved')) {
          competing += 1
          await database.transaction(async (transaction) => {
            await (await second.lock(transaction, ws)).append([entry(`competitor-${competing}`)])
          })
        }
        return database.query(sql, params)
      },
    }
    const result = await first.appendInOneStatement(contended, ws, () => ({
      entries: [entry('loser')],
      statements: [],
    }))
    expect(result).toBeUndefined()
    expect(competing).toBe(5)
    const head = await first.treeHead(database, ws)
    expect(head.tree_size).toBe(before + 5)
    const leaves = await first.leaves(database, ws, before, 10)
    expect(leaves.map((leaf) => leaf.record_id)).toEqual([1, 2, 3, 4, 5].map((n) => `competitor-${n}`))
    const { rootHash } = await rootFromLeafHashes(await leafHashes())
    expect(bytesToHex(rootHash)).toBe(head.root_hash)
  })
})
