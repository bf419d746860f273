import type { ServerKey } from '../ledger/server-key'
import type { Queryable } from '../storage/database'

/** A key rotation: the retiring key signs `mima-key-rotation/1\n<from>\n<to>\n<rotated_at>`. */
export interface KeyRotation {
  from: string
  to: string
  rotated_at: string
  /** Hex Ed25519 signature of {@link keyRotationMessage} by `from`. */
  signature: string
}

const SETTING = 'ledger_key_rotations'

/** The message a retiring key signs to name its successor. */
export function keyRotationMessage(rotation: Pick<KeyRotation, 'from' | 'to' | 'rotated_at'>): string {
  return `mima-key-rotation/1\n${rotation.from}\n${rotation.to}\n${rotation.rotated_at}`
}

/** Every recorded rotation, oldest first. */
export async function listKeyRotations(database: Queryable): Promise<KeyRotation[]> {
  const { rows } = await database.query<{ value: string }>(
    'select value from server_settings where name = $1',
    [SETTING],
  )
  const value = rows[0]?.value
  if (value === undefined) return []
  try {
    const parsed = JSON.parse(value) as unknown
    return Array.isArray(parsed) ? (parsed as KeyRotation[]) : []
  } catch {
    return []
  }
}

/**
 * Records that `retiring` hands over to `successor`, signed by `retiring` (once per pair), so a
 * verifier that pinned the old key can follow the chain to the new one.
 */
export async function recordKeyRotation(
  database: Queryable,
  retiring: { key: ServerKey; pkcs8: Buffer },
  successor: ServerKey,
): Promise<KeyRotation | undefined> {
  const rotations = await listKeyRotations(database)
  const from = retiring.key.publicKeyHex
  const to = successor.publicKeyHex
  if (from === to || rotations.some((rotation) => rotation.from === from && rotation.to === to))
    return undefined
  const rotatedAt = new Date().toISOString()
  const message = keyRotationMessage({ from, to, rotated_at: rotatedAt })
  const signature = retiring.key.sign(message).toString('hex')
  const rotation: KeyRotation = { from, to, rotated_at: rotatedAt, signature }
  await database.query(
    `insert into server_settings (name, value) values ($1, $2)
       on conflict (name) do update set value = excluded.value`,
    [SETTING, JSON.stringify([...rotations, rotation])],
  )
  return rotation
}
