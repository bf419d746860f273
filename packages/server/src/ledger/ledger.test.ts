import { bytesToHex, rootFromLeafHashes, verifyConsistencyProof, verifyInclusionProof } from '@mima/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database, Queryable } from '../storage/database'
import { runMigrations } from '../storage/migrations'
import { SERVER_MIGRATIONS } from '../storage/server-migrations'
import { openTestDatabase, TEST_BACKENDS } from '../storage/test-databases'
import { createLedger, type Ledger, type LedgerAppend, STORED_NODE_MIN_LEVEL } from './ledger'
import { loadOrCreateServerKey } from './server-key'

const entry = (id: string): LedgerAppend => ({
  kind: 'test',
  recordId: id,
  recordHash: 'ab'.repeat(32),
  acceptedAt: '2026-11-21T20:00:00.000Z',
})

describe.each(TEST_BACKENDS)('ledger appends on %s', (backend) => {
  let database: Database
  let close: () => Promise<void>
  let first: Ledger
  let second: Ledger
  const ws = 'ws-ledger'

  beforeAll(async () => {
    ;({ database, close } = await openTestDatabase(backend, 'mima_ledger', 4))
    await runMigrations(database, SERVER_MIGRATIONS)
    const { key } = await loadOrCreateServerKey(database)
    // Two ledgers with their own head caches behave like two server processes.
    first = createLedger(key)
    second = createLedger(key)
    await database.query("insert into workspaces (workspace_id, name) values ($1, 'x')", [ws])
    await first.createTree(database, ws)
  })
  afterAll(async () => {
    await close?.()
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

  it('stores subtree hashes only from STORED_NODE_MIN_LEVEL up, and every proof still verifies', async () => {
    // Grow the tree past 64 leaves in uneven groups, so proofs mix stored nodes and derived ones.
    for (const count of [1, 7, 3, 16, 5, 2, 9]) {
      await first.appendInOneStatement(database, ws, (size) => ({
        entries: Array.from({ length: count }, (_, offset) => entry(`grow-${size + offset}`)),
        statements: [],
      }))
    }
    const { rows } = await database.query<{ low: number; high: number }>(
      `select count(*) filter (where level < $2)::int as low, count(*) filter (where level >= $2)::int as high
       from ledger_nodes where workspace_id = $1`,
      [ws, STORED_NODE_MIN_LEVEL],
    )
    expect(rows[0]?.low).toBe(0)
    expect(rows[0]?.high).toBeGreaterThan(0)
    const hashes = await leafHashes()
    const size = hashes.length
    expect(size).toBeGreaterThan(64)
    const sizes = [1, 2, 5, 8, 13, 16, 17, 31, 32, 33, 48, 63, 64, size]
    const roots = new Map<number, string>()
    for (const treeSize of sizes) {
      const head = await second.treeHead(database, ws, treeSize)
      expect(head.root_hash).toBe(bytesToHex((await rootFromLeafHashes(hashes.slice(0, treeSize))).rootHash))
      roots.set(treeSize, head.root_hash)
    }
    for (const treeSize of sizes) {
      for (let leafIndex = 0; leafIndex < treeSize; leafIndex += 1) {
        const proof = await first.inclusionProof(database, ws, leafIndex, treeSize)
        expect(
          verifyInclusionProof({
            leafHash: proof.leaf_hash,
            leafIndex,
            treeSize,
            proof: proof.inclusion_path,
            rootHash: roots.get(treeSize) as string,
          }),
        ).toBe(true)
      }
    }
    for (const firstSize of sizes) {
      const proof = await second.consistencyProof(database, ws, firstSize, size)
      expect(
        verifyConsistencyProof({
          firstSize,
          secondSize: size,
          firstRootHash: roots.get(firstSize) as string,
          secondRootHash: roots.get(size) as string,
          proof: proof.consistency_path,
        }),
      ).toBe(true)
    }
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
