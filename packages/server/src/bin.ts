#!/usr/bin/env node
import { loadConfig } from './server/config'
import { createJsonLogger } from './server/logger'
import { startServer } from './server/start-server'

// `mima-server`: configuration from the environment (PORT, HOST, MIMA_DATA_DIR, DATABASE_URL,
// MIMA_BOOTSTRAP_API_KEY, …), JSON logs on stdout, graceful shutdown on SIGINT/SIGTERM.
async function main(): Promise<void> {
  const config = loadConfig()
  const logger = createJsonLogger({ level: config.logLevel })
  const server = await startServer({
    port: config.port,
    host: config.host,
    dataDir: config.dataDir,
    logger,
    approvalTokenTtlSeconds: config.approvalTokenTtlSeconds,
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
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
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info('shutting down', { signal })
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) })
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  process.stderr.write(`mima-server: ${(error as Error)?.message ?? String(error)}\n`)
  process.exit(1)
})
