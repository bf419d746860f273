import { createHash, randomBytes } from 'node:crypto'
import { uuidv7 } from '@mima/core'
import type { UserRole } from '../http/context'
import { httpError } from '../http/errors'
import type { Queryable } from '../storage/database'

/** How long an invite link stays usable (7 days). */
export const INVITE_TTL_MS: number = 7 * 24 * 60 * 60 * 1000

/** An invite as stored (never its token). */
export interface Invite {
  workspaceId: string
  workspaceName: string
  inviteId: string
  email: string
  role: UserRole
  createdBy: string
  createdAt: Date
  expiresAt: Date
  acceptedAt: Date | null
  revokedAt: Date | null
}

/** A new invite: the token (for the one-time link) is shown once and only its hash is stored. */
export interface CreatedInvite extends Invite {
  token: string
}

function hashInviteToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value))
}

function toInvite(row: Record<string, unknown>): Invite {
  return {
    workspaceId: String(row.workspace_id),
    workspaceName: String(row.workspace_name),
    inviteId: String(row.invite_id),
    email: String(row.email),
    role: row.role as UserRole,
    createdBy: String(row.created_by),
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    acceptedAt: row.accepted_at === null ? null : toDate(row.accepted_at),
    revokedAt: row.revoked_at === null ? null : toDate(row.revoked_at),
  }
}

const SELECT = `select i.workspace_id, w.name as workspace_name, i.invite_id, i.email, i.role, i.created_by,
  i.created_at, i.expires_at, i.accepted_at, i.revoked_at
  from people_invites i join workspaces w on w.workspace_id = i.workspace_id`

/** Creates an invite; an earlier open invite for the same email in this workspace is revoked. */
export async function createInvite(
  database: Queryable,
  options: { workspaceId: string; email: string; role: UserRole; createdBy: string; now?: Date },
): Promise<CreatedInvite> {
  const now = options.now ?? new Date()
  const token = randomBytes(32).toString('base64url')
  const inviteId = uuidv7()
  await database.query(
    `update people_invites set revoked_at = $3
      where workspace_id = $1 and lower(email) = lower($2) and accepted_at is null and revoked_at is null`,
    [options.workspaceId, options.email, now.toISOString()],
  )
  await database.query(
    `insert into people_invites (workspace_id, invite_id, email, role, token_hash, created_by, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      options.workspaceId,
      inviteId,
      options.email,
      options.role,
      hashInviteToken(token),
      options.createdBy,
      now.toISOString(),
      new Date(now.getTime() + INVITE_TTL_MS).toISOString(),
    ],
  )
  const invite = await findInviteById(database, options.workspaceId, inviteId)
  if (invite === undefined) throw new Error('people: the invite just written cannot be read')
  return { ...invite, token }
}

/** An invite by id in a workspace (any state). */
export async function findInviteById(
  database: Queryable,
  workspaceId: string,
  inviteId: string,
): Promise<Invite | undefined> {
  const { rows } = await database.query(`${SELECT} where i.workspace_id = $1 and i.invite_id = $2`, [
    workspaceId,
    inviteId,
  ])
  return rows[0] === undefined ? undefined : toInvite(rows[0] as Record<string, unknown>)
}

/**
 * The open invite a link's token names, or a 404 that does not say whether the token was ever
 * valid (used, revoked, expired or unknown all read the same to a guesser).
 */
export async function openInvite(
  database: Queryable,
  token: string,
  now: Date = new Date(),
): Promise<Invite> {
  if (token.length === 0 || token.length > 200) throw invalidInvite()
  const { rows } = await database.query(
    `${SELECT} where i.token_hash = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > $2`,
    [hashInviteToken(token), now.toISOString()],
  )
  if (rows[0] === undefined) throw invalidInvite()
  return toInvite(rows[0] as Record<string, unknown>)
}

function invalidInvite(): Error {
  return httpError(
    'not_found',
    'This invite link is not valid: it was used already, revoked or expired. Ask an admin for a new one.',
  )
}

/**
 * Marks an invite accepted by `userId`, once: exactly one of any number of concurrent acceptances
 * wins; the others get the same 404 as a used link.
 */
export async function acceptInvite(
  database: Queryable,
  options: { token: string; userId: string; now?: Date },
): Promise<Invite> {
  const now = options.now ?? new Date()
  const { rows } = await database.query<{ workspace_id: string; invite_id: string }>(
    `update people_invites set accepted_at = $2, accepted_by_user_id = $3
      where token_hash = $1 and accepted_at is null and revoked_at is null and expires_at > $2
      returning workspace_id, invite_id`,
    [hashInviteToken(options.token), now.toISOString(), options.userId],
  )
  const row = rows[0]
  if (row === undefined) throw invalidInvite()
  const invite = await findInviteById(database, row.workspace_id, row.invite_id)
  if (invite === undefined) throw invalidInvite()
  return invite
}

/** The workspace's invites that are neither accepted nor revoked, newest first. */
export async function listOpenInvites(database: Queryable, workspaceId: string): Promise<Invite[]> {
  const { rows } = await database.query(
    `${SELECT} where i.workspace_id = $1 and i.accepted_at is null and i.revoked_at is null
      order by i.created_at desc, i.invite_id desc limit 200`,
    [workspaceId],
  )
  return rows.map((row) => toInvite(row as Record<string, unknown>))
}

/** Revokes an open invite; 404 when the workspace has no such open invite. */
export async function revokeInvite(
  database: Queryable,
  workspaceId: string,
  inviteId: string,
): Promise<void> {
  const { rows } = await database.query(
    `update people_invites set revoked_at = now()
      where workspace_id = $1 and invite_id = $2 and accepted_at is null and revoked_at is null
      returning invite_id`,
    [workspaceId, inviteId],
  )
  if (rows.length === 0) throw httpError('not_found', `No open invite "${inviteId}" in this workspace.`)
}

/** The open invites for an email, across workspaces (single sign-on accepts them). */
export async function openInvitesForEmail(
  database: Queryable,
  email: string,
  now: Date = new Date(),
): Promise<Invite[]> {
  const { rows } = await database.query(
    `${SELECT} where lower(i.email) = lower($1) and i.accepted_at is null and i.revoked_at is null and i.expires_at > $2
      order by i.created_at`,
    [email, now.toISOString()],
  )
  return rows.map((row) => toInvite(row as Record<string, unknown>))
}

/** Marks one open invite accepted by `userId`, once (404 when it was used meanwhile). */
export async function acceptInviteById(
  database: Queryable,
  options: { workspaceId: string; inviteId: string; userId: string; now?: Date },
): Promise<void> {
  const now = options.now ?? new Date()
  const { rows } = await database.query(
    `update people_invites set accepted_at = $3, accepted_by_user_id = $4
      where workspace_id = $1 and invite_id = $2 and accepted_at is null and revoked_at is null and expires_at > $3
      returning invite_id`,
    [options.workspaceId, options.inviteId, now.toISOString(), options.userId],
  )
  if (rows.length === 0) throw invalidInvite()
}
