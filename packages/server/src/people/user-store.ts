import { uuidv7 } from '@mima/core'
import type { Principal, UserRole } from '../http/context'
import { httpError } from '../http/errors'
import type { Queryable } from '../storage/database'

/** A person who can sign in to the dashboard. */
export interface User {
  userId: string
  email: string
  displayName: string
  hasPassword: boolean
  createdAt: Date
}

/** A user's membership of one workspace, with the workspace's name. */
export interface Membership {
  workspaceId: string
  workspaceName: string
  isRootWorkspace: boolean
  role: UserRole
}

/** A workspace member as listed on the users page. */
export interface Member extends User {
  role: UserRole
  addedAt: Date
  addedBy: string
  passkeys: number
}

/** The longest email accepted (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254

/**
 * A normalised email address, or a 422 naming the field. Only the shape is checked: we send no
 * mail, the address is a name the admin chose.
 */
export function emailFrom(value: unknown, field = 'email'): string {
  const email = typeof value === 'string' ? value.trim().toLowerCase() : ''
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH || !/^[^\s@<>"]+@[^\s@<>"]+$/.test(email)) {
    throw httpError(
      'validation_failed',
      `${field} must be an email address (at most ${MAX_EMAIL_LENGTH} characters).`,
      {
        field,
      },
    )
  }
  return email
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value))
}

function toUser(row: Record<string, unknown>): User {
  return {
    userId: String(row.user_id),
    email: String(row.email),
    displayName: String(row.display_name),
    hasPassword: row.password_hash !== null && row.password_hash !== undefined,
    createdAt: toDate(row.created_at),
  }
}

/** Creates a user (no membership yet); 409 when the email is taken. */
export async function insertUser(
  database: Queryable,
  options: { userId?: string; email: string; displayName: string; passwordHash?: string | undefined },
): Promise<User> {
  const existing = await findUserByEmail(database, options.email)
  if (existing !== undefined)
    throw httpError('conflict', `A user with email "${options.email}" already exists.`)
  const { rows } = await database.query(
    `insert into people_users (user_id, email, display_name, password_hash) values ($1, $2, $3, $4)
     returning user_id, email, display_name, password_hash, created_at`,
    [options.userId ?? uuidv7(), options.email, options.displayName, options.passwordHash ?? null],
  )
  return toUser(rows[0] as Record<string, unknown>)
}

/** The (enabled) user with this email, if any. */
export async function findUserByEmail(database: Queryable, email: string): Promise<User | undefined> {
  const { rows } = await database.query(
    `select user_id, email, display_name, password_hash, created_at from people_users
      where lower(email) = lower($1) and disabled_at is null`,
    [email],
  )
  return rows[0] === undefined ? undefined : toUser(rows[0] as Record<string, unknown>)
}

/** The (enabled) user with this id, if any. */
export async function findUser(database: Queryable, userId: string): Promise<User | undefined> {
  const { rows } = await database.query(
    `select user_id, email, display_name, password_hash, created_at from people_users
      where user_id = $1 and disabled_at is null`,
    [userId],
  )
  return rows[0] === undefined ? undefined : toUser(rows[0] as Record<string, unknown>)
}

/** The stored password hash of an enabled user (for sign-in), if they set one. */
export async function passwordHashOf(database: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await database.query<{ password_hash: string | null }>(
    'select password_hash from people_users where user_id = $1 and disabled_at is null',
    [userId],
  )
  return rows[0]?.password_hash ?? undefined
}

/** Sets (or replaces) a user's password hash. */
export async function setPasswordHash(
  database: Queryable,
  userId: string,
  passwordHash: string,
): Promise<void> {
  await database.query('update people_users set password_hash = $2 where user_id = $1', [
    userId,
    passwordHash,
  ])
}

/** The user's workspaces, oldest membership first. */
export async function membershipsOf(database: Queryable, userId: string): Promise<Membership[]> {
  const { rows } = await database.query<{
    workspace_id: string
    name: string
    is_root: boolean
    role: UserRole
  }>(
    `select m.workspace_id, w.name, w.is_root, m.role
       from people_members m join workspaces w on w.workspace_id = m.workspace_id
      where m.user_id = $1 order by m.added_at, m.workspace_id`,
    [userId],
  )
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    workspaceName: row.name,
    isRootWorkspace: row.is_root,
    role: row.role,
  }))
}

/** Adds (or changes) a membership. */
export async function upsertMembership(
  database: Queryable,
  options: { workspaceId: string; userId: string; role: UserRole; addedBy: string },
): Promise<void> {
  await database.query(
    `insert into people_members (workspace_id, user_id, role, added_by) values ($1, $2, $3, $4)
     on conflict (workspace_id, user_id) do update set role = excluded.role`,
    [options.workspaceId, options.userId, options.role, options.addedBy],
  )
}

/** Changes a member's role; 404 when the user is not a member of the workspace. */
export async function setMemberRole(
  database: Queryable,
  options: { workspaceId: string; userId: string; role: UserRole },
): Promise<void> {
  const { rows } = await database.query(
    'update people_members set role = $3 where workspace_id = $1 and user_id = $2 returning user_id',
    [options.workspaceId, options.userId, options.role],
  )
  if (rows.length === 0) throw httpError('not_found', `No member "${options.userId}" in this workspace.`)
}

/** Removes a member from a workspace (their sessions there end); 404 when not a member. */
export async function removeMember(database: Queryable, workspaceId: string, userId: string): Promise<void> {
  const { rows } = await database.query(
    'delete from people_members where workspace_id = $1 and user_id = $2 returning user_id',
    [workspaceId, userId],
  )
  if (rows.length === 0) throw httpError('not_found', `No member "${userId}" in this workspace.`)
  await database.query('delete from dashboard_sessions where workspace_id = $1 and user_id = $2', [
    workspaceId,
    userId,
  ])
}

/** The workspace's members, with how many passkeys each registered. */
export async function listMembers(database: Queryable, workspaceId: string): Promise<Member[]> {
  const { rows } = await database.query(
    `select u.user_id, u.email, u.display_name, u.password_hash, u.created_at, m.role, m.added_at, m.added_by,
            (select count(*) from people_passkeys p where p.user_id = u.user_id) as passkeys
       from people_members m join people_users u on u.user_id = m.user_id
      where m.workspace_id = $1 and u.disabled_at is null
      order by m.added_at, u.user_id`,
    [workspaceId],
  )
  return rows.map((row) => ({
    ...toUser(row as Record<string, unknown>),
    role: (row as { role: UserRole }).role,
    addedAt: toDate((row as { added_at: unknown }).added_at),
    addedBy: String((row as { added_by: unknown }).added_by),
    passkeys: Number((row as { passkeys: unknown }).passkeys),
  }))
}

/** How many admins a workspace has among its users (an admin cannot demote or remove the last one). */
export async function countAdmins(database: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await database.query<{ count: string | number }>(
    "select count(*) as count from people_members where workspace_id = $1 and role = 'admin'",
    [workspaceId],
  )
  return Number(rows[0]?.count ?? 0)
}

/** The principal a signed-in user acts as in one of their workspaces. */
export function userPrincipal(user: Pick<User, 'userId' | 'email'>, membership: Membership): Principal {
  return {
    keyId: `user:${user.userId}`,
    keyName: user.email,
    role: membership.role,
    workspaceId: membership.workspaceId,
    isRootWorkspace: membership.isRootWorkspace,
    userId: user.userId,
  }
}
