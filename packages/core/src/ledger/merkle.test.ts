import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  emptyRootHash,
  hexToBytes,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './merkle'

// The RFC 6962/9162 test tree used by the certificate-transparency reference implementations.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
]
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
const leafHashes = LEAVES.map((hex) => leafHash(hexToBytes(hex)))

// A literal transcription of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, used as the oracle.
function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
function mth(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRootHash()
  if (hashes.length === 1) return hashes[0] as Uint8Array
  const k = largestPowerOfTwoBelow(hashes.length)
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)))
}
function path(m: number, hashes: Uint8Array[]): Uint8Array[] {
  if (hashes.length <= 1) return []
  const k = largestPowerOfTwoBelow(hashes.length)
  return m < k
    ? [...path(m, hashes.slice(0, k)), mth(hashes.slice(k))]
    : [...path(m - k, hashes.slice(k)), mth(hashes.slice(0, k))]
}
function subproof(m: number, hashes: Uint8Array[], complete: boolean): Uint8Array[] {
  if (m === hashes.length) return complete ? [] : [mth(hashes)]
  const k = largestPowerOfTwoBelow(hashes.length)
  return m <= k
    ? [...subproof(m, hashes.slice(0, k), complete), mth(hashes.slice(k))]
    : [...subproof(m - k, hashes.slice(k), false), mth(hashes.slice(0, k))]
}
const hex = (values: Uint8Array[]): string[] => values.map(bytesToHex)

describe('RFC 9162 hashing', () => {
  it('hashes leaves and nodes with domain separation', () => {
    expect(bytesToHex(leafHash(''))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d')
    expect(bytesToHex(emptyRootHash())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
    expect(bytesToHex(leafHash(new TextEncoder().encode('x')))).toBe(bytesToHex(leafHash('x')))
  })

  it('reproduces the reference roots for sizes 1 to 8', async () => {
    for (let size = 1; size <= 8; size += 1) {
      expect(bytesToHex(mth(leafHashes.slice(0, size)))).toBe(ROOTS[size - 1])
      const streamed = await rootFromLeafHashes(leafHashes.slice(0, size))
      expect(streamed.treeSize).toBe(size)
      expect(bytesToHex(streamed.rootHash)).toBe(ROOTS[size - 1])
    }
  })

  it('streams leaf hashes from an async source, hex or bytes', async () => {
    async function* pages(): AsyncGenerator<string> {
      for (const hash of leafHashes.slice(0, 7)) yield bytesToHex(hash)
    }
    const { treeSize, rootHash } = await rootFromLeafHashes(pages())
    expect(treeSize).toBe(7)
    expect(bytesToHex(rootHash)).toBe(ROOTS[6])
    expect(bytesToHex((await rootFromLeafHashes([])).rootHash)).toBe(bytesToHex(emptyRootHash()))
  })

  it('rejects malformed hex', () => {
    expect(() => hexToBytes('zz')).toThrow(TypeError)
    expect(() => hexToBytes('abc')).toThrow(TypeError)
  })
})

describe('inclusion proofs', () => {
  it('verifies the reference proofs', () => {
    const proof = [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]
    expect(hex(path(0, leafHashes))).toEqual(proof)
    expect(
      verifyInclusionProof({
        leafHash: leafHashes[0] as Uint8Array,
        leafIndex: 0,
        treeSize: 8,
        proof,
        rootHash: ROOTS[7] as string,
      }),
    ).toBe(true)
  })

  it('verifies every leaf of every tree up to 40 leaves and rejects every tampering', () => {
    const hashes = Array.from({ length: 40 }, (_, index) => leafHash(`leaf ${index}`))
    for (let size = 1; size <= hashes.length; size += 1) {
      const tree = hashes.slice(0, size)
      const rootHash = mth(tree)
      for (let index = 0; index < size; index += 1) {
        const proof = path(index, tree)
        const leaf = tree[index] as Uint8Array
        expect(
          verifyInclusionProof({ leafHash: leaf, leafIndex: index, treeSize: size, proof, rootHash }),
        ).toBe(true)
        // wrong index, wrong root, wrong leaf, truncated or extended proof
        if (size > 1) {
          expect(
            verifyInclusionProof({
              leafHash: leaf,
              leafIndex: (index + 1) % size,
              treeSize: size,
              proof,
              rootHash,
            }),
          ).toBe(false)
        }
        expect(
          verifyInclusionProof({
            leafHash: leafHash('other'),
            leafIndex: index,
            treeSize: size,
            proof,
            rootHash,
          }),
        ).toBe(false)
        // (another tree size with the same root can share the path shape; the signed head binds the size)
        expect(
          verifyInclusionProof({ leafHash: leaf, leafIndex: index, treeSize: size, proof, rootHash: leaf }),
        ).toBe(size === 1)
        expect(
          verifyInclusionProof({
            leafHash: leaf,
            leafIndex: index,
            treeSize: size,
            proof: [...proof, rootHash],
            rootHash,
          }),
        ).toBe(false)
        if (proof.length > 0) {
          expect(
            verifyInclusionProof({
              leafHash: leaf,
              leafIndex: index,
              treeSize: size,
              proof: proof.slice(1),
              rootHash,
            }),
          ).toBe(false)
        }
      }
    }
  })

  it('answers false, never throws, on malformed input', () => {
    const base = {
      leafHash: leafHashes[0] as Uint8Array,
      leafIndex: 0,
      treeSize: 1,
      proof: [],
      rootHash: ROOTS[0] as string,
    }
    expect(verifyInclusionProof(base)).toBe(true)
    expect(verifyInclusionProof({ ...base, rootHash: 'nothex' })).toBe(false)
    expect(verifyInclusionProof({ ...base, leafIndex: -1 })).toBe(false)
    expect(verifyInclusionProof({ ...base, treeSize: 0 })).toBe(false)
    expect(verifyInclusionProof({ ...base, leafIndex: 0.5 })).toBe(false)
  })
})

describe('consistency proofs', () => {
  it('verifies the reference proofs', () => {
    const proof = [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]
    expect(hex(subproof(6, leafHashes, true))).toEqual(proof)
    const input = {
      firstSize: 6,
      secondSize: 8,
      firstRootHash: ROOTS[5] as string,
      secondRootHash: ROOTS[7] as string,
      proof,
    }
    expect(verifyConsistencyProof(input)).toBe(true)
    expect(verifyConsistencyProof({ ...input, firstRootHash: ROOTS[4] as string })).toBe(false)
  })

  it('verifies every pair of sizes up to 33 leaves and rejects tampering', () => {
    const hashes = Array.from({ length: 33 }, (_, index) => leafHash(`leaf ${index}`))
    for (let second = 1; second <= hashes.length; second += 1) {
      const secondRootHash = mth(hashes.slice(0, second))
      for (let first = 1; first <= second; first += 1) {
        const firstRootHash = mth(hashes.slice(0, first))
        const proof = first === second ? [] : subproof(first, hashes.slice(0, second), true)
        expect(
          verifyConsistencyProof({
            firstSize: first,
            secondSize: second,
            firstRootHash,
            secondRootHash,
            proof,
          }),
        ).toBe(true)
        if (first < second) {
          const wrongRoot = mth(hashes.slice(1, first + 1))
          expect(
            verifyConsistencyProof({
              firstSize: first,
              secondSize: second,
              firstRootHash: wrongRoot,
              secondRootHash,
              proof,
            }),
          ).toBe(false)
          expect(
            verifyConsistencyProof({
              firstSize: first,
              secondSize: second,
              firstRootHash,
              secondRootHash: wrongRoot,
              proof,
            }),
          ).toBe(false)
          expect(
            verifyConsistencyProof({
              firstSize: first,
              secondSize: second,
              firstRootHash,
              secondRootHash,
              proof: proof.slice(0, -1),
            }),
          ).toBe(false)
        }
      }
    }
  })

  it('treats the empty tree as consistent with everything and refuses shrinking trees', () => {
    const root = ROOTS[3] as string
    const empty = bytesToHex(emptyRootHash())
    expect(
      verifyConsistencyProof({
        firstSize: 0,
        secondSize: 4,
        firstRootHash: empty,
        secondRootHash: root,
        proof: [],
      }),
    ).toBe(true)
    expect(
      verifyConsistencyProof({
        firstSize: 4,
        secondSize: 3,
        firstRootHash: root,
        secondRootHash: root,
        proof: [],
      }),
    ).toBe(false)
  })
})
