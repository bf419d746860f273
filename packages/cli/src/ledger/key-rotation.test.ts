import { ed25519Sign, generateSigningKey, verifyingKeyHex } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { type KeyRotation, rotationChain } from './key-rotation'

function key(): { seed: string; hex: string } {
  const seed = generateSigningKey()
  return { seed, hex: verifyingKeyHex(seed) }
}

/** A handover from `from` to `to`, signed with `signer` (the retiring key's seed when honest). */
function handover(
  from: string,
  to: string,
  signer: string,
  rotatedAt = '2026-01-01T00:00:00.000Z',
): KeyRotation {
  const message = new TextEncoder().encode(`mima-key-rotation/1\n${from}\n${to}\n${rotatedAt}`)
  return {
    from,
    to,
    rotated_at: rotatedAt,
    signature: Buffer.from(ed25519Sign(message, signer)).toString('hex'),
  }
}

describe('rotationChain', () => {
  const a = key()
  const m = key()
  const s = key()
  const x = key()

  it('follows a signed chain of handovers to the served key', () => {
    const first = handover(a.hex, m.hex, a.seed)
    const second = handover(m.hex, s.hex, m.seed)
    expect(rotationChain(a.hex, s.hex, [second, first])).toEqual([first, second])
    expect(rotationChain(a.hex, a.hex, [])).toEqual([])
  })

  it('ends on a cycle of valid handovers that never reaches the served key', () => {
    const cycle = [handover(a.hex, m.hex, a.seed), handover(m.hex, a.hex, m.seed)]
    expect(rotationChain(a.hex, s.hex, cycle)).toBeUndefined()
  })

  it('finds a chain behind a branch that leads back to the pinned key', () => {
    const there = handover(a.hex, m.hex, a.seed)
    const back = handover(m.hex, a.hex, m.seed)
    const onward = handover(m.hex, s.hex, m.seed)
    // The branch back comes first, so a walk taking the first valid handover would loop to A and stop.
    expect(rotationChain(a.hex, s.hex, [there, back, onward])).toEqual([there, onward])
  })

  it('finds the shortest chain when there are several', () => {
    const long = [
      handover(a.hex, m.hex, a.seed),
      handover(m.hex, x.hex, m.seed),
      handover(x.hex, s.hex, x.seed),
    ]
    const short = [handover(a.hex, x.hex, a.seed), handover(x.hex, s.hex, x.seed)]
    expect(rotationChain(a.hex, s.hex, [...long, ...short])).toEqual(short)
  })

  it('refuses a handover not signed by the key it retires, and one altered after signing', () => {
    // Signed by the new key (or anyone else) instead of the pinned one.
    expect(rotationChain(a.hex, s.hex, [handover(a.hex, s.hex, s.seed)])).toBeUndefined()
    // A forged step in the middle breaks the chain even when the rest is valid.
    expect(
      rotationChain(a.hex, s.hex, [handover(a.hex, m.hex, a.seed), handover(m.hex, s.hex, x.seed)]),
    ).toBeUndefined()
    // The date or the successor changed after the retiring key signed.
    const signed = handover(a.hex, m.hex, a.seed)
    expect(
      rotationChain(a.hex, m.hex, [{ ...signed, rotated_at: '2027-01-01T00:00:00.000Z' }]),
    ).toBeUndefined()
    expect(rotationChain(a.hex, s.hex, [{ ...signed, to: s.hex }])).toBeUndefined()
    // A forged handover does not hide a valid one beside it.
    expect(
      rotationChain(a.hex, s.hex, [handover(a.hex, s.hex, x.seed), handover(a.hex, s.hex, a.seed)]),
    ).toHaveLength(1)
  })

  it('gives no chain for junk entries', () => {
    const junk = [null, 'x', { from: a.hex }, { from: a.hex, to: s.hex, rotated_at: 'now', signature: 'zz' }]
    expect(rotationChain(a.hex, s.hex, junk as unknown as KeyRotation[])).toBeUndefined()
  })
})
