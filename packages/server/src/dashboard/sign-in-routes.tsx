/**
 * Sign-in, sign-out and the session cookie. Sign-in takes an approver or admin API key and opens a
 * server-side session (`session-store.ts`: only the SHA-256 of the random cookie token is stored; an
 * expired session, a sign-out or a revoked key ends it). The cookie is HTTP-only, SameSite=Strict,
 * and `Secure` whenever the browser came over HTTPS.
 */
import type { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv, Principal } from '../http/context'
import { httpError } from '../http/errors'
import { membershipsOf, type User, userPrincipal } from '../people/user-store'
import { findPrincipal } from '../workspaces/workspace-store'
import type { DashboardContext, DashboardKit } from './dashboard-kit'
import { isHttps } from './dashboard-security'
import { LoginPage } from './login-page'
import { createSession, type DashboardSession, deleteSession, findSession } from './session-store'

/** The session cookie's name. */
export const SESSION_COOKIE = 'mima_session'

/** The session of the request's cookie, if any; its principal goes into the access log. */
export async function sessionOf(c: DashboardContext): Promise<DashboardSession | undefined> {
  const token = getCookie(c, SESSION_COOKIE)
  if (token === undefined) return undefined
  const session = await findSession(c.get('server').database, token)
  if (session !== undefined) c.set('principal', session.principal)
  return session
}

/** The raw session token of the request's cookie ('' without one). */
export function sessionTokenOf(c: DashboardContext): string {
  return getCookie(c, SESSION_COOKIE) ?? ''
}

/**
 * Opens a session for a person who just proved who they are, in their first workspace (or
 * `workspaceId` when given and they are a member); 403 when they belong to no workspace.
 */
export async function startUserSession(
  c: DashboardContext,
  user: Pick<User, 'userId' | 'email'>,
  workspaceId?: string,
): Promise<void> {
  const memberships = await membershipsOf(c.get('server').database, user.userId)
  const membership = memberships.find((entry) => entry.workspaceId === workspaceId) ?? memberships[0]
  if (membership === undefined) {
    throw httpError(
      'forbidden',
      `${user.email} is not a member of any workspace: ask an admin for an invite.`,
    )
  }
  await startSession(c, userPrincipal(user, membership))
}

/** Opens a session for a principal whose credential was just checked, and sets its cookie. */
export async function startSession(c: DashboardContext, principal: Principal): Promise<void> {
  const server = c.get('server')
  const session = await createSession(server.database, principal)
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: isHttps(c),
    expires: session.expiresAt,
  })
  server.logger.info('dashboard sign-in', {
    request_id: c.get('requestId'),
    workspace_id: principal.workspaceId,
    ...(principal.userId === undefined ? { key_id: principal.keyId } : { user_id: principal.userId }),
  })
}

/** `/dashboard/login` (GET and POST) and `/dashboard/logout`. */
export function registerSignInPages(api: Hono<AppEnv>, kit: DashboardKit): void {
  const { database } = kit.server

  api.get('/dashboard/login', async (c) => {
    if ((await kit.sessionOf(c)) !== undefined) return c.redirect('/dashboard', 303)
    return kit.html(
      c,
      <LoginPage
        notice={c.req.query('signed_out') === '1' ? 'You are signed out.' : undefined}
        sso={kit.sso}
      />,
    )
  })

  api.post('/dashboard/login', async (c) => {
    const refused = kit.refuseCrossSite(c)
    if (refused !== undefined) return refused
    const form = await c.req.parseBody()
    const key = typeof form.api_key === 'string' ? form.api_key.trim() : ''
    if (key === '') return kit.html(c, <LoginPage error="Enter an API key." sso={kit.sso} />, 400)
    const principal = await findPrincipal(database, key)
    if (principal === undefined) {
      return kit.html(
        c,
        <LoginPage error="That API key is not valid: it is unknown or was revoked." sso={kit.sso} />,
        401,
      )
    }
    if (principal.role === 'ingest') {
      return kit.html(
        c,
        <LoginPage
          error="Ingest keys are for agents and cannot sign in to the dashboard: use an approver or admin key."
          sso={kit.sso}
        />,
        403,
      )
    }
    await startSession(c, principal)
    return c.redirect('/dashboard', 303)
  })

  api.post('/dashboard/logout', async (c) => {
    const refused = kit.refuseCrossSite(c)
    if (refused !== undefined) return refused
    const token = getCookie(c, SESSION_COOKIE)
    if (token !== undefined) await deleteSession(database, token)
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) })
    return c.redirect('/dashboard/login?signed_out=1', 303)
  })
}
