import type { MiddlewareHandler } from 'hono'
import { createEventBus, type EventBus, eventChannel, type NotificationConnection } from '../events/event-bus'
import type { AppEnv, ServerContext } from '../http/context'
import { defineFeature, type ServerFeature } from '../http/feature'
import { loadKeyMaterial } from '../key-custody/key-custody'
import { serverKeyFromPkcs8 } from '../ledger/server-key'
import type { Database, Queryable } from '../storage/database'
import { consumeApprovalTokenWith } from './approval-redemption'
import { type TokenSigner, tokenSignerFromServerKey } from './approval-token'
import { DEFAULT_APPROVAL_TOKEN_TTL_SECONDS } from './approval-token-ttl'
import { APPROVALS_MIGRATIONS } from './approvals-migrations'
import { registerApprovalsRoutes } from './approvals-routes'
import { ApprovalsService } from './approvals-service'

// The server's Ed25519 key signs tree heads and approval tokens (see key-custody/).
const signers = new WeakMap<Database, Promise<TokenSigner>>()
const services = new WeakMap<ServerContext, ApprovalsService>()

async function readSigner(database: Database, queryable: Queryable): Promise<TokenSigner> {
  const pkcs8 = await loadKeyMaterial(database, queryable)
  return tokenSignerFromServerKey(serverKeyFromPkcs8(pkcs8.toString('hex')))
}

function signerFor(database: Database, queryable: Queryable = database): Promise<TokenSigner> {
  let signer = signers.get(database)
  if (signer === undefined) {
    signer = readSigner(database, queryable)
    signer.catch(() => signers.delete(database))
    signers.set(database, signer)
  }
  return signer
}

function lazySigner(database: Database): TokenSigner & { ready(): Promise<void> } {
  let loaded: TokenSigner | undefined
  const need = (): TokenSigner => {
    if (loaded === undefined) throw new Error('approvals: the server key was not loaded yet')
    return loaded
  }
  return {
    get keyId() {
      return need().keyId
    },
    sign: (message) => need().sign(message),
    verify: (message, signature) => need().verify(message, signature),
    async ready() {
      loaded ??= await signerFor(database)
    },
  }
}

/** The approvals service of a running app (tests, the dashboard and webhooks reach its event bus). */
export function approvalsServiceOf(server: ServerContext): ApprovalsService | undefined {
  return services.get(server)
}

/**
 * Checks and consumes an approval token inside the transaction that stores the attestation
 * presenting it — the one call the attestation ingest path makes. Throws `approval_token_invalid`
 * (400 malformed; 422 forged, expired, already used, another workspace's or another tool's); the
 * caller's transaction then rolls back, so the attestation is not stored either.
 *
 * @example
 * ```ts
 * await database.transaction(async (tx) => {
 *   const approval = record.approval_token === undefined ? undefined
 *     : await consumeApprovalToken(database, tx, { workspaceId, token: record.approval_token, toolName: record.tool_name, attestationId })
 *   // … insert the attestation (with approval?.approvalId) and append its ledger leaf
 * })
 * ```
 */
export async function consumeApprovalToken(
  database: Database,
  transaction: Queryable,
  presented: { workspaceId: string; token: unknown; toolName: string; attestationId: string },
): Promise<{ approvalId: string; approvedBy: string; contextHash: string }> {
  const signer = await signerFor(database, transaction)
  return consumeApprovalTokenWith(signer, transaction, presented)
}

/**
 * The attestation ingest path's one call: for each newly stored attestation that carries an
 * `approval_token`, checks and consumes it in the same transaction (see {@link consumeApprovalToken}).
 * Throws `approval_token_invalid` for the first bad token, which rolls the transaction back.
 */
export async function consumePresentedApprovalTokens(
  database: Database,
  transaction: Queryable,
  workspaceId: string,
  attestations: readonly {
    readonly id: string
    readonly toolName: string
    readonly record: Record<string, unknown>
  }[],
): Promise<void> {
  for (const attestation of attestations) {
    const token = attestation.record.approval_token
    // No token (an empty one is what a client sends for a timeout that proceeded).
    if (token === undefined || token === null || token === '') continue
    await consumeApprovalToken(database, transaction, {
      workspaceId,
      token,
      toolName: attestation.toolName,
      attestationId: attestation.id,
    })
  }
}

/** Options of {@link createApprovalsFeature}. */
export interface ApprovalsFeatureOptions {
  /**
   * How long an approval token stays valid after the approval, in seconds (default 900). The
   * server reads it from `MIMA_APPROVAL_TOKEN_TTL_SECONDS` in `loadConfig`.
   */
  tokenTtlSeconds?: number
}

/**
 * Human approval gates: requests, long-poll status, decisions, expiry, signed single-use tokens,
 * SSE. On `server.onClose` it answers held long-polls, ends SSE streams and releases its
 * PostgreSQL LISTEN connection, so shutdown does not wait for them.
 *
 * @example
 * ```ts
 * const app = createApp({ database, ledger, logger, features: [createApprovalsFeature({ tokenTtlSeconds: 300 })] })
 * ```
 */
export function createApprovalsFeature(options: ApprovalsFeatureOptions = {}): ServerFeature {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_APPROVAL_TOKEN_TTL_SECONDS
  return defineFeature({
    name: 'approvals',
    migrations: APPROVALS_MIGRATIONS,
    register(api, server) {
      const database = server.database
      const events: EventBus = createEventBus({
        // PostgreSQL: replicas wake each other through LISTEN/NOTIFY on a dedicated connection.
        // PGlite: one process, events stay in-process.
        ...(database.openNotificationConnection === undefined
          ? {}
          : {
              connectListener: () =>
                database.openNotificationConnection?.() as unknown as NotificationConnection,
              channel: eventChannel(database.schema),
            }),
        onError: (error) => server.logger.warn('approvals event listener', { error: String(error) }),
      })
      const signer = lazySigner(server.database)
      // Load the key now, before requests arrive (the server key exists once migrations ran).
      signer
        .ready()
        .catch((error: unknown) =>
          server.logger.warn('approvals: server key not loaded yet', { error: String(error) }),
        )
      const service = new ApprovalsService({
        database: server.database,
        signer,
        events,
        tokenTtlSeconds,
        lockLedger: async (transaction, workspaceId) => {
          const appender = await server.ledger.lock(transaction, workspaceId)
          return {
            treeSize: appender.treeSize,
            append: async (entry) => {
              const [index] = await appender.append([
                { ...entry, acceptedAt: entry.acceptedAt.toISOString() },
              ])
              return index as number
            },
          }
        },
        onError: (error) => server.logger.warn('approvals sweep failed', { error: String(error) }),
      })
      services.set(server, service)
      // Held long-polls answer, SSE streams (approvals' and the dashboard's) end, LISTEN is released.
      server.onClose(() => service.close())
      const prepare: MiddlewareHandler<AppEnv> = async (_c, next) => {
        await signer.ready()
        await next()
      }
      api.use('/workspaces/:ws/governance/approvals/*', prepare)
      api.use('/workspaces/:ws/governance/approvals', prepare)
      registerApprovalsRoutes(api, service)
    },
  })
}

/** The approvals feature with the default token lifetime (`startServer` configures its own). */
export const approvalsFeature: ServerFeature = createApprovalsFeature()
