import { createHash } from 'node:crypto'
import { bytesToHex, rootFromLeafHashes, verifyInclusionProof } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { inclusionPathsOf } from './audit-pack'

describe('inclusionPathsOf', () => {
  it('gives every leaf a proof @mima/core accepts, for tree sizes 0 to 33', async () => {
    for (let size = 0; size <= 33; size++) {
      const hashes = Array.from({ length: size }, (_, index) =>
        createHash('sha256').update(`leaf ${index}`).digest('hex'),
      )
      const { root, paths } = inclusionPathsOf(hashes)
      expect(root, `size ${size}`).toBe(bytesToHex((await rootFromLeafHashes(hashes)).rootHash))
      hashes.forEach((leafHash, leafIndex) => {
        const input = { leafHash, leafIndex, treeSize: size, proof: paths[leafIndex] ?? [], rootHash: root }
        expect(verifyInclusionProof(input), `size ${size} leaf ${leafIndex}`).toBe(true)
        if (size > 1)
          expect(verifyInclusionProof({ ...input, leafIndex: (leafIndex + 1) % size })).toBe(false)
      })
    }
  })
})
