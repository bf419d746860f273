/**
 * Workspace roles from the identity provider's groups (`MIMA_OIDC_GROUP_ROLES`): each single
 * sign-on sets the person's role in one workspace from the groups the provider lists, so who may
 * approve or administer is managed where the team manages its people.
 *
 * - A person in several mapped groups gets the strongest role (admin > compliance > approver > viewer).
 * - A mapped group lets a person with a verified email in without an invite (the account is made).
 * - A person whose groups map to no role loses the membership the groups gave (`added_by`
 *   `oidc-groups`) in that workspace; a membership an admin or an invite gave stays.
 */
import { MimaError } from '@mima/core'
import { USER_ROLES, type UserRole } from '../http/context'
import type { Queryable } from '../storage/database'

/** Who added a membership the groups gave (the `added_by` of `people_members`). */
export const GROUPS_ADDED_BY = 'oidc-groups'

const RANK: Record<UserRole, number> = { viewer: 1, approver: 2, compliance: 3, admin: 4 }

/**
 * Parses `group=role` pairs separated by commas or new lines (`mima-admins=admin, audit=compliance`).
 * A group may hold `=` (the last one separates the role) but not `,`; a role is one of the four user roles.
 */
export function parseGroupRoles(text: string): Record<string, UserRole> {
  const mapping: Record<string, UserRole> = {}
  for (const entry of text.split(/[,\n]/)) {
    if (entry.trim() === '') continue
    const at = entry.lastIndexOf('=')
    const group = at === -1 ? '' : entry.slice(0, at).trim()
    const role = at === -1 ? '' : entry.slice(at + 1).trim()
    if (group === '' || !(USER_ROLES as readonly string[]).includes(role)) {
      throw new MimaError(
        'config_invalid',
        `MIMA_OIDC_GROUP_ROLES: "${entry.trim()}" is not group=role with a role of ${USER_ROLES.join(', ')}.`,
      )
    }
    mapping[group] = role as UserRole
  }
  return mapping
}

/** The groups a claim lists: an array of strings, or one string. Anything else lists none. */
export function groupsOf(claim: unknown): string[] | undefined {
  if (typeof claim === 'string') return [claim]
  if (Array.isArray(claim)) return claim.filter((group): group is string => typeof group === 'string')
  return undefined
}

/** The strongest role the groups map to, or undefined when none is mapped. */
export function roleForGroups(
  groups: readonly string[],
  mapping: Readonly<Record<string, UserRole>>,
): UserRole | undefined {
  let best: UserRole | undefined
  for (const group of groups) {
    const role = Object.hasOwn(mapping, group) ? mapping[group] : undefined
    if (role !== undefined && (best === undefined || RANK[role] > RANK[best])) best = role
  }
  return best
}

/** The root workspace (the one a fresh server bootstraps), where group roles apply by default. */
export async function rootWorkspaceId(database: Queryable): Promise<string | undefined> {
  const { rows } = await database.query<{ workspace_id: string }>(
    'select workspace_id from workspaces order by is_root desc, created_at limit 1',
  )
  return rows[0]?.workspace_id
}

/** Sets (or takes back) the membership the groups give `userId` in `workspaceId`. */
export async function applyGroupRole(
  database: Queryable,
  options: { workspaceId: string; userId: string; role: UserRole | undefined },
): Promise<void> {
  if (options.role !== undefined) {
    await database.query(
      `insert into people_members (workspace_id, user_id, role, added_by) values ($1, $2, $3, $4)
       on conflict (workspace_id, user_id) do update set role = excluded.role`,
      [options.workspaceId, options.userId, options.role, GROUPS_ADDED_BY],
    )
    return
  }
  const { rows } = await database.query(
    'delete from people_members where workspace_id = $1 and user_id = $2 and added_by = $3 returning user_id',
    [options.workspaceId, options.userId, GROUPS_ADDED_BY],
  )
  if (rows.length > 0) {
    await database.query('delete from dashboard_sessions where workspace_id = $1 and user_id = $2', [
      options.workspaceId,
      options.userId,
    ])
  }
}
