/** Users and invites (admins only): invite by one-time link, change roles, remove members. */
import type { Hono } from 'hono'
import { type AppEnv, USER_ROLES, type UserRole } from '../http/context'
import { httpError } from '../http/errors'
import { createInvite, type Invite, listOpenInvites, revokeInvite } from '../people/invite-store'
import { countAdmins, emailFrom, listMembers, removeMember, setMemberRole } from '../people/user-store'
import { ADMIN_ONLY, type DashboardContext, type DashboardKit, type FormFields } from './dashboard-kit'
import { UsersPage } from './people-pages'
import type { DashboardSession } from './session-store'

function roleFrom(value: unknown): UserRole {
  if (typeof value !== 'string' || !USER_ROLES.includes(value as UserRole)) {
    throw httpError('validation_failed', `role must be one of ${USER_ROLES.join(', ')}.`, { field: 'role' })
  }
  return value as UserRole
}

/** `/dashboard/manage/users` and its forms. */
export function registerUserPages(api: Hono<AppEnv>, kit: DashboardKit): void {
  const { database } = kit.server

  const render = async (
    c: DashboardContext,
    session: DashboardSession,
    view: {
      error?: string
      notice?: string
      status?: number
      created?: { invite: Invite; link: string }
    } = {},
  ): Promise<Response> => {
    const { workspaceId } = session.principal
    const [members, invites] = await Promise.all([
      listMembers(database, workspaceId),
      listOpenInvites(database, workspaceId),
    ])
    return kit.html(
      c,
      <UsersPage
        session={session}
        members={members}
        invites={invites}
        created={view.created}
        error={view.error}
        notice={view.notice}
      />,
      view.status ?? 200,
    )
  }

  /** A management form whose change answers with the notice the page shows. */
  const change = (
    run: (c: DashboardContext, session: DashboardSession, form: FormFields) => Promise<string>,
  ) =>
    kit.formAction(render, async (form, c, session) => ({ notice: await run(c, session, form) }), ADMIN_ONLY)

  api.get(
    '/dashboard/manage/users',
    kit.page((c, session) => render(c, session), ADMIN_ONLY),
  )

  api.post(
    '/dashboard/manage/users/invite',
    kit.formAction(
      render,
      async (form, c, session) => {
        const invite = await createInvite(database, {
          workspaceId: session.principal.workspaceId,
          email: emailFrom(form.email),
          role: roleFrom(form.role),
          createdBy: session.principal.keyName,
        })
        const link = `${kit.relyingParty(c).origin}/dashboard/invite/${invite.token}`
        kit.server.logger.info('dashboard invite created', {
          request_id: c.get('requestId'),
          workspace_id: invite.workspaceId,
          invite_id: invite.inviteId,
        })
        return { created: { invite, link }, status: 201 }
      },
      ADMIN_ONLY,
    ),
  )

  api.post(
    '/dashboard/manage/users/invites/:id/revoke',
    change(async (c, session) => {
      await revokeInvite(database, session.principal.workspaceId, c.req.param('id') ?? '')
      return 'The invite was revoked: its link no longer works.'
    }),
  )

  api.post(
    '/dashboard/manage/users/:userId/role',
    change(async (c, session, form) => {
      const userId = c.req.param('userId') ?? ''
      const role = roleFrom(form.role)
      await database.transaction(async (transaction) => {
        await setMemberRole(transaction, { workspaceId: session.principal.workspaceId, userId, role })
        if (
          session.principal.userId === userId &&
          (await countAdmins(transaction, session.principal.workspaceId)) === 0
        ) {
          throw httpError(
            'conflict',
            'You are the last admin among the people here: make someone else admin first.',
          )
        }
      })
      return `The role is now ${role}.`
    }),
  )

  api.post(
    '/dashboard/manage/users/:userId/remove',
    change(async (c, session) => {
      const userId = c.req.param('userId') ?? ''
      if (session.principal.userId === userId) throw httpError('conflict', 'You cannot remove yourself.')
      await removeMember(database, session.principal.workspaceId, userId)
      return 'The member was removed; their sessions in this workspace ended.'
    }),
  )
}
