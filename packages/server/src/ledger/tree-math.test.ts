import { randomBytes } from 'node:crypto'
import {
  bytesToHex,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistencyProof,
  verifyInclusionProof,
} from '@mima/core'
import { describe, expect, it } from 'vitest'
import {
  appendToFrontier,
  consistencyRanges,
  decomposeRange,
  fastLeafHash,
  fastNodeHash,
  frontierIds,
  inclusionRanges,
  nodeKey,
  rangeHash,
  rootOfFrontier,
  type TreeNode,
} from './tree-math'

/** Every complete subtree of a tree of `leaves`, keyed like the ledger's node table. */
function allNodes(leaves: Buffer[]): Map<string, Buffer> {
  const nodes = new Map<string, Buffer>()
  let level: Buffer[] = leaves
  let depth = 0
  while (level.length > 0) {
    for (const [index, hash] of level.entries()) nodes.set(nodeKey({ level: depth, index }), hash)
    const next: Buffer[] = []
    for (let index = 0; index + 1 < level.length; index += 2)
      next.push(fastNodeHash(level[index] as Buffer, level[index + 1] as Buffer))
    level = next
    depth += 1
  }
  return nodes
}

describe('tree maths', () => {
  it('hashes exactly like @mima/core', () => {
    const data = randomBytes(40)
    expect(fastLeafHash(data).toString('hex')).toBe(bytesToHex(leafHash(data)))
    const [left, right] = [randomBytes(32), randomBytes(32)]
    expect(fastNodeHash(left, right).toString('hex')).toBe(bytesToHex(nodeHash(left, right)))
  })

  it('decomposes ranges into aligned complete subtrees', () => {
    expect(decomposeRange(0, 13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ])
    expect(decomposeRange(8, 13)).toEqual([
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ])
    expect(frontierIds(0)).toEqual([])
    expect(frontierIds(2 ** 40)).toEqual([{ level: 40, index: 0 }])
  })

  it('appends in arbitrary chunks to the same root and persists every complete node once', async () => {
    const leaves = Array.from({ length: 100 }, (_, index) => fastLeafHash(`leaf ${index}`))
    for (const chunk of [1, 3, 7, 64]) {
      let frontier: TreeNode[] = []
      const created = new Map<string, Buffer>()
      for (let start = 0; start < leaves.length; start += chunk) {
        const result = appendToFrontier(frontier, start, leaves.slice(start, start + chunk))
        frontier = result.frontier
        for (const node of result.created) {
          expect(created.has(nodeKey(node))).toBe(false)
          created.set(nodeKey(node), node.hash)
        }
        const size = Math.min(leaves.length, start + chunk)
        const expected = await rootFromLeafHashes(leaves.slice(0, size))
        expect(rootOfFrontier(frontier).toString('hex')).toBe(bytesToHex(expected.rootHash))
        expect(frontier.map(({ level, index }) => ({ level, index }))).toEqual(frontierIds(size))
      }
      const reference = allNodes(leaves)
      for (const [key, hash] of created) expect(hash.equals(reference.get(key) as Buffer)).toBe(true)
      expect(created.size).toBe([...reference.keys()].filter((key) => !key.startsWith('0:')).length)
    }
  })

  it('plans inclusion and consistency proofs that @mima/core verifies, for every size up to 70', async () => {
    const leaves = Array.from({ length: 70 }, (_, index) => fastLeafHash(`leaf ${index}`))
    const nodes = allNodes(leaves)
    for (let size = 1; size <= leaves.length; size += 1) {
      const root = (await rootFromLeafHashes(leaves.slice(0, size))).rootHash
      expect(rangeHash({ start: 0, end: size }, nodes).toString('hex')).toBe(bytesToHex(root))
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionRanges(index, size).map((range) => rangeHash(range, nodes))
        expect(
          verifyInclusionProof({
            leafHash: leaves[index] as Buffer,
            leafIndex: index,
            treeSize: size,
            proof,
            rootHash: root,
          }),
        ).toBe(true)
      }
      for (let first = 1; first <= size; first += 1) {
        const firstRoot = (await rootFromLeafHashes(leaves.slice(0, first))).rootHash
        const proof = consistencyRanges(first, size).map((range) => rangeHash(range, nodes))
        expect(
          verifyConsistencyProof({
            firstSize: first,
            secondSize: size,
            firstRootHash: firstRoot,
            secondRootHash: root,
            proof,
          }),
        ).toBe(true)
      }
    }
  })

  it('needs O(log n) stored nodes for a proof in a tree of a billion leaves', () => {
    const size = 1_000_000_007
    const ranges = inclusionRanges(123_456_789, size)
    const nodes = ranges.flatMap((range) => decomposeRange(range.start, range.end))
    expect(ranges.length).toBeLessThanOrEqual(31)
    expect(nodes.length).toBeLessThanOrEqual(2 * 31)
    expect(
      consistencyRanges(999_999_999, size).flatMap((range) => decomposeRange(range.start, range.end)).length,
    ).toBeLessThanOrEqual(62)
  })

  it('reports a missing node instead of computing a wrong hash', () => {
    expect(() => rangeHash({ start: 0, end: 4 }, new Map())).toThrow(/missing/)
  })
})
