import { CliError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { parseIntegerText, stringValue } from '../cli/parse-args'

/** The part of `@mima/server` that `mima serve` uses (typed here so the CLI never needs the server to build). */
export interface ServerModule {
  loadConfig(env: NodeJS.ProcessEnv): ServerConfig
  createJsonLogger(options: { level: ServerConfig['logLevel'] }): unknown
  /** Readable on a terminal, JSON otherwise (@mima/server ≥ 0.2). */
  createServerLogger?(options: { level: ServerConfig['logLevel']; format?: string }): unknown
  startServer(options: Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }>
}

/** What `loadConfig` reads from the environment. */
export interface ServerConfig {
  port: number
  host: string
  dataDir: string
  databaseUrl?: string
  databaseSchema?: string
  bootstrapApiKey?: string
  bootstrapWorkspaceId?: string
  bodyLimitBytes?: number
  maxBatchRecords?: number
  logLevel: string
  logFormat?: string
}

// A variable specifier keeps the bundler from resolving @mima/server at build time: it is an
// optional peer dependency, loaded only when `mima serve` runs.
const SERVER_MODULE = '@mima/server'

/** Loads `@mima/server`, or explains how to install it (exit 2). */
export async function loadServerModule(specifier: string = SERVER_MODULE): Promise<ServerModule> {
  try {
    return (await import(specifier)) as ServerModule
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(specifier)) {
      throw new CliError(
        'config_missing',
        EXIT_CODES.usage,
        '`mima serve` needs the @mima/server package, which is not installed',
        {
          hint: 'Install it next to the CLI: `npm install -g @mima/server`, or `pnpm add -D @mima/server` in a project.',
        },
      )
    }
    throw error
  }
}

async function runServe(context: CommandContext): Promise<ExitCode> {
  const { values, env, output } = context
  if (context.baseUrlFlag !== undefined) {
    throw new UsageError(
      'mima serve: --base-url names a server to talk to; use --host and --port to choose where to listen',
    )
  }
  const server = await loadServerModule()
  let config: ServerConfig
  try {
    config = server.loadConfig(env)
  } catch (error) {
    throw new CliError('config_invalid', EXIT_CODES.usage, `mima serve: ${(error as Error).message}`)
  }
  const portText = stringValue(values, 'port')
  const port =
    portText === undefined ? config.port : parseIntegerText('port', portText, { min: 0, max: 65535 })
  const databaseUrl = stringValue(values, 'database-url') ?? config.databaseUrl
  const logger =
    server.createServerLogger?.({
      level: config.logLevel,
      ...(config.logFormat === undefined ? {} : { format: config.logFormat }),
    }) ?? server.createJsonLogger({ level: config.logLevel })
  const running = await server
    .startServer({
      port,
      host: stringValue(values, 'host') ?? config.host,
      dataDir: stringValue(values, 'data-dir') ?? config.dataDir,
      logger,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      ...(config.databaseSchema === undefined ? {} : { databaseSchema: config.databaseSchema }),
      ...(config.bootstrapApiKey === undefined ? {} : { bootstrapApiKey: config.bootstrapApiKey }),
      ...(config.bootstrapWorkspaceId === undefined
        ? {}
        : { bootstrapWorkspaceId: config.bootstrapWorkspaceId }),
      limits: {
        ...(config.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: config.bodyLimitBytes }),
        ...(config.maxBatchRecords === undefined ? {} : { maxBatchRecords: config.maxBatchRecords }),
      },
    })
    .catch((error: unknown) => {
      throw startFailure(error)
    })
  output.info(
    `mima serve: listening on ${running.url} (dashboard at ${running.url}/, API at ${running.url}/api). Ctrl-C stops.`,
  )
  output.info(`mima serve: log the CLI in with \`mima login --url ${running.url} --api-key <admin key>\``)
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  output.info('mima serve: shutting down ...')
  await running.close()
  return EXIT_CODES.ok
}

/**
 * A start that failed for a reason the operator can fix (a busy port, a data directory another
 * server holds, a bad setting) is one line and exit 2, never "this is a bug in mima".
 */
function startFailure(error: unknown): unknown {
  const code = (error as { code?: unknown }).code
  if (code === 'address_in_use' || code === 'data_dir_locked' || code === 'config_invalid') {
    return new CliError(code, EXIT_CODES.usage, `mima serve: ${(error as Error).message}`)
  }
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new CliError(
      'address_in_use',
      EXIT_CODES.usage,
      `mima serve: cannot listen (${code}): ${(error as Error).message}`,
      {
        hint: 'Choose another port with --port (0 picks a free one).',
      },
    )
  }
  return error
}

/** `mima serve`. */
export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the Mima server and dashboard (needs @mima/server installed)',
  usage: ['serve [--port N] [--host HOST] [--data-dir DIR] [--database-url URL]'],
  description:
    'Starts the API and dashboard. Without a database URL it keeps its data in an embedded PGlite\n' +
    'database in the data directory (no setup; data survives restarts). On its first start it creates a\n' +
    'workspace and an admin API key and prints them once. Ctrl-C finishes in-flight requests and stops.\n' +
    'The server comes from the optional @mima/server package, so installing the CLI alone stays small.\n' +
    'Environment: PORT, HOST, MIMA_DATA_DIR, DATABASE_URL, MIMA_BOOTSTRAP_API_KEY, MIMA_LOG_LEVEL.',
  options: {
    port: {
      type: 'string',
      valueName: 'N',
      description: 'Port, 0 for any free one (or PORT)',
      defaultLabel: '8080',
    },
    host: {
      type: 'string',
      valueName: 'HOST',
      description: 'Interface to bind (or HOST)',
      defaultLabel: '127.0.0.1',
    },
    'data-dir': {
      type: 'string',
      valueName: 'DIR',
      description: 'PGlite data directory (or MIMA_DATA_DIR)',
      defaultLabel: './.mima-data',
    },
    'database-url': {
      type: 'string',
      valueName: 'URL',
      description: 'PostgreSQL instead of PGlite (or DATABASE_URL)',
    },
  },
  examples: [
    'mima serve',
    'mima serve --port 9000 --data-dir ./mima-data',
    'DATABASE_URL=postgres://mima@db/mima mima serve --host 0.0.0.0',
  ],
  run: runServe,
}
