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

function verifiesAgainstRetiringKey(rotation: KeyRotation): boolean {
  if (!/^[0-9a-f]{128}$/.test(rotation.signature)) return false
  try {
    return ed25519Verify(rotationMessage(rotation), Buffer.from(rotation.signature, 'hex'), rotation.from)
  } catch {
    return false
  }
}

/**
 * The shortest chain of validly signed handovers leading from `pinned` to `served`, or undefined
 * when there is none: each step is signed by the key it retires, starting with the pinned one.
 * Breadth-first over keys (each reached once), so a cycle ends and a branch leading back cannot
 * hide a chain that exists (the same search as the dashboard's `proofs.js`).
 */
export function rotationChain(
  pinned: string,
  served: string,
  rotations: readonly KeyRotation[],
): KeyRotation[] | undefined {
  const reached = new Map<string, KeyRotation[]>([[pinned, []]])
  const queue = [pinned]
  for (let index = 0; index < queue.length; index++) {
    const current = queue[index] as string
    const chain = reached.get(current) as KeyRotation[]
    if (current === served) return chain
    for (const rotation of rotations) {
      if (typeof rotation !== 'object' || rotation === null) continue
      if (rotation.from !== current || typeof rotation.to !== 'string' || reached.has(rotation.to)) continue
      if (typeof rotation.signature !== 'string' || typeof rotation.rotated_at !== 'string') continue
      if (!verifiesAgainstRetiringKey(rotation)) continue
      reached.set(rotation.to, [...chain, rotation])
      queue.push(rotation.to)
    }
  }
  return undefined
}
