/**
 * The Mima HTTP API as a Hono app.
 *
 * How a feature module plugs in (one line each in {@link FEATURES} below):
 *
 * 1. Create `src/<feature>/<feature>-feature.ts` exporting
 *    `export const grcFeature: ServerFeature = defineFeature({ name, migrations, register })`.
 * 2. `register(api, server)` adds routes to `api` with paths WITHOUT `/api`
 *    (`/workspaces/:ws/governance/grc/readiness`); the app serves each route both at `/api/…` and
 *    at `/…`. Authentication already ran: call `requireWorkspace(c, { roles })` (404 for another
 *    workspace, 403 for a wrong role) and `readJsonObject(c)` (400 on malformed JSON; the body limit
 *    already applied). Throw `httpError(code, message)` for 4xx; the app renders
 *    `{ error: { code, message, request_id }, detail }`. `server` holds the database, the ledger
 *    (`server.ledger.lock(tx, ws)` then `append([...])` inside your transaction), logger and limits.
 * 3. `migrations: [{ id: '010_grc_gates', sql: '…' }]` in the feature's number range:
 *      server (incl. evidence) 001–009 · grc 010–019 · approvals 020–029 · webhooks 030–039 ·
 *      dashboard 040–049 · policy 050–059
 *    Tables lead their keys with `workspace_id`. They run in id order on start (see
 *    `collectMigrations`); an applied id never changes, so add a new one for a schema change.
 * 4. Answer 2xx only after your transaction committed (`await database.transaction(...)`).
 * 5. Timers, LISTEN connections, held long-polls, SSE streams and other resources: release them in
 *    `server.onClose(fn)`. `close()` runs the callbacks (last registered first) as soon as the HTTP
 *    server stops accepting connections, while in-flight requests drain, and closes the database
 *    after both: end long-lived responses there, or shutdown waits for its 10 s timeout.
 */
import { MimaError } from '@mima/core'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { agentsFeature } from './agents/agents-feature'
import { approvalsFeature } from './approvals/approvals-feature'
import { attestationsFeature } from './attestations/attestation-routes'
import { auditPackFeature } from './audit-pack/audit-pack-feature'
import { budgetsFeature } from './budgets/budgets-feature'
import { dashboardFeature } from './dashboard/dashboard-feature'
import { evidenceFeature } from './evidence/evidence-routes'
import { grcFeature } from './grc/grc-feature'
import { guardEventsFeature } from './guard-events/guard-event-routes'
import { apiKeyOf, hashApiKey } from './http/api-keys'
import { bodyLimitGuard, unreadBodyDrain } from './http/body-limit'
import type { AppEnv, ServerContext, ServerLimits } from './http/context'
import { errorBody, httpError } from './http/errors'
import type { ServerFeature } from './http/feature'
import { newRequestId } from './http/ids'
import { formGuard, inputGuard } from './http/input-guard'
import { createPrincipalCache } from './http/principal-cache'
import { createIngestQueue } from './ingest/ingest-queue'
import { listKeyRotations } from './key-custody/key-rotation'
import type { Ledger } from './ledger/ledger'
import { ledgerFeature } from './ledger/ledger-routes'
import { mcpFeature } from './mcp/mcp-feature'
import { policyFeature } from './policy/policy-feature'
import { reportsFeature } from './reports/reports-feature'
import { scannerFeature } from './scanner/runtime-events-routes'
import type { Logger } from './server/logger'
import type { Database } from './storage/database'
import type { Migration } from './storage/migrations'
import { SERVER_MIGRATIONS } from './storage/server-migrations'
import { usageFeature } from './usage/usage-feature'
import { VERSION } from './version'
import { webhooksFeature } from './webhooks/webhooks-feature'
import { workspacesFeature } from './workspaces/workspace-routes'
import { findPrincipalByHash } from './workspaces/workspace-store'

/** Every feature module the server runs, in registration order. Add one line per feature. */
export const FEATURES: readonly ServerFeature[] = [
  workspacesFeature,
  attestationsFeature,
  evidenceFeature,
  guardEventsFeature,
  scannerFeature,
  ledgerFeature,
  approvalsFeature,
  webhooksFeature,
  grcFeature,
  policyFeature,
  auditPackFeature,
  // reports (Article 12, summary; issue #18)
  reportsFeature,
  // usage, budgets and agents (060–069)
  usageFeature,
  budgetsFeature,
  agentsFeature,
  // MCP servers seen by governing proxies (070–079)
  mcpFeature,
  dashboardFeature,
]

/** The server's migrations plus every feature's, sorted by id. */
export function collectMigrations(features: readonly ServerFeature[] = FEATURES): Migration[] {
  return [...SERVER_MIGRATIONS, ...features.flatMap((feature) => feature.migrations ?? [])].sort(
    (left, right) => left.id.localeCompare(right.id),
  )
}

/** Default limits. */
export const DEFAULT_LIMITS: ServerLimits = { bodyLimitBytes: 5 * 1024 * 1024, maxBatchRecords: 1000 }

/** What {@link createApp} needs. */
export interface AppDependencies {
  database: Database
  ledger: Ledger
  logger: Logger
  limits?: Partial<ServerLimits>
  /** Features to mount; {@link FEATURES} when omitted. */
  features?: readonly ServerFeature[]
  /** Receives the cleanup callbacks features register with `server.onClose` (run them on shutdown). */
  shutdownHooks?: Array<() => Promise<void> | void>
}

/** SQLSTATE class 22 (data exception) and 54000/54001 (value or statement too large). */
function isDatabaseDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(22[0-9A-Z]{3}|5400[01])$/.test(code)
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Builds the Hono app: request ids, JSON access logs, body limit, API-key auth, the features'
 * routes under `/api` and at the root, and JSON errors.
 *
 * @example
 * ```ts
 * const app = createApp({ database, ledger, logger })
 * serve({ fetch: app.fetch, port: 8080 })
 * ```
 */
/** Paths logged at debug level when they succeed: dashboard assets, health checks, favicons. */
const ROUTINE_PATH = /^(?:\/dashboard\/assets\/|\/favicon\.ico$|(?:\/api)?\/health$)/

export function createApp(dependencies: AppDependencies): Hono<AppEnv> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...dependencies.limits }
  const hooks = dependencies.shutdownHooks ?? []
  const server: ServerContext = {
    database: dependencies.database,
    ledger: dependencies.ledger,
    logger: dependencies.logger,
    limits,
    ingest: createIngestQueue({ database: dependencies.database, ledger: dependencies.ledger }),
    principals: createPrincipalCache(),
    onClose: (callback) => {
      hooks.push(callback)
    },
  }
  const { logger } = dependencies
  const app = new Hono<AppEnv>()

  app.use(unreadBodyDrain())

  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : newRequestId()
    c.set('requestId', requestId)
    c.set('server', server)
    c.set('principal', undefined)
    // Set before next(): a header added after the handler makes Hono's Node adapter rebuild the
    // whole Response (measured: ~17% of a push's server CPU). Error answers set it again below.
    c.header('x-request-id', requestId)
    const started = performance.now()
    await next()
    const fields = {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      workspace_id: c.get('principal')?.workspaceId,
    }
    // Asset and health requests are routine: at debug level, so a page load is one log line.
    if (ROUTINE_PATH.test(c.req.path) && c.res.status < 400) logger.debug('request', fields)
    else logger.info('request', fields)
  })

  // Hostile paths and queries (NUL, bad percent-encoding, lone surrogates) end here with a 400.
  app.use(inputGuard())

  // Body limit: the Content-Length decides where there is one; a chunked body is read here.
  const tooLarge = () =>
    httpError('payload_too_large', `The request body is larger than ${limits.bodyLimitBytes} bytes.`, {
      limit_bytes: limits.bodyLimitBytes,
    })
  app.use(bodyLimitGuard(limits.bodyLimitBytes, tooLarge))

  // Form posts (the dashboard's) pass the same checks as JSON bodies, after the size limit.
  app.use(formGuard())

  app.use(async (c, next) => {
    const key = apiKeyOf(c)
    if (key !== undefined) {
      const keyHash = hashApiKey(key)
      const principal = await server.principals.resolve(keyHash, () =>
        findPrincipalByHash(server.database, keyHash),
      )
      c.set('principal', principal)
    }
    await next()
  })

  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? newRequestId()
    let mima: MimaError
    if (MimaError.isInstance(error) && typeof error.status === 'number') {
      mima = error
    } else if (error instanceof HTTPException) {
      mima = httpError(
        error.status === 413 ? 'payload_too_large' : 'bad_request',
        error.message || 'Bad request',
      )
    } else if (isDatabaseDataError(error)) {
      // Safety net behind the input guard: a value the database refuses (SQLSTATE class 22, or a
      // size limit such as an index row too large) is the request's fault, never a 500.
      logger.warn('database refused a value', {
        request_id: requestId,
        sqlstate: (error as unknown as { code: string }).code,
      })
      mima = httpError(
        'validation_failed',
        `The database refused a value in this request: ${(error as Error).message}`,
      )
    } else {
      logger.error('unhandled error', {
        request_id: requestId,
        error: String((error as Error)?.stack ?? error),
      })
      mima = httpError('internal_error', `Internal server error (request ${requestId}).`)
    }
    const status = (mima.status ?? 500) as 400
    c.header('x-request-id', requestId)
    return c.json(errorBody(mima, requestId), status)
  })

  app.notFound((c) => {
    const error = httpError('not_found', `No route for ${c.req.method} ${c.req.path}.`)
    return c.json(errorBody(error, c.get('requestId') ?? newRequestId()), 404)
  })

  const api = new Hono<AppEnv>()
  api.get('/health', (c) => c.json({ status: 'ok', version: VERSION }))
  // The current key, and the signed handovers from earlier keys (a verifier follows them from the
  // key it pinned; every tree head also names the key that signed it).
  api.get('/ledger/public-key', async (c) =>
    c.json({
      algorithm: 'ed25519',
      public_key: server.ledger.publicKey,
      rotations: await listKeyRotations(server.database),
    }),
  )
  for (const feature of dependencies.features ?? FEATURES) feature.register(api, server)

  app.get('/', (c) => c.redirect('/dashboard', 302))
  app.route('/api', api)
  app.route('/', api)
  return app
}
