import { randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FEATURES } from '../../src/app'
import { type BudgetsFeatureOptions, createBudgetsFeature } from '../../src/budgets/budgets-feature'
import type { Role } from '../../src/http/context'
import type { ServerFeature } from '../../src/http/feature'
import { silentLogger } from '../../src/server/logger'
import { type RunningServer, startServer } from '../../src/server/start-server'
import type { Database } from '../../src/storage/database'
import { createPostgresDatabase } from '../../src/storage/postgres-database'
import { migratedTestPglite } from '../../src/storage/test-snapshots'
import { createWebhooksFeature, type WebhooksFeatureOptions } from '../../src/webhooks/webhooks-feature'

/** The backends storage tests run on: PGlite always, PostgreSQL when `MIMA_TEST_DATABASE_URL` is set. */
export const BACKENDS: readonly ('pglite' | 'postgres')[] = process.env.MIMA_TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite']

/** A JSON API response (tests read the body field by field). */
export interface ApiResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  json: any
  headers: Headers
}

/** A real server (every feature) with its bootstrap workspace and admin key. */
export interface TestServer {
  url: string
  adminKey: string
  workspaceId: string
  server: RunningServer
  database: Database
  api(key: string, method: string, path: string, body?: unknown): Promise<ApiResponse>
  createKey(role: Role): Promise<string>
  /**
   * Another connection to the same database, as a second replica would have (PostgreSQL: a new
   * pool on the same schema; PGlite, one process only: the same database). Close it with `release`.
   */
  connectReplica(): Promise<{ database: Database; release(): Promise<void> }>
  close(): Promise<void>
}

/** Every feature, with the webhooks (and budgets) features built from options. */
export function featuresWith(
  webhooks: WebhooksFeatureOptions,
  budgets?: BudgetsFeatureOptions,
): readonly ServerFeature[] {
  return FEATURES.map((feature) =>
    feature.name === 'webhooks'
      ? createWebhooksFeature(webhooks)
      : feature.name === 'budgets' && budgets !== undefined
        ? createBudgetsFeature(budgets)
        : feature,
  )
}

/** Starts the whole server on 127.0.0.1 and an ephemeral port. */
export async function startTestServer(
  backend: 'pglite' | 'postgres',
  options: {
    webhooks?: WebhooksFeatureOptions
    budgets?: BudgetsFeatureOptions
    extraFeatures?: readonly ServerFeature[]
  } = {},
): Promise<TestServer> {
  const adminKey = `mima_test_${randomBytes(24).toString('base64url')}`
  let database: Database
  let dropSchema: (() => Promise<void>) | undefined
  let connectReplica: TestServer['connectReplica']
  if (backend === 'postgres') {
    const url = process.env.MIMA_TEST_DATABASE_URL as string
    const schema = `mima_wh_${randomBytes(6).toString('hex')}`
    database = await createPostgresDatabase({ connectionString: url, schema, maxConnections: 5 })
    connectReplica = async () => {
      const replica = await createPostgresDatabase({ connectionString: url, schema, maxConnections: 3 })
      return { database: replica, release: () => replica.close() }
    }
    dropSchema = async () => {
      const admin = await createPostgresDatabase({ connectionString: url, maxConnections: 1 })
      try {
        await admin.query(`drop schema if exists ${schema} cascade`)
      } finally {
        await admin.close()
      }
    }
  } else {
    const pglite = await migratedTestPglite()
    database = pglite
    connectReplica = async () => ({ database: pglite, release: async () => {} })
  }
  const server = await startServer({
    database,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    bootstrapApiKey: adminKey,
    onBootstrap: () => {},
    shutdownTimeoutMs: 500,
    features: [
      ...featuresWith(options.webhooks ?? { allowPrivate: true }, options.budgets),
      ...(options.extraFeatures ?? []),
    ],
  })
  const workspaceId = server.bootstrap?.workspaceId as string
  const api: TestServer['api'] = async (key, method, path, body) => {
    const response = await fetch(`${server.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    let json: unknown = text
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {}
    return { status: response.status, json, headers: response.headers }
  }
  return {
    url: server.url,
    adminKey,
    workspaceId,
    server,
    database,
    api,
    connectReplica,
    async createKey(role) {
      const { status, json } = await api(adminKey, 'POST', `/workspaces/${workspaceId}/keys`, {
        name: `test ${role}`,
        role,
      })
      if (status !== 201) throw new Error(`creating a ${role} key failed: ${status} ${JSON.stringify(json)}`)
      return json.key as string
    },
    async close() {
      await server.close()
      await dropSchema?.()
    },
  }
}

/** One request a {@link Receiver} got. */
export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/** A real HTTP receiver on 127.0.0.1 that records requests and answers with scripted statuses. */
export interface Receiver {
  url: string
  requests: ReceivedRequest[]
  /** Statuses for the next requests, in order; 200 once they run out. */
  respondWith(...statuses: number[]): void
  /** Resolves once `count` requests arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>
  close(): Promise<void>
}

/** Starts a {@link Receiver}. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const statuses: number[] = []
  const waiters: Array<() => void> = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      response.writeHead(statuses.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok')
      for (const waiter of waiters.splice(0)) waiter()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/mima`,
    requests,
    respondWith(...next) {
      statuses.push(...next)
    },
    async waitFor(count, timeoutMs = 10_000) {
      return await new Promise<ReceivedRequest[]>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} webhook requests, got ${requests.length}`)),
          timeoutMs,
        )
        const check = (): void => {
          if (requests.length >= count) {
            clearTimeout(timer)
            resolve(requests.slice(0, count))
          } else waiters.push(check)
        }
        check()
      })
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
