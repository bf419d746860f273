import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import type { Queryable } from '../storage/database'

/** The server's Ed25519 key that signs tree heads and approval tokens. */
export interface ServerKey {
  /** Lowercase hex of the raw 32-byte public key. */
  publicKeyHex: string
  /** Ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array | string): Buffer
}

const SETTING = 'ledger_private_key_pkcs8'

/** Wraps a PKCS#8 DER private key (hex) as a {@link ServerKey}. */
export function serverKeyFromPkcs8(pkcs8Hex: string): ServerKey {
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.from(pkcs8Hex, 'hex'),
    format: 'der',
    type: 'pkcs8',
  })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return {
    publicKeyHex: spki.subarray(spki.length - 32).toString('hex'),
    sign: (message) =>
      sign(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, privateKey),
  }
}

/**
 * Loads the server key from `server_settings`, creating it on first start. Safe when several
 * processes start at once (the insert is `on conflict do nothing`, then everyone reads the winner).
 */
export async function loadOrCreateServerKey(
  database: Queryable,
): Promise<{ key: ServerKey; created: boolean }> {
  const { privateKey } = generateKeyPairSync('ed25519')
  const candidate = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex')
  const inserted = await database.query(
    'insert into server_settings (name, value) values ($1, $2) on conflict (name) do nothing',
    [SETTING, candidate],
  )
  const { rows } = await database.query<{ value: string }>(
    'select value from server_settings where name = $1',
    [SETTING],
  )
  const stored = rows[0]?.value
  if (stored === undefined) throw new Error('The ledger key could not be stored')
  return { key: serverKeyFromPkcs8(stored), created: inserted.rowCount === 1 }
}
