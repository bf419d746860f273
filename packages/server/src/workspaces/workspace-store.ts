import { hashValue, uuidv7 } from '@mima/core'
import { generateApiKey, hashApiKey, keyPrefix } from '../http/api-keys'
import type { Principal, Role } from '../http/context'
import { httpError } from '../http/errors'
import type { Ledger } from '../ledger/ledger'
import type { Database, Queryable } from '../storage/database'

/** A workspace as listed. */
export interface Workspace {
  id: string
  name: string
  created_at: string
}

/** An API key as listed (never the key itself). */
export interface ApiKeyInfo {
  id: string
  name: string
  role: Role
  prefix: string
  created_at: string
  revoked_at: string | null
}

/** A newly created key: the only time the key is shown. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value)
}

/** Creates a workspace and its empty ledger in `transaction`. */
export async function insertWorkspace(
  transaction: Queryable,
  ledger: Ledger,
  options: { id?: string; name: string; isRoot?: boolean },
): Promise<Workspace> {
  const id = options.id ?? uuidv7()
  const { rows } = await transaction.query<{ created_at: Date }>(
    'insert into workspaces (workspace_id, name, is_root) values ($1, $2, $3) returning created_at',
    [id, options.name, options.isRoot ?? false],
  )
  await ledger.createTree(transaction, id)
  return { id, name: options.name, created_at: iso(rows[0]?.created_at) }
}

/**
 * Creates an API key in `transaction` and appends a `key_event` leaf for it. `key` defaults to a
 * fresh random key; only its SHA-256 is stored.
 */
export async function insertApiKey(
  transaction: Queryable,
  ledger: Ledger,
  options: { workspaceId: string; name: string; role: Role; key?: string; createdBy?: string },
): Promise<CreatedApiKey> {
  const key = options.key ?? generateApiKey()
  const id = uuidv7()
  const appender = await ledger.lock(transaction, options.workspaceId)
  const { rows } = await transaction.query<{ created_at: Date }>(
    `insert into api_keys (workspace_id, key_id, name, role, key_hash, key_prefix)
     values ($1, $2, $3, $4, $5, $6) returning created_at`,
    [options.workspaceId, id, options.name, options.role, hashApiKey(key), keyPrefix(key)],
  )
  const createdAt = iso(rows[0]?.created_at)
  const event = {
    action: 'key_created',
    key_id: id,
    name: options.name,
    role: options.role,
    by: options.createdBy ?? null,
  }
  await appender.append([
    { kind: 'key_event', recordId: id, recordHash: hashValue(event), acceptedAt: createdAt },
  ])
  return {
    id,
    key,
    name: options.name,
    role: options.role,
    prefix: keyPrefix(key),
    created_at: createdAt,
    revoked_at: null,
  }
}

/** The principal for a presented API key, or undefined when unknown or revoked. */
export async function findPrincipal(database: Queryable, key: string): Promise<Principal | undefined> {
  return findPrincipalByHash(database, hashApiKey(key))
}

/** The principal for the SHA-256 of a presented key, or undefined when unknown or revoked. */
export async function findPrincipalByHash(
  database: Queryable,
  keyHash: string,
): Promise<Principal | undefined> {
  const { rows } = await database.query<{
    key_id: string
    name: string
    role: Role
    workspace_id: string
    is_root: boolean
  }>(
    `select k.key_id, k.name, k.role, k.workspace_id, w.is_root
     from api_keys k join workspaces w on w.workspace_id = k.workspace_id
     where k.key_hash = $1 and k.revoked_at is null`,
    [keyHash],
  )
  const row = rows[0]
  if (row === undefined) return undefined
  return {
    keyId: row.key_id,
    keyName: row.name,
    role: row.role,
    workspaceId: row.workspace_id,
    isRootWorkspace: row.is_root,
  }
}

/** Keys of a workspace, newest first. */
export async function listApiKeys(database: Queryable, workspaceId: string): Promise<ApiKeyInfo[]> {
  const { rows } = await database.query<{
    key_id: string
    name: string
    role: Role
    key_prefix: string
    created_at: Date
    revoked_at: Date | null
  }>(
    `select key_id, name, role, key_prefix, created_at, revoked_at from api_keys
     where workspace_id = $1 order by key_id desc`,
    [workspaceId],
  )
  return rows.map((row) => ({
    id: row.key_id,
    name: row.name,
    role: row.role,
    prefix: row.key_prefix,
    created_at: iso(row.created_at),
    revoked_at: row.revoked_at === null ? null : iso(row.revoked_at),
  }))
}

/** Revokes a key (and records a `key_event` leaf); 404 when the workspace has no such live key. */
export async function revokeApiKey(
  database: Database,
  ledger: Ledger,
  options: { workspaceId: string; keyId: string; revokedBy: string },
): Promise<void> {
  await database.transaction(async (transaction) => {
    const appender = await ledger.lock(transaction, options.workspaceId)
    const { rows } = await transaction.query<{ revoked_at: Date }>(
      `update api_keys set revoked_at = now() where workspace_id = $1 and key_id = $2 and revoked_at is null
       returning revoked_at`,
      [options.workspaceId, options.keyId],
    )
    const row = rows[0]
    if (row === undefined)
      throw httpError('not_found', `No active API key "${options.keyId}" in this workspace.`)
    const event = { action: 'key_revoked', key_id: options.keyId, by: options.revokedBy }
    await appender.append([
      {
        kind: 'key_event',
        recordId: options.keyId,
        recordHash: hashValue(event),
        acceptedAt: iso(row.revoked_at),
      },
    ])
  })
}
