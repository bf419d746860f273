import { bytesToHex, leafHash, rootFromLeafHashes, verifyInclusionProof } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { inclusionPaths } from './inclusion-paths'

describe('inclusionPaths', () => {
  it('gives every leaf a proof that @mima/core verifies against the root, for every tree size up to 33', async () => {
    for (let size = 1; size <= 33; size++) {
      const leaves = Array.from({ length: size }, (_, index) => bytesToHex(leafHash(`leaf ${index}`)))
      const { rootHash } = await rootFromLeafHashes(leaves)
      const paths = inclusionPaths(leaves)
      expect(paths).toHaveLength(size)
      paths.forEach((proof, leafIndex) => {
        expect(
          verifyInclusionProof({ leafHash: leaves[leafIndex]!, leafIndex, treeSize: size, proof, rootHash }),
        ).toBe(true)
        // The same proof does not prove another leaf or position.
        if (size > 1) {
          const other = (leafIndex + 1) % size
          expect(
            verifyInclusionProof({ leafHash: leaves[other]!, leafIndex, treeSize: size, proof, rootHash }),
          ).toBe(false)
        }
      })
    }
  })

  it('is empty for an empty tree', () => {
    expect(inclusionPaths([])).toEqual([])
  })
})
