import { type AddressInfo, createServer } from 'node:net'
import { serve } from '@hono/node-server'
import { MimaError } from '@mima/core'
import { collectMigrations, createApp, FEATURES } from '../app'
import { approvalTokenTtlSeconds } from '../approvals/approval-token-ttl'
import { approvalsFeature, createApprovalsFeature } from '../approvals/approvals-feature'
import type { ServerLimits } from '../http/context'
import type { ServerFeature } from '../http/feature'
import { type KeyCustodyOptions, keyCustodyFromEnv, loadCustodiedKey } from '../key-custody/key-custody'
import { createLedger, type Ledger } from '../ledger/ledger'
import { applyUmaskToDataDir, type DataDirLock, lockDataDir } from '../storage/data-dir-lock'
import type { Database } from '../storage/database'
import { runMigrations } from '../storage/migrations'
import { createPgliteDatabase } from '../storage/pglite-database'
import { createPostgresDatabase } from '../storage/postgres-database'
import { type BootstrapResult, bootstrapIfEmpty, bootstrapMessage } from './bootstrap'
import { createJsonLogger, type Logger } from './logger'

/** Options for {@link startServer}. Everything is optional; `mima-server` fills them from the environment. */
export interface StartServerOptions {
  /** Port to listen on; 0 (the default here) picks a free one. */
  port?: number
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string
  /** PostgreSQL connection string; PGlite when omitted. */
  databaseUrl?: string
  /** PostgreSQL schema to use (created when missing). */
  databaseSchema?: string
  /** PGlite data directory. Default `./.mima-data`. */
  dataDir?: string
  /** An already open database (then `databaseUrl`/`dataDir` are ignored and `close()` closes it too). */
  database?: Database
  /** The bootstrap admin key's value on first start (random otherwise). */
  bootstrapApiKey?: string
  /** The bootstrap workspace's id on first start (a UUIDv7 otherwise). */
  bootstrapWorkspaceId?: string
  limits?: Partial<ServerLimits>
  logger?: Logger
  /** Feature modules to mount. Default: all of them. */
  features?: readonly ServerFeature[]
  /** Called once after a first start; prints how to use the new key to stderr by default. */
  onBootstrap?: (result: BootstrapResult, url: string) => void
  /** How long `close()` waits for in-flight requests before cutting connections. Default 10 s. */
  shutdownTimeoutMs?: number
  /**
   * Approval token lifetime after the approval, in seconds (1–86 400). `mima-server` passes
   * `loadConfig().approvalTokenTtlSeconds`; when omitted, `MIMA_APPROVAL_TOKEN_TTL_SECONDS` is
   * read (default 900) and a bad value rejects the start.
   */
  approvalTokenTtlSeconds?: number
  /**
   * Where the signing key lives (see `docs/key-custody.md`). Defaults from the environment
   * (`MIMA_SIGNING_KEY[_FILE|_COMMAND]`, `MIMA_MASTER_KEY[_FILE]`); on PGlite with a data directory
   * and no master key, `<data dir>.master-key` is created and encrypts the stored key.
   */
  keyCustody?: KeyCustodyOptions
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port` (without `/api`). */
  url: string
  port: number
  database: Database
  ledger: Ledger
  /** Set when this start bootstrapped an empty database. */
  bootstrap: BootstrapResult | undefined
  /** Stops accepting connections, waits for in-flight requests, then closes the database. */
  close(): Promise<void>
}

/** Opens the database the options describe (PostgreSQL with a URL, PGlite otherwise). */
export async function openDatabase(
  options: Pick<StartServerOptions, 'databaseUrl' | 'databaseSchema' | 'dataDir'>,
): Promise<Database> {
  if (options.databaseUrl !== undefined) {
    return createPostgresDatabase({
      connectionString: options.databaseUrl,
      ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
    })
  }
  return createPgliteDatabase({ dataDir: options.dataDir ?? './.mima-data' })
}

/**
 * Starts the Mima server: opens the database, runs migrations, loads (or creates) the ledger key,
 * bootstraps an empty database, and listens.
 *
 * @example
 * ```ts
 * import { startServer } from '@mima/server'
 * const server = await startServer({ port: 8080, dataDir: './.mima-data' })
 * console.log(server.url)
 * await server.close()
 * ```
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createJsonLogger()
  // Checked before the database opens: a bad lifetime stops the start.
  const tokenTtlSeconds = options.approvalTokenTtlSeconds ?? approvalTokenTtlSeconds(process.env)
  const features = (options.features ?? FEATURES).map((feature) =>
    feature === approvalsFeature ? createApprovalsFeature({ tokenTtlSeconds }) : feature,
  )
  const host = options.host ?? '127.0.0.1'
  // An embedded database is this process's alone: lock its directory before opening it, and
  // check the port before the (slow) first open, so a second start fails at once and clearly.
  const pgliteDir =
    options.database === undefined && options.databaseUrl === undefined
      ? (options.dataDir ?? './.mima-data')
      : undefined
  const lock: DataDirLock | undefined = pgliteDir === undefined ? undefined : lockDataDir(pgliteDir)
  let database: Database
  try {
    if (options.port !== undefined && options.port !== 0) await assertPortFree(host, options.port)
    database = options.database ?? (await openDatabase(options))
  } catch (error) {
    lock?.release()
    throw error
  }
  if (pgliteDir !== undefined) applyUmaskToDataDir(pgliteDir)
  try {
    const applied = await runMigrations(database, collectMigrations(features))
    if (applied.length > 0) logger.info('migrations applied', { migrations: applied })
    // PGlite on a data directory keeps its master key beside it unless one is configured.
    const { key, created, custody } = await loadCustodiedKey(database, {
      ...keyCustodyFromEnv(),
      ...(pgliteDir === undefined ? {} : { dataDir: pgliteDir }),
      ...options.keyCustody,
    })
    if (created) logger.info('ledger key created', { public_key: key.publicKeyHex, custody })
    if (custody === 'database-plaintext' && database.kind === 'postgres') {
      logger.warn('signing key stored unencrypted', {
        hint: 'Set MIMA_MASTER_KEY (or MIMA_MASTER_KEY_FILE) to encrypt it at rest, or keep it outside the database with MIMA_SIGNING_KEY_FILE or MIMA_SIGNING_KEY_COMMAND. See docs/key-custody.md.',
      })
    }
    const ledger = createLedger(key)
    const bootstrap = await bootstrapIfEmpty(database, ledger, {
      ...(options.bootstrapApiKey === undefined ? {} : { apiKey: options.bootstrapApiKey }),
      ...(options.bootstrapWorkspaceId === undefined ? {} : { workspaceId: options.bootstrapWorkspaceId }),
    })
    const shutdownHooks: Array<() => Promise<void> | void> = []
    const app = createApp({
      database,
      ledger,
      logger,
      features,
      shutdownHooks,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    })
    const httpServer = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () =>
        resolve(server),
      )
      server.once('error', (error) => reject(listenError(error, host, options.port ?? 0)))
      keepConnectionsAlive(server)
    })
    const address = httpServer.address() as AddressInfo
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
    lock?.describe({ url })
    logger.info('listening', { url, database: database.kind, public_key: key.publicKeyHex })
    if (bootstrap !== undefined) {
      const report =
        options.onBootstrap ??
        ((result: BootstrapResult, at: string) =>
          process.stderr.write(`${bootstrapMessage(result, at, options.bootstrapApiKey !== undefined)}\n`))
      report(bootstrap, url)
    }
    let closing: Promise<void> | undefined
    return {
      url,
      port: address.port,
      database,
      ledger,
      bootstrap,
      close(): Promise<void> {
        closing ??= (async () => {
          const drained = new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              if ('closeAllConnections' in httpServer) httpServer.closeAllConnections()
            }, options.shutdownTimeoutMs ?? 10_000)
            timer.unref()
            httpServer.close(() => {
              clearTimeout(timer)
              resolve()
            })
            if ('closeIdleConnections' in httpServer) httpServer.closeIdleConnections()
          })
          // No new connections from here. The features' hooks run now, while requests drain: they
          // answer held long-polls and end SSE streams (which would otherwise hold the drain up to
          // the timeout) and release timers and LISTEN connections. The database closes last.
          for (const hook of shutdownHooks.reverse()) {
            try {
              await hook()
            } catch (error) {
              logger.warn('shutdown hook failed', { error: String(error) })
            }
          }
          await drained
          await database.close()
          if (pgliteDir !== undefined) applyUmaskToDataDir(pgliteDir)
          lock?.release()
          logger.info('stopped', { url })
        })()
        return closing
      },
    }
  } catch (error) {
    await database.close().catch(() => {})
    lock?.release()
    throw error
  }
}

/** A listen failure as a one-line error: a busy port or a host this machine does not have. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') {
    return new MimaError(
      'address_in_use',
      `Port ${port} on ${host} is already in use (another Mima server?). Stop it, or choose another port with --port or PORT.`,
      { cause: error },
    )
  }
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
    return new MimaError(
      'config_invalid',
      `Cannot listen on ${host}:${port} (${code}): choose another --host/HOST or --port/PORT.`,
      { cause: error },
    )
  }
  return error
}

/** Fails with {@link listenError} when `host:port` cannot be bound right now. */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error) => reject(listenError(error, host, port)))
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()))
  })
}

/** How long an idle keep-alive connection stays open, in milliseconds (Node's default is 5 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000

/**
 * Keeps idle connections open for {@link KEEP_ALIVE_TIMEOUT_MS}. With Node's 5 s, a client that
 * reuses a pooled connection just as the server closes it sends its request into a closed socket and
 * gets ECONNRESET. It cannot know whether the server saw the request. Under load this happened to
 * the fuzz suite's own `fetch`. The server's close must come after the client's own idle limit
 * (undici takes the `Keep-Alive: timeout` hint minus one second) and after a proxy's (commonly 60 s).
 * `headersTimeout` must exceed it, or Node ends the idle connection through that timer instead.
 */
function keepConnectionsAlive(server: ReturnType<typeof serve>): void {
  const http = server as unknown as { keepAliveTimeout: number; headersTimeout: number }
  http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS
  http.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000
}
