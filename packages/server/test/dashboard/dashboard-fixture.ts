import { randomBytes } from 'node:crypto'
import type { Role } from '../../src/http/context'
import type { ServerFeature } from '../../src/http/feature'
import { silentLogger } from '../../src/server/logger'
import { type RunningServer, startServer } from '../../src/server/start-server'
import type { Database } from '../../src/storage/database'
import { createPostgresDatabase } from '../../src/storage/postgres-database'
import { migratedTestPglite } from '../../src/storage/test-snapshots'

/** The backends storage tests run on: PGlite always, PostgreSQL when `MIMA_TEST_DATABASE_URL` is set. */
export const BACKENDS: readonly ('pglite' | 'postgres')[] = process.env.MIMA_TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite']

/** A real server for dashboard tests, with its bootstrap workspace and admin key. */
export interface DashboardServer {
  url: string
  adminKey: string
  workspaceId: string
  server: RunningServer
  /** Calls the JSON API with a key. */
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  api(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>
  /** Creates a key of `role` in the bootstrap workspace. */
  createKey(role: Role, name: string): Promise<{ id: string; key: string }>
  close(): Promise<void>
}

/** Starts the whole server (every feature, dashboard included) on 127.0.0.1 and an ephemeral port. */
export async function startDashboardServer(
  backend: 'pglite' | 'postgres' = 'pglite',
  options: { features?: readonly ServerFeature[] } = {},
): Promise<DashboardServer> {
  const adminKey = `mima_test_${randomBytes(24).toString('base64url')}`
  let database: Database
  let dropSchema: (() => Promise<void>) | undefined
  if (backend === 'postgres') {
    const url = process.env.MIMA_TEST_DATABASE_URL as string
    const schema = `mima_dash_${randomBytes(6).toString('hex')}`
    database = await createPostgresDatabase({ connectionString: url, schema, maxConnections: 5 })
    dropSchema = async () => {
      const admin = await createPostgresDatabase({ connectionString: url, maxConnections: 1 })
      try {
        await admin.query(`drop schema if exists ${schema} cascade`)
      } finally {
        await admin.close()
      }
    }
  } else {
    // A migrated data directory made once for all test processes (startServer finds nothing to migrate).
    database = await migratedTestPglite()
  }
  const server = await startServer({
    database,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    bootstrapApiKey: adminKey,
    onBootstrap: () => {},
    shutdownTimeoutMs: 500,
    ...(options.features === undefined ? {} : { features: options.features }),
  })
  const workspaceId = server.bootstrap?.workspaceId as string
  const api: DashboardServer['api'] = async (key, method, path, body) => {
    const response = await fetch(`${server.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) }
  }
  return {
    url: server.url,
    adminKey,
    workspaceId,
    server,
    api,
    async createKey(role, name) {
      const { status, json } = await api(adminKey, 'POST', `/workspaces/${workspaceId}/keys`, { name, role })
      if (status !== 201) throw new Error(`creating a ${role} key failed: ${status} ${JSON.stringify(json)}`)
      return { id: json.id, key: json.key }
    },
    async close() {
      await server.close()
      await dropSchema?.()
    },
  }
}

/** A minimal attestation as the Python SDK sends it (declared: unsigned). */
export function attestation(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system_name: 'support-bot',
    agent_name: 'support-bot',
    tool_name: 'search_docs',
    model_id: 'gpt-4o-mini',
    input_hash: 'a'.repeat(64),
    output_hash: 'b'.repeat(64),
    executed_at: new Date().toISOString(),
    ...fields,
  }
}
