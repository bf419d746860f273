import { ed25519Verify } from '@mima/core'

/** A signed key handover as the server serves it (`GET /api/ledger/public-key` `rotations`). */
export interface KeyRotation {
  from: string
  to: string
  rotated_at: string
  signature: string
}

/** The message a retiring key signs to name its successor (as the server writes it). */
function rotationMessage(rotation: KeyRotation): Uint8Array {
  return new TextEncoder().encode(
    `mima-key-rotation/1\n${rotation.from}\n${rotation.to}\n${rotation.rotated_at}`,
  )
}

/**
 * The chain of validly signed handovers leading from `pinned` to `served`, or undefined when
 * there is none: each step is signed by the key it retires, starting with the pinned one.
 */
export function rotationChain(
  pinned: string,
  served: string,
  rotations: readonly KeyRotation[],
): KeyRotation[] | undefined {
  const chain: KeyRotation[] = []
  let current = pinned
  const used = new Set<KeyRotation>()
  while (current !== served) {
    const next = rotations.find((rotation) => {
      if (used.has(rotation) || rotation.from !== current || !/^[0-9a-f]{128}$/.test(rotation.signature))
        return false
      try {
        return ed25519Verify(rotationMessage(rotation), Buffer.from(rotation.signature, 'hex'), rotation.from)
      } catch {
        return false
      }
    })
    if (next === undefined) return undefined
    used.add(next)
    chain.push(next)
    current = next.to
  }
  return chain
}
