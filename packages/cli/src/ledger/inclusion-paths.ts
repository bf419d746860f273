import { bytesToHex, hexToBytes, nodeHash } from '@mima/core'

interface TreeNode {
  hash: Uint8Array
  size: number
  left?: TreeNode
  right?: TreeNode
}

function largestPowerOfTwoBelow(size: number): number {
  let power = 1
  while (power * 2 < size) power *= 2
  return power
}

function build(hashes: readonly Uint8Array[], start: number, end: number): TreeNode {
  const size = end - start
  if (size === 1) return { hash: hashes[start]!, size }
  const split = largestPowerOfTwoBelow(size)
  const left = build(hashes, start, start + split)
  const right = build(hashes, start + split, end)
  return { hash: nodeHash(left.hash, right.hash), size, left, right }
}

/**
 * RFC 9162 inclusion paths (`PATH(m, D[n])`, leaf upward) for every leaf of a tree, computed
 * from the leaf hashes in O(n log n). An audit pack carries one per record so an auditor can
 * check any single record against the signed root.
 */
export function inclusionPaths(leafHashes: readonly string[]): string[][] {
  if (leafHashes.length === 0) return []
  const root = build(
    leafHashes.map((hash) => hexToBytes(hash)),
    0,
    leafHashes.length,
  )
  const paths: string[][] = []
  const walk = (node: TreeNode, siblings: string[]): void => {
    if (!node.left || !node.right) {
      paths.push([...siblings].reverse())
      return
    }
    walk(node.left, [...siblings, bytesToHex(node.right.hash)])
    walk(node.right, [...siblings, bytesToHex(node.left.hash)])
  }
  walk(root, [])
  return paths
}
