#!/usr/bin/env node
import { MimaError } from '@mima/core'
import { boxed } from './server/bootstrap'
import { loadConfig, type ServerConfig } from './server/config'
import { createServerLogger } from './server/logger'
import { startServer } from './server/start-server'

// `mima-server`: configuration from the environment (PORT, HOST, MIMA_DATA_DIR, DATABASE_URL,
// MIMA_BOOTSTRAP_API_KEY, …), logs on stdout (readable on a terminal, JSON otherwise), the
// first-start admin key boxed on stderr, graceful shutdown on SIGINT/SIGTERM.

const USAGE = `Usage:
  mima-server                        start the API and dashboard (configured by the environment)
  mima-server recover-admin-key [--workspace-id ID]
                                     create a new admin API key, for an operator with access to
                                     the database (stop the server first when it uses PGlite)

Environment: PORT (8080), HOST (127.0.0.1), MIMA_DATA_DIR (./.mima-data), DATABASE_URL,
MIMA_DATABASE_SCHEMA, MIMA_BOOTSTRAP_API_KEY, MIMA_LOG_LEVEL (info), MIMA_LOG_FORMAT (auto|json|pretty).
`

/** Exit codes, as the `mima` CLI's: 2 for a usage or start-up problem the operator can fix. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const

class UsageProblem extends Error {}

function databaseOptions(config: ServerConfig): {
  databaseUrl?: string
  databaseSchema?: string
  dataDir: string
} {
  return {
    dataDir: config.dataDir,
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    ...(config.databaseSchema === undefined ? {} : { databaseSchema: config.databaseSchema }),
  }
}

async function serve(config: ServerConfig): Promise<void> {
  const logger = createServerLogger({ level: config.logLevel, format: config.logFormat })
  const server = await startServer({
    port: config.port,
    host: config.host,
    logger,
    approvalTokenTtlSeconds: config.approvalTokenTtlSeconds,
    ...databaseOptions(config),
    ...(config.bootstrapApiKey === undefined ? {} : { bootstrapApiKey: config.bootstrapApiKey }),
    ...(config.bootstrapWorkspaceId === undefined
      ? {}
      : { bootstrapWorkspaceId: config.bootstrapWorkspaceId }),
    limits: {
      ...(config.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: config.bodyLimitBytes }),
      ...(config.maxBatchRecords === undefined ? {} : { maxBatchRecords: config.maxBatchRecords }),
    },
  })
  process.stderr.write(
    `mima-server: ready on ${server.url} (dashboard at ${server.url}/dashboard). Ctrl-C stops.\n`,
  )
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info('shutting down', { signal })
    server.close().then(
      () => process.exit(EXIT.ok),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) })
        process.exit(EXIT.failed)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

async function recover(config: ServerConfig, args: readonly string[]): Promise<void> {
  let workspaceId: string | undefined
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!
    if (arg === '--workspace-id' && args[index + 1] !== undefined) workspaceId = args[++index]
    else if (arg.startsWith('--workspace-id=')) workspaceId = arg.slice('--workspace-id='.length)
    else throw new UsageProblem(`recover-admin-key: unexpected argument '${arg}'`)
  }
  const { recoverAdminKey } = await import('./server/recover-admin-key')
  const recovered = await recoverAdminKey({
    ...databaseOptions(config),
    ...(workspaceId === undefined ? {} : { workspaceId }),
  })
  process.stderr.write(
    `${boxed([
      'mima-server: created a new admin API key (recorded in the workspace ledger).',
      '',
      `  workspace id  ${recovered.workspaceId}`,
      `  admin key     ${recovered.adminKey}`,
      '',
      'Shown once: copy it now. Earlier keys stay valid until revoked (`mima keys revoke`).',
    ])}\n`,
  )
}

async function main(args: readonly string[]): Promise<void> {
  const [command, ...rest] = args
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return
  }
  let config: ServerConfig
  try {
    config = loadConfig()
  } catch (error) {
    throw new UsageProblem((error as Error).message)
  }
  if (command === undefined) return serve(config)
  if (command === 'recover-admin-key') return recover(config, rest)
  throw new UsageProblem(`unknown command '${command}'`)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = (error as Error)?.message ?? String(error)
  if (error instanceof UsageProblem) {
    process.stderr.write(`mima-server: ${message}\n\n${USAGE}`)
    process.exit(EXIT.usage)
  }
  // A busy port, a data directory another server holds, a bad setting: one line, exit 2.
  const known =
    MimaError.isInstance(error) &&
    ['address_in_use', 'data_dir_locked', 'config_invalid', 'config_missing', 'not_found'].includes(
      error.code,
    )
  process.stderr.write(`mima-server: ${message}\n`)
  process.exit(known ? EXIT.usage : EXIT.failed)
})
