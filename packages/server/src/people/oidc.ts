/**
 * Optional single sign-on with an OpenID Connect provider, on `openid-client`: the authorization
 * code flow with PKCE (S256), `state` and `nonce`. The pending login (state, nonce, verifier) is
 * kept in the database for 10 minutes and taken once, so any replica can finish it.
 *
 * Who may sign in: a user already linked to the provider's subject; else the account with the same
 * email when the provider says it is verified (then linked); else someone with an open invite for
 * that verified email (the account is created and the invite used); else, when groups map to roles
 * (`oidc-groups.ts`), someone whose groups map to a role. Anyone else gets a 403.
 */
import * as client from 'openid-client'
import type { UserRole } from '../http/context'
import { httpError } from '../http/errors'
import type { Database, Queryable } from '../storage/database'
import { acceptInviteById, openInvitesForEmail } from './invite-store'
import { applyGroupRole, groupsOf, roleForGroups, rootWorkspaceId } from './oidc-groups'
import { findUser, findUserByEmail, insertUser, type User, upsertMembership } from './user-store'

/** How single sign-on is configured (`MIMA_OIDC_*`). */
export interface OidcOptions {
  /** The provider's issuer URL (its discovery document is at `/.well-known/openid-configuration`). */
  issuer: string
  clientId: string
  /** Confidential clients; omitted for a public client (PKCE alone). */
  clientSecret?: string | undefined
  /** What the sign-in button says: "Sign in with {name}". Default "single sign-on". */
  name?: string | undefined
  /** Allow an `http:` issuer (a provider on the same host, tests). Never for a real provider. */
  allowInsecureRequests?: boolean | undefined
  /** Scopes asked for besides `openid email profile` (`groups`, for providers that need it). */
  extraScopes?: readonly string[] | undefined
  /** Group → role: the person's role in {@link groupsWorkspace} follows their groups at each sign-in. */
  groupRoles?: Readonly<Record<string, UserRole>> | undefined
  /** The claim that lists the groups, read from the ID token, else from userinfo. Default `groups`. */
  groupsClaim?: string | undefined
  /** The workspace group roles apply in. Default: the root workspace. */
  groupsWorkspace?: string | undefined
}

/** What the groups say, for one sign-in: the workspace and the role (none when no group is mapped). */
interface GroupGrant {
  workspaceId: string
  role: UserRole | undefined
}

const STATE_TTL_MS = 10 * 60 * 1000

/** One configured provider: discovery is read once and kept. */
export interface OidcProvider {
  readonly name: string
  readonly issuer: string
  /** The authorization URL to send the browser to, and the `state` to bind to its cookie. */
  start(database: Queryable, redirectUri: string): Promise<{ url: URL; state: string }>
  /** Finishes a login from the callback URL; the user it names (linked or created as described). */
  finish(database: Database, callbackUrl: URL, stateFromCookie: string | undefined): Promise<User>
}

/** Builds the provider from its options. */
export function createOidcProvider(options: OidcOptions): OidcProvider {
  let configuration: Promise<client.Configuration> | undefined
  const configured = (): Promise<client.Configuration> => {
    configuration ??= client.discovery(
      new URL(options.issuer),
      options.clientId,
      options.clientSecret,
      undefined,
      {
        timeout: 10,
        ...(options.allowInsecureRequests === true ? { execute: [client.allowInsecureRequests] } : {}),
      },
    )
    configuration.catch(() => {
      configuration = undefined
    })
    return configuration
  }
  const issuer = options.issuer
  const groupRoles = options.groupRoles
  const groupsClaim = options.groupsClaim ?? 'groups'

  // The groups from the ID token's claim, else from userinfo (some providers keep tokens small).
  const groupGrant = async (
    database: Queryable,
    config: client.Configuration,
    accessToken: string,
    claims: client.IDToken,
  ): Promise<GroupGrant | undefined> => {
    if (groupRoles === undefined || Object.keys(groupRoles).length === 0) return undefined
    let groups = groupsOf(claims[groupsClaim])
    if (groups === undefined && config.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        const userinfo = await client.fetchUserInfo(config, accessToken, claims.sub)
        groups = groupsOf(userinfo[groupsClaim])
      } catch (error) {
        throw httpError(
          'unauthorized',
          `The identity provider's userinfo (for the ${groupsClaim} claim) was refused: ${(error as Error).message}`,
        )
      }
    }
    const workspaceId = options.groupsWorkspace ?? (await rootWorkspaceId(database))
    if (workspaceId === undefined) return undefined
    return { workspaceId, role: roleForGroups(groups ?? [], groupRoles) }
  }

  return {
    name: options.name ?? 'single sign-on',
    issuer,
    async start(database, redirectUri) {
      const config = await configured().catch((error: unknown) => {
        throw httpError(
          'server_error',
          `The identity provider cannot be reached: ${(error as Error).message}`,
        )
      })
      const codeVerifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const now = new Date()
      await database.query('delete from people_oidc_states where expires_at <= $1', [now.toISOString()])
      await database.query(
        'insert into people_oidc_states (state, code_verifier, nonce, expires_at) values ($1, $2, $3, $4)',
        [state, codeVerifier, nonce, new Date(now.getTime() + STATE_TTL_MS).toISOString()],
      )
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: ['openid', 'email', 'profile', ...(options.extraScopes ?? [])].join(' '),
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      return { url, state }
    },
    async finish(database, callbackUrl, stateFromCookie) {
      const state = callbackUrl.searchParams.get('state') ?? ''
      if (state === '' || state.length > 200 || state !== stateFromCookie) {
        throw httpError(
          'unauthorized',
          'This sign-in did not start in this browser, or it expired: start again.',
        )
      }
      const { rows } = await database.query<{ code_verifier: string; nonce: string }>(
        'delete from people_oidc_states where state = $1 and expires_at > $2 returning code_verifier, nonce',
        [state, new Date().toISOString()],
      )
      const pending = rows[0]
      if (pending === undefined)
        throw httpError('unauthorized', 'This sign-in expired or was used: start again.')
      const config = await configured()
      let claims: client.IDToken | undefined
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.code_verifier,
          expectedState: state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        })
        claims = tokens.claims()
      } catch (error) {
        throw httpError(
          'unauthorized',
          `The identity provider's answer was refused: ${(error as Error).message}`,
        )
      }
      if (claims === undefined) throw httpError('unauthorized', 'The identity provider sent no ID token.')
      const grant = await groupGrant(database, config, tokens.access_token, claims)
      return userForClaims(database, issuer, claims, grant)
    },
  }
}

async function userForClaims(
  database: Database,
  issuer: string,
  claims: client.IDToken,
  grant: GroupGrant | undefined,
): Promise<User> {
  const subject = claims.sub
  const linked = await database.query<{ user_id: string }>(
    'select user_id from people_oidc_identities where issuer = $1 and subject = $2',
    [issuer, subject],
  )
  const linkedId = linked.rows[0]?.user_id
  if (linkedId !== undefined) {
    const user = await findUser(database, linkedId)
    if (user === undefined) throw httpError('forbidden', 'This account is disabled.')
    if (grant !== undefined) await applyGroupRole(database, { ...grant, userId: user.userId })
    return user
  }
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : undefined
  if (email === undefined || claims.email_verified !== true) {
    throw httpError(
      'forbidden',
      'The identity provider did not vouch for an email address: an admin must invite you first.',
    )
  }
  return database.transaction(async (transaction) => {
    let user = await findUserByEmail(transaction, email)
    if (user === undefined) {
      const invites = await openInvitesForEmail(transaction, email)
      if (invites.length === 0 && grant?.role === undefined) {
        throw httpError(
          'forbidden',
          grant === undefined
            ? `${email} has no account and no open invite here: ask an admin for an invite.`
            : `${email} has no account, no open invite here, and no group that gives a role: ask an admin.`,
        )
      }
      const name =
        typeof claims.name === 'string' && claims.name.trim() !== ''
          ? claims.name.trim().slice(0, 100)
          : email
      user = await insertUser(transaction, { email, displayName: name })
      for (const invite of invites) {
        await acceptInviteById(transaction, {
          workspaceId: invite.workspaceId,
          inviteId: invite.inviteId,
          userId: user.userId,
        })
        await upsertMembership(transaction, {
          workspaceId: invite.workspaceId,
          userId: user.userId,
          role: invite.role,
          addedBy: invite.createdBy,
        })
      }
    }
    await transaction.query(
      'insert into people_oidc_identities (issuer, subject, user_id) values ($1, $2, $3) on conflict do nothing',
      [issuer, subject, user.userId],
    )
    if (grant !== undefined) await applyGroupRole(transaction, { ...grant, userId: user.userId })
    return user
  })
}
