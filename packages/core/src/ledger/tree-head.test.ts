import { describe, expect, it } from 'vitest'
import { ed25519Sign, verifyingKeyHex } from '../signing/ed25519'
import { ledgerLeafData } from './leaf-data'
import { bytesToHex, leafHash } from './merkle'
import { type SignedTreeHead, signedTreeHeadMessage, verifySignedTreeHead } from './tree-head'

const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'

function signedHead(overrides: Partial<SignedTreeHead> = {}): SignedTreeHead {
  const head = {
    workspace_id: 'ws-1',
    tree_size: 3,
    root_hash: 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    timestamp: '2026-11-21T20:00:00.000Z',
  }
  const signature = bytesToHex(ed25519Sign(new TextEncoder().encode(signedTreeHeadMessage(head)), SEED))
  return { ...head, algorithm: 'ed25519', signature, public_key: verifyingKeyHex(SEED), ...overrides }
}

describe('signed tree heads', () => {
  it('signs canonical JSON with sorted keys and a version tag', () => {
    expect(signedTreeHeadMessage({ workspace_id: 'w', tree_size: 1, root_hash: 'ab', timestamp: 't' })).toBe(
      '{"root_hash":"ab","timestamp":"t","tree_size":1,"v":"mima-sth/1","workspace_id":"w"}',
    )
  })

  it('verifies under the pinned key and rejects any change or another key', async () => {
    const head = signedHead()
    expect(await verifySignedTreeHead(head, verifyingKeyHex(SEED))).toBe(true)
    expect(await verifySignedTreeHead({ ...head, tree_size: 4 }, head.public_key)).toBe(false)
    expect(await verifySignedTreeHead({ ...head, workspace_id: 'ws-2' }, head.public_key)).toBe(false)
    expect(
      await verifySignedTreeHead({ ...head, timestamp: '2026-11-21T20:00:01.000Z' }, head.public_key),
    ).toBe(false)
    expect(await verifySignedTreeHead(head, verifyingKeyHex('11'.repeat(32)))).toBe(false)
    expect(await verifySignedTreeHead({ ...head, signature: 'zz' }, head.public_key)).toBe(false)
    expect(await verifySignedTreeHead({ ...head, algorithm: 'rsa' as 'ed25519' }, head.public_key)).toBe(
      false,
    )
  })
})

describe('ledger leaf data', () => {
  it('is canonical JSON of the entry, so anyone can recompute the leaf hash', () => {
    const data = ledgerLeafData({
      kind: 'attestation',
      workspace_id: 'ws-1',
      record_id: 'r-1',
      record_hash: 'ab'.repeat(32),
      accepted_at: '2026-11-21T20:00:00.000Z',
    })
    expect(data).toBe(
      `{"accepted_at":"2026-11-21T20:00:00.000Z","kind":"attestation","record_hash":"${'ab'.repeat(32)}","record_id":"r-1","v":"mima-leaf/1","workspace_id":"ws-1"}`,
    )
    expect(bytesToHex(leafHash(data))).toHaveLength(64)
  })
})
