import type { Queryable } from '../storage/database'

/** A registered passkey (its public key in COSE form, base64url). */
export interface Passkey {
  credentialId: string
  userId: string
  publicKey: string
  counter: number
  transports: string[]
  deviceType: string
  backedUp: boolean
  name: string
  createdAt: Date
  lastUsedAt: Date | null
}

function toPasskey(row: Record<string, unknown>): Passkey {
  const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)))
  return {
    credentialId: String(row.credential_id),
    userId: String(row.user_id),
    publicKey: String(row.public_key),
    counter: Number(row.counter),
    transports: String(row.transports ?? '')
      .split(',')
      .filter((transport) => transport !== ''),
    deviceType: String(row.device_type),
    backedUp: row.backed_up === true,
    name: String(row.name),
    createdAt: date(row.created_at),
    lastUsedAt: row.last_used_at === null || row.last_used_at === undefined ? null : date(row.last_used_at),
  }
}

const COLUMNS =
  'credential_id, user_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at'

/** Stores a passkey that just passed registration. */
export async function insertPasskey(
  database: Queryable,
  passkey: Omit<Passkey, 'createdAt' | 'lastUsedAt'>,
): Promise<void> {
  await database.query(
    `insert into people_passkeys (credential_id, user_id, public_key, counter, transports, device_type, backed_up, name)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      passkey.credentialId,
      passkey.userId,
      passkey.publicKey,
      passkey.counter,
      passkey.transports.join(','),
      passkey.deviceType,
      passkey.backedUp,
      passkey.name,
    ],
  )
}

/** The passkey with this credential id, if registered (to an enabled user). */
export async function findPasskey(database: Queryable, credentialId: string): Promise<Passkey | undefined> {
  const { rows } = await database.query(
    `select ${COLUMNS} from people_passkeys p
      where credential_id = $1 and exists (select 1 from people_users u where u.user_id = p.user_id and u.disabled_at is null)`,
    [credentialId],
  )
  return rows[0] === undefined ? undefined : toPasskey(rows[0] as Record<string, unknown>)
}

/** A user's passkeys, oldest first. */
export async function listPasskeys(database: Queryable, userId: string): Promise<Passkey[]> {
  const { rows } = await database.query(
    `select ${COLUMNS} from people_passkeys where user_id = $1 order by created_at, credential_id`,
    [userId],
  )
  return rows.map((row) => toPasskey(row as Record<string, unknown>))
}

/** Records a use: the authenticator's new signature counter and when. */
export async function touchPasskey(
  database: Queryable,
  credentialId: string,
  counter: number,
  now: Date = new Date(),
): Promise<void> {
  await database.query(
    'update people_passkeys set counter = $2, last_used_at = $3 where credential_id = $1',
    [credentialId, counter, now.toISOString()],
  )
}
