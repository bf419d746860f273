/**
 * People in the dashboard: signing in with a passkey or a password, accepting an invite (a new
 * passkey or password, or joining as an existing user), and one's own account. The WebAuthn
 * ceremonies run in the browser (`passkeys-script.ts`); these routes hand out options and check
 * answers, as JSON.
 */
import { MimaError } from '@mima/core'
import type { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { type AppEnv, readJsonObject } from '../http/context'
import { httpError } from '../http/errors'
import type { OidcProvider } from '../people/oidc'
import { listPasskeys } from '../people/passkey-store'
import { hashPassword, newPasswordFrom } from '../people/passwords'
import {
  acceptInviteAsUser,
  acceptInviteWithPasskey,
  acceptInviteWithPassword,
  addPasskey,
  addPasskeyOptions,
  inviteFor,
  invitePasskeyOptions,
  passkeySignInOptions,
  signInWithPasskey,
  signInWithPassword,
} from '../people/people-sign-in'
import { findUser, membershipsOf, setPasswordHash } from '../people/user-store'
import type { DashboardContext, DashboardKit } from './dashboard-kit'
import { isHttps } from './dashboard-security'
import { ContinuePage, LoginPage } from './login-page'
import { AccountPage, InvitePage } from './people-pages'
import { type DashboardSession, deleteSession } from './session-store'
import { sessionTokenOf, startUserSession } from './sign-in-routes'

/** The cookie that binds a single sign-on login to the browser that started it. */
const SSO_STATE_COOKIE = 'mima_sso_state'

/** A JSON POST from the dashboard's own script: same-origin only. */
function jsonPost(
  kit: DashboardKit,
  handle: (c: DashboardContext, body: Record<string, unknown>) => Promise<Response>,
): (c: DashboardContext) => Promise<Response> {
  return async (c) => {
    const refused = kit.refuseCrossSite(c)
    if (refused !== undefined) return refused
    return handle(c, await readJsonObject(c))
  }
}

async function signedInUser(kit: DashboardKit, session: DashboardSession) {
  if (session.user === undefined)
    throw httpError('forbidden', 'Signed in with an API key: there is no account to manage.')
  const user = await findUser(kit.server.database, session.user.userId)
  if (user === undefined) throw httpError('unauthorized', 'Your account is disabled.')
  return user
}

/** Passkey and password sign-in, invites, and the account page. */
export function registerPeoplePages(
  api: Hono<AppEnv>,
  kit: DashboardKit,
  options: { oidc?: OidcProvider | undefined } = {},
): void {
  const { database } = kit.server

  const { oidc } = options
  if (oidc !== undefined) {
    // Single sign-on: the state travels in a SameSite=Lax cookie (the provider's redirect back is a
    // cross-site navigation) and in the database, and must match on the way back.
    api.get('/dashboard/sso/start', async (c) => {
      const redirectUri = `${kit.relyingParty(c).origin}/dashboard/sso/callback`
      const { url, state } = await oidc.start(database, redirectUri)
      setCookie(c, SSO_STATE_COOKIE, state, {
        httpOnly: true,
        sameSite: 'Lax',
        path: '/dashboard/sso',
        secure: isHttps(c),
        maxAge: 600,
      })
      return c.redirect(url.toString(), 302)
    })
    api.get('/dashboard/sso/callback', async (c) => {
      const origin = kit.relyingParty(c).origin
      const query = new URL(c.req.url).search
      const state = getCookie(c, SSO_STATE_COOKIE)
      deleteCookie(c, SSO_STATE_COOKIE, { path: '/dashboard/sso', secure: isHttps(c) })
      try {
        const user = await oidc.finish(database, new URL(`${origin}/dashboard/sso/callback${query}`), state)
        await startUserSession(c, user)
      } catch (error) {
        if (!MimaError.isInstance(error)) throw error
        return kit.html(c, <LoginPage error={error.message} sso={kit.sso} />, error.status ?? 401)
      }
      // The SameSite=Strict session cookie is not sent on a redirect that began on the provider's
      // site, so the browser continues from this page of ours instead.
      return kit.html(c, <ContinuePage href="/dashboard" />)
    })
  }

  api.post(
    '/dashboard/login/passkey/options',
    jsonPost(kit, async (c) => {
      const { challengeId, options: requestOptions } = await passkeySignInOptions(
        database,
        kit.relyingParty(c),
      )
      return c.json({ challenge_id: challengeId, options: requestOptions })
    }),
  )

  api.post(
    '/dashboard/login/passkey',
    jsonPost(kit, async (c, body) => {
      const user = await signInWithPasskey(database, kit.relyingParty(c), body.challenge_id, body.response)
      await startUserSession(c, user)
      return c.json({ redirect: '/dashboard' })
    }),
  )

  api.post('/dashboard/login/password', async (c) => {
    const refused = kit.refuseCrossSite(c)
    if (refused !== undefined) return refused
    const form = await c.req.parseBody()
    try {
      const user = await signInWithPassword(database, form.email, form.password)
      await startUserSession(c, user)
      return c.redirect('/dashboard', 303)
    } catch (error) {
      if (!MimaError.isInstance(error)) throw error
      if (error.code === 'rate_limited') {
        const retry = Number(
          (error.details as { retry_after_seconds?: number } | undefined)?.retry_after_seconds ?? 60,
        )
        c.header('Retry-After', String(retry))
      }
      return kit.html(c, <LoginPage error={error.message} sso={kit.sso} />, error.status ?? 401)
    }
  })

  api.get('/dashboard/invite/:token', async (c) => {
    const token = c.req.param('token') ?? ''
    try {
      const { invite, existingUser } = await inviteFor(database, token)
      const session = await kit.sessionOf(c)
      return kit.html(
        c,
        <InvitePage
          invite={invite}
          token={token}
          existingUser={existingUser !== undefined}
          signedInAsInvitee={existingUser !== undefined && session?.user?.userId === existingUser.userId}
        />,
      )
    } catch (error) {
      if (!MimaError.isInstance(error)) throw error
      return kit.html(c, <LoginPage error={error.message} sso={kit.sso} />, error.status ?? 404)
    }
  })

  api.post(
    '/dashboard/invite/:token/passkey/options',
    jsonPost(kit, async (c, body) => {
      const result = await invitePasskeyOptions(
        database,
        kit.relyingParty(c),
        c.req.param('token') ?? '',
        body.display_name,
      )
      return c.json({ challenge_id: result.challengeId, options: result.options })
    }),
  )

  api.post(
    '/dashboard/invite/:token/passkey',
    jsonPost(kit, async (c, body) => {
      const { user, invite } = await acceptInviteWithPasskey(database, kit.relyingParty(c), {
        token: c.req.param('token') ?? '',
        challengeId: body.challenge_id,
        answer: body.response,
        displayName: body.display_name,
      })
      await startUserSession(c, user, invite.workspaceId)
      return c.json({ redirect: '/dashboard' })
    }),
  )

  api.post('/dashboard/invite/:token/password', async (c) => {
    const refused = kit.refuseCrossSite(c)
    if (refused !== undefined) return refused
    const token = c.req.param('token') ?? ''
    const form = await c.req.parseBody()
    try {
      const { user, invite } = await acceptInviteWithPassword(database, {
        token,
        password: form.password,
        displayName: form.display_name,
      })
      await startUserSession(c, user, invite.workspaceId)
      return c.redirect('/dashboard', 303)
    } catch (error) {
      if (!MimaError.isInstance(error)) throw error
      const found = await inviteFor(database, token).catch(() => undefined)
      if (found === undefined)
        return kit.html(c, <LoginPage error={error.message} sso={kit.sso} />, error.status ?? 404)
      return kit.html(
        c,
        <InvitePage
          invite={found.invite}
          token={token}
          existingUser={found.existingUser !== undefined}
          signedInAsInvitee={false}
          error={error.message}
        />,
        error.status ?? 400,
      )
    }
  })

  api.post(
    '/dashboard/invite/:token/join',
    kit.form(async (c, session) => {
      const user = await signedInUser(kit, session)
      const invite = await acceptInviteAsUser(database, c.req.param('token') ?? '', user)
      await startUserSession(c, user, invite.workspaceId)
      return c.redirect('/dashboard', 303)
    }),
  )

  const renderAccount = async (
    c: DashboardContext,
    session: DashboardSession,
    view: { error?: string; notice?: string; status?: number } = {},
  ): Promise<Response> => {
    const user = await signedInUser(kit, session)
    const [passkeys, memberships] = await Promise.all([
      listPasskeys(database, user.userId),
      membershipsOf(database, user.userId),
    ])
    return kit.html(
      c,
      <AccountPage
        session={session}
        user={user}
        passkeys={passkeys}
        memberships={memberships}
        error={view.error}
        notice={view.notice}
      />,
      view.status ?? 200,
    )
  }

  api.get(
    '/dashboard/account',
    kit.page((c, session) =>
      renderAccount(c, session, c.req.query('added') === '1' ? { notice: 'Passkey added.' } : {}),
    ),
  )

  api.post(
    '/dashboard/account/passkey/options',
    kit.form(async (c, session) => {
      const user = await signedInUser(kit, session)
      const result = await addPasskeyOptions(database, kit.relyingParty(c), user)
      return c.json({ challenge_id: result.challengeId, options: result.options })
    }),
  )

  api.post(
    '/dashboard/account/passkey',
    kit.form(async (c, session) => {
      const user = await signedInUser(kit, session)
      const body = await readJsonObject(c)
      await addPasskey(database, kit.relyingParty(c), user, {
        challengeId: body.challenge_id,
        answer: body.response,
      })
      return c.json({ redirect: '/dashboard/account?added=1' })
    }),
  )

  // Another of the person's workspaces: a new session there, this one ended.
  api.post(
    '/dashboard/account/workspace',
    kit.form(async (c, session) => {
      const user = await signedInUser(kit, session)
      const form = await c.req.parseBody()
      const workspaceId = typeof form.workspace_id === 'string' ? form.workspace_id : ''
      const memberships = await membershipsOf(database, user.userId)
      if (!memberships.some((membership) => membership.workspaceId === workspaceId)) {
        return renderAccount(c, session, { error: 'You are not a member of that workspace.', status: 404 })
      }
      await deleteSession(database, sessionTokenOf(c))
      await startUserSession(c, user, workspaceId)
      return c.redirect('/dashboard', 303)
    }),
  )

  api.post(
    '/dashboard/account/password',
    kit.form(async (c, session) => {
      const user = await signedInUser(kit, session)
      const form = await c.req.parseBody()
      try {
        await setPasswordHash(database, user.userId, await hashPassword(newPasswordFrom(form.password)))
        return renderAccount(c, session, { notice: 'Password saved.' })
      } catch (error) {
        if (!MimaError.isInstance(error)) throw error
        return renderAccount(c, session, { error: error.message, status: error.status ?? 400 })
      }
    }),
  )
}
