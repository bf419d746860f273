// Key custody (issue #13): with the signing key kept outside the database, a dump of every table
// holds no secret: not the signing key, not a webhook secret, not a workspace's GRC HMAC key, in
// any spelling (text, hex, base64).
import { randomBytes } from 'node:crypto'
import {
  createPgliteDatabase,
  createPostgresDatabase,
  createWebhooksFeature,
  type Database,
  FEATURES,
  type RunningServer,
  silentLogger,
  startServer,
} from '@mima/server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './support/http'

const SEED = randomBytes(32).toString('hex')
const WEBHOOK_SECRET = `whsec_${randomBytes(16).toString('hex')}`
const GRC_KEY = `grc-${randomBytes(16).toString('hex')}`

function spellings(secret: string): string[] {
  const bytes = /^[0-9a-f]+$/.test(secret) ? Buffer.from(secret, 'hex') : Buffer.from(secret, 'utf8')
  return [secret, bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')]
}

describe.each(BACKENDS)('a database dump on %s holds no key', (backend) => {
  let server: RunningServer
  let dropSchema: (() => Promise<void>) | undefined
  const adminKey = `mima_test_${randomBytes(24).toString('base64url')}`

  beforeAll(async () => {
    let database: Database
    if (backend === 'postgres') {
      const url = testDatabaseUrl() as string
      const schema = `mima_dump_${randomBytes(6).toString('hex')}`
      database = await createPostgresDatabase({ connectionString: url, schema, maxConnections: 5 })
      dropSchema = async () => {
        const admin = await createPostgresDatabase({ connectionString: url, maxConnections: 1 })
        await admin.query(`drop schema if exists ${schema} cascade`).finally(() => admin.close())
      }
    } else {
      database = await createPgliteDatabase()
    }
    server = await startServer({
      database,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      bootstrapApiKey: adminKey,
      onBootstrap: () => {},
      keyCustody: { signingKey: SEED },
      // A loopback receiver URL: this host resolves no public names.
      features: FEATURES.map((feature) =>
        feature.name === 'webhooks' ? createWebhooksFeature({ allowPrivate: true }) : feature,
      ),
    })
  })
  afterAll(async () => {
    await server?.close()
    await dropSchema?.()
  })

  it('after a webhook secret and a GRC HMAC key were stored', async () => {
    const ws = server.bootstrap?.workspaceId as string
    const api = client(server.url, adminKey)
    const hook = await api.post(`/api/workspaces/${ws}/governance/webhooks`, {
      url: 'http://127.0.0.1:9/hook',
      secret: WEBHOOK_SECRET,
    })
    expect(hook.status, hook.text).toBe(201)
    const grc = await api.put(`/api/workspaces/${ws}/governance/grc/signing-key`, { key: GRC_KEY })
    expect(grc.status, grc.text).toBe(200)

    const { rows: tables } = await server.database.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'`,
    )
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['workspaces', 'ledger_leaves']))
    let dump = ''
    for (const { name } of tables) {
      const { rows } = await server.database.query<{ row: string }>(`select t::text as row from "${name}" t`)
      dump += rows.map((row) => row.row).join('\n')
    }
    // The dump is real: it holds the webhook's URL and the workspace.
    expect(dump).toContain('http://127.0.0.1:9/hook')
    expect(dump).toContain(ws)
    for (const [label, secret] of [
      ['signing key', SEED],
      ['webhook secret', WEBHOOK_SECRET],
      ['GRC HMAC key', GRC_KEY],
    ] as const) {
      for (const spelling of spellings(secret))
        expect(dump.includes(spelling), `${label} as ${spelling}`).toBe(false)
    }
  })
})
