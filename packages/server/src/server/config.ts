import { approvalTokenTtlSeconds } from '../approvals/approval-token-ttl'
import type { LogFormat, LogLevel } from './logger'

/** Everything `mima-server` reads from the environment. */
export interface ServerConfig {
  /** `PORT`, default 8080 (0 picks a free port). */
  port: number
  /** `HOST`, default `127.0.0.1`. */
  host: string
  /** `MIMA_DATA_DIR`, default `./.mima-data` (PGlite data directory; unused with `DATABASE_URL`). */
  dataDir: string
  /** `DATABASE_URL`: PostgreSQL instead of PGlite. */
  databaseUrl?: string
  /** `MIMA_DATABASE_SCHEMA`: PostgreSQL schema (created when missing). */
  databaseSchema?: string
  /** `MIMA_BOOTSTRAP_API_KEY`: the bootstrap admin key's value on first start. */
  bootstrapApiKey?: string
  /** `MIMA_BOOTSTRAP_WORKSPACE_ID`: the bootstrap workspace's id on first start. */
  bootstrapWorkspaceId?: string
  /** `MIMA_BODY_LIMIT_BYTES`, default 5 MiB. */
  bodyLimitBytes?: number
  /** `MIMA_MAX_BATCH_RECORDS`, default 1000. */
  maxBatchRecords?: number
  /** `MIMA_LOG_LEVEL` (`debug`, `info`, `warn`, `error`, `silent`), default `info`. */
  logLevel: LogLevel
  /** `MIMA_LOG_FORMAT` (`auto`, `json`, `pretty`), default `auto`: readable on a terminal, JSON otherwise. */
  logFormat: LogFormat
  /**
   * `MIMA_APPROVAL_TOKEN_TTL_SECONDS`: how long an approval token stays valid after the approval,
   * 1–86 400 seconds, default 900.
   */
  approvalTokenTtlSeconds: number
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${raw}".`)
  return value
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** Reads {@link ServerConfig} from environment variables; throws a clear error on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const level = (nonEmpty(env.MIMA_LOG_LEVEL) ?? 'info') as LogLevel
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) {
    throw new Error(`MIMA_LOG_LEVEL must be debug, info, warn, error or silent, got "${level}".`)
  }
  const format = (nonEmpty(env.MIMA_LOG_FORMAT) ?? 'auto') as LogFormat
  if (!['auto', 'json', 'pretty'].includes(format)) {
    throw new Error(`MIMA_LOG_FORMAT must be auto, json or pretty, got "${format}".`)
  }
  const config: ServerConfig = {
    port: positiveInteger(env, 'PORT') ?? 8080,
    host: nonEmpty(env.HOST) ?? '127.0.0.1',
    dataDir: nonEmpty(env.MIMA_DATA_DIR) ?? './.mima-data',
    logLevel: level,
    logFormat: format,
    // The approvals module's validation (and its messages): a bad value stops the start.
    approvalTokenTtlSeconds: approvalTokenTtlSeconds(env),
  }
  const optional = {
    databaseUrl: nonEmpty(env.DATABASE_URL),
    databaseSchema: nonEmpty(env.MIMA_DATABASE_SCHEMA),
    bootstrapApiKey: nonEmpty(env.MIMA_BOOTSTRAP_API_KEY),
    bootstrapWorkspaceId: nonEmpty(env.MIMA_BOOTSTRAP_WORKSPACE_ID),
    bodyLimitBytes: positiveInteger(env, 'MIMA_BODY_LIMIT_BYTES'),
    maxBatchRecords: positiveInteger(env, 'MIMA_MAX_BATCH_RECORDS'),
  }
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value
  }
  return config
}
