import { createHash, randomBytes } from 'node:crypto'
import { uuidv7 } from '@mima/core'
import type { Principal, Role, UserRole } from '../http/context'
import type { Queryable } from '../storage/database'

/** How long a dashboard session lasts after sign-in (12 hours). */
export const SESSION_TTL_MS: number = 12 * 60 * 60 * 1000

/** A signed-in dashboard user: the API key or person that signed in, and the session's id and expiry. */
export interface DashboardSession {
  sessionId: string
  /** Who acts: the key, or the person (`principal.userId` set) in this workspace with their role. */
  principal: Principal
  workspaceName: string
  expiresAt: Date
  /** Set when a person signed in (passkey, password or single sign-on) rather than an API key. */
  user?: { userId: string; email: string; displayName: string; hasPasskey: boolean }
}

/** What {@link createSession} returns: the token goes into the cookie and is never stored. */
export interface CreatedSession {
  /** The cookie value (256 random bits, base64url). Only its SHA-256 is stored. */
  token: string
  sessionId: string
  expiresAt: Date
}

/** SHA-256 hex of a session token: what the `dashboard_sessions` table holds. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * Opens a session for `principal` (whose key was just checked). Also drops the workspace's
 * expired sessions, so the table does not grow without bound.
 */
export async function createSession(
  database: Queryable,
  principal: Principal,
  now: Date = new Date(),
): Promise<CreatedSession> {
  const token = randomBytes(32).toString('base64url')
  const sessionId = uuidv7()
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS)
  await database.query('delete from dashboard_sessions where workspace_id = $1 and expires_at <= $2', [
    principal.workspaceId,
    now.toISOString(),
  ])
  await database.query(
    `insert into dashboard_sessions (workspace_id, session_id, token_hash, key_id, user_id, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      principal.workspaceId,
      sessionId,
      hashSessionToken(token),
      principal.userId === undefined ? principal.keyId : null,
      principal.userId ?? null,
      now.toISOString(),
      expiresAt.toISOString(),
    ],
  )
  return { token, sessionId, expiresAt }
}

/**
 * The live session for a cookie token: unknown tokens, expired sessions, sessions whose API key was
 * revoked (or is no longer approver/admin), and sessions of a person who was disabled or removed
 * from the workspace give `undefined`. A person's role is read afresh, so a role change applies at
 * once.
 */
export async function findSession(
  database: Queryable,
  token: string,
  now: Date = new Date(),
): Promise<DashboardSession | undefined> {
  if (token.length === 0 || token.length > 200) return undefined
  const { rows } = await database.query<{
    session_id: string
    expires_at: Date | string
    key_id: string | null
    name: string | null
    role: Role | null
    user_id: string | null
    email: string | null
    display_name: string | null
    user_role: UserRole | null
    has_passkey: boolean | null
    workspace_id: string
    workspace_name: string
    is_root: boolean
  }>(
    `select s.session_id, s.expires_at, k.key_id, k.name, k.role, u.user_id, u.email, u.display_name,
            m.role as user_role, s.workspace_id, w.name as workspace_name, w.is_root,
            exists (select 1 from people_passkeys p where p.user_id = u.user_id) as has_passkey
       from dashboard_sessions s
       join workspaces w on w.workspace_id = s.workspace_id
       left join api_keys k on s.key_id is not null and k.workspace_id = s.workspace_id and k.key_id = s.key_id
            and k.revoked_at is null and k.role in ('approver', 'admin')
       left join people_members m on s.user_id is not null and m.workspace_id = s.workspace_id
            and m.user_id = s.user_id
       left join people_users u on u.user_id = m.user_id and u.disabled_at is null
      where s.token_hash = $1 and s.expires_at > $2`,
    [hashSessionToken(token), now.toISOString()],
  )
  const row = rows[0]
  if (row === undefined) return undefined
  const base = {
    sessionId: row.session_id,
    workspaceName: row.workspace_name,
    expiresAt: row.expires_at instanceof Date ? row.expires_at : new Date(row.expires_at),
  }
  if (row.user_id !== null && row.email !== null && row.user_role !== null) {
    return {
      ...base,
      user: {
        userId: row.user_id,
        email: row.email,
        displayName: row.display_name ?? row.email,
        hasPasskey: row.has_passkey === true,
      },
      principal: {
        keyId: `user:${row.user_id}`,
        keyName: row.email,
        role: row.user_role,
        workspaceId: row.workspace_id,
        isRootWorkspace: row.is_root,
        userId: row.user_id,
      },
    }
  }
  if (row.key_id === null || row.name === null || row.role === null) return undefined
  return {
    ...base,
    principal: {
      keyId: row.key_id,
      keyName: row.name,
      role: row.role,
      workspaceId: row.workspace_id,
      isRootWorkspace: row.is_root,
    },
  }
}

/** Ends a session (sign-out). */
export async function deleteSession(database: Queryable, token: string): Promise<void> {
  await database.query('delete from dashboard_sessions where token_hash = $1', [hashSessionToken(token)])
}
