export {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  signWebhookPayload,
  type VerifyWebhookSignatureOptions,
  verifyWebhookSignature,
} from '@mima/core'
export {
  type AppDependencies,
  collectMigrations,
  createApp,
  DEFAULT_LIMITS,
  FEATURES,
} from './app'
export {
  type ApprovalsFeatureOptions,
  approvalsFeature,
  createApprovalsFeature,
} from './approvals/approvals-feature'
export {
  AUDIT_PACK_FORMAT,
  type AuditPack,
  type BuildAuditPackOptions,
  buildAuditPack,
} from './audit-pack/audit-pack'
export { auditPackFeature } from './audit-pack/audit-pack-feature'
export { createZip, readStoredZip, type ZipEntry } from './audit-pack/zip-writer'
export {
  createDashboardFeature,
  type DashboardOptions,
  dashboardFeature,
} from './dashboard/dashboard-feature'
export { escapeHtml } from './dashboard/escape-html'
export {
  countUnattestedCalls,
  type GuardEventInput,
  insertGuardEvents,
} from './guard-events/guard-event-store'
export { generateApiKey, hashApiKey } from './http/api-keys'
export {
  type AppEnv,
  type Principal,
  type RequireWorkspaceOptions,
  ROLES,
  type Role,
  readJson,
  readJsonObject,
  requirePrincipal,
  requireWorkspace,
  type ServerContext,
  type ServerLimits,
} from './http/context'
export { type ErrorBody, errorBody, httpError, statusForCode } from './http/errors'
export { defineFeature, type ServerFeature } from './http/feature'
export { assertStorableJson, MAX_JSON_DEPTH, parseTimestamp } from './http/input-guard'
export {
  createIngestQueue,
  type IngestJob,
  type IngestOutcome,
  type IngestQueue,
  type IngestResult,
  type NewAttestation,
  type NewEvidence,
} from './ingest/ingest-queue'
export {
  type CustodiedKey,
  type KeyCustody,
  type KeyCustodyOptions,
  keyCustodyFromEnv,
  loadCustodiedKey,
} from './key-custody/key-custody'
export {
  type ConsistencyProofResponse,
  createLedger,
  type InclusionProofResponse,
  type Ledger,
  type LedgerAppend,
  type LedgerAppender,
  type LedgerLeaf,
} from './ledger/ledger'
export { loadOrCreateServerKey, type ServerKey, serverKeyFromPkcs8 } from './ledger/server-key'
export { type BootstrapResult, bootstrapIfEmpty } from './server/bootstrap'
export { loadConfig, type ServerConfig } from './server/config'
export {
  createJsonLogger,
  createServerLogger,
  type JsonLoggerOptions,
  type LogFields,
  type LogFormat,
  type Logger,
  type LogLevel,
  type ServerLoggerOptions,
  silentLogger,
} from './server/logger'
export {
  type RecoverAdminKeyOptions,
  type RecoveredAdminKey,
  recoverAdminKey,
} from './server/recover-admin-key'
export { openDatabase, type RunningServer, type StartServerOptions, startServer } from './server/start-server'
export type { Database, Queryable, QueryResult } from './storage/database'
export { type Migration, runMigrations, sortMigrations } from './storage/migrations'
export { createPgliteDatabase, type PgliteDatabaseOptions, snapshotPglite } from './storage/pglite-database'
export { createPostgresDatabase, type PostgresDatabaseOptions } from './storage/postgres-database'
export { SERVER_MIGRATIONS } from './storage/server-migrations'
export { VERSION } from './version'
export { DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT } from './webhooks/webhook-events'
export type { WebhookPayload } from './webhooks/webhook-service'
export { isPrivateAddress } from './webhooks/webhook-url'
export {
  createWebhooksFeature,
  type WebhooksFeatureOptions,
  webhooksFeature,
} from './webhooks/webhooks-feature'
