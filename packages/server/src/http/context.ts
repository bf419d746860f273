import type { Context } from 'hono'
import type { IngestQueue } from '../ingest/ingest-queue'
import type { Ledger } from '../ledger/ledger'
import type { Logger } from '../server/logger'
import type { Database } from '../storage/database'
import { httpError } from './errors'
import { assertStorableJson } from './input-guard'
import type { PrincipalCache } from './principal-cache'

/** An API key's role: `ingest` for agents, `approver` for people deciding approvals, `admin`. */
export type Role = 'ingest' | 'approver' | 'admin'

/** All roles, in order of privilege. */
export const ROLES: readonly Role[] = ['ingest', 'approver', 'admin']

/**
 * A person's role in a workspace (dashboard users, see `people/`): `viewer` reads, `approver` also
 * decides approvals, `compliance` also manages evidence and reports, `admin` manages everything.
 */
export type UserRole = 'viewer' | 'approver' | 'compliance' | 'admin'

/** All user roles, in order of privilege. */
export const USER_ROLES: readonly UserRole[] = ['viewer', 'approver', 'compliance', 'admin']

/**
 * Who is calling: the API key that authenticated the request, or a person signed in to the
 * dashboard (then `userId` is set, `keyId` is `user:<userId>` and `keyName` is their email).
 * API requests always carry a key, so API routes only ever see key roles.
 */
export interface Principal {
  keyId: string
  keyName: string
  role: Role | UserRole
  workspaceId: string
  /** Admin keys of the bootstrap workspace may create workspaces. */
  isRootWorkspace: boolean
  /** Set when a person (not a key) acts, through a dashboard session. */
  userId?: string
}

/** Limits every route shares. */
export interface ServerLimits {
  /** Largest request body accepted, in bytes (413 beyond). */
  bodyLimitBytes: number
  /** Most records accepted in one batch request (422 beyond). */
  maxBatchRecords: number
}

/** Everything a route module needs: storage, ledger, logging, limits. */
export interface ServerContext {
  database: Database
  ledger: Ledger
  logger: Logger
  limits: ServerLimits
  /** Stores attestations and evidence with their ledger leaves (group commit). */
  ingest: IngestQueue
  /** Authenticated keys, cached briefly; clear it after revoking a key. */
  principals: PrincipalCache
  /**
   * Registers cleanup (timers, LISTEN connections) that `close()` runs after the HTTP server
   * stopped and before the database closes.
   */
  onClose(callback: () => Promise<void> | void): void
}

/** Hono environment of every route (`Hono<AppEnv>`). */
export interface AppEnv {
  Variables: {
    requestId: string
    principal: Principal | undefined
    server: ServerContext
  }
}

/** The caller, or a 401 when the request carried no valid API key. */
export function requirePrincipal(context: Context<AppEnv>): Principal {
  const principal = context.get('principal')
  if (principal === undefined) {
    throw httpError(
      'unauthorized',
      'Missing or invalid API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>".',
    )
  }
  return principal
}

/** Options for {@link requireWorkspace}. */
export interface RequireWorkspaceOptions {
  /** Roles allowed; every role when omitted. */
  roles?: readonly Role[]
  /** Route parameter holding the workspace id. Default `ws`. */
  param?: string
}

/**
 * Checks the caller's key belongs to the workspace in the path (404 otherwise, so other
 * workspaces stay invisible) and has an allowed role (403 otherwise). Returns the principal.
 *
 * @example
 * ```ts
 * api.get('/workspaces/:ws/governance/grc/readiness', async (c) => {
 *   const principal = requireWorkspace(c)
 *   return c.json(await readiness(c.get('server').database, principal.workspaceId))
 * })
 * ```
 */
export function requireWorkspace(context: Context<AppEnv>, options: RequireWorkspaceOptions = {}): Principal {
  const principal = requirePrincipal(context)
  const workspaceId = context.req.param(options.param ?? 'ws')
  if (workspaceId !== principal.workspaceId) {
    throw httpError('not_found', `Workspace "${workspaceId ?? ''}" not found for this API key.`)
  }
  if (options.roles !== undefined && !options.roles.includes(principal.role as Role)) {
    throw httpError(
      'forbidden',
      `This needs a key with role ${options.roles.join(' or ')}; this key has role ${principal.role}.`,
    )
  }
  return principal
}

/**
 * The parsed JSON body, or a 400 `bad_request` for a missing or malformed body, or a 422 for a
 * body the database cannot store (NUL, lone surrogates, nesting past `MAX_JSON_DEPTH`; see
 * `input-guard.ts`). The body-size limit was already enforced by the app.
 */
export async function readJson(context: Context<AppEnv>): Promise<unknown> {
  let text: string
  try {
    text = await context.req.text()
  } catch (error) {
    if ((error as { code?: string }).code === 'payload_too_large') throw error
    throw httpError('bad_request', 'Could not read the request body.')
  }
  if (text.trim().length === 0)
    throw httpError('bad_request', 'The request body is empty; send a JSON object.')
  let body: unknown
  try {
    body = JSON.parse(text) as unknown
  } catch (error) {
    throw httpError('bad_request', `The request body is not valid JSON: ${(error as Error).message}`)
  }
  // The boundary check every JSON body passes: no NUL, no lone surrogates, bounded nesting.
  assertStorableJson(body)
  return body
}

/** A JSON object body (400 for arrays, strings, numbers, null). */
export async function readJsonObject(context: Context<AppEnv>): Promise<Record<string, unknown>> {
  const body = await readJson(context)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw httpError('bad_request', 'The request body must be a JSON object.')
  }
  return body as Record<string, unknown>
}
