// The Mima server the budget benches run against: on PGlite in a temporary directory, or on
// PostgreSQL in a fresh schema that `close()` drops, so a run never meets the tests' tables.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { silentLogger, startServer } from '@mima/server'

/**
 * @param {string} name                 names the temporary directory or schema
 * @param {{ databaseUrl?: string }} [options] PostgreSQL instead of PGlite
 */
export async function startBenchServer(name, options = {}) {
  const adminKey = `mima_bench_${randomBytes(18).toString('base64url')}`
  const { databaseUrl } = options
  const schema = `mima_bench_${name.replace(/\W/g, '_')}_${randomBytes(6).toString('hex')}`
  const dataDir = databaseUrl === undefined ? mkdtempSync(join(tmpdir(), `mima-bench-${name}-`)) : undefined
  const server = await startServer({
    ...(databaseUrl === undefined ? { dataDir } : { databaseUrl, databaseSchema: schema }),
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    bootstrapApiKey: adminKey,
    onBootstrap: () => {},
    shutdownTimeoutMs: 500,
  })
  const workspaceId = server.bootstrap.workspaceId
  /** A workspace API call as the admin; throws on an error status. */
  const api = async (method, path, body) => {
    const response = await fetch(`${server.url}/api/workspaces/${workspaceId}/${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.json()
  }
  const close = async () => {
    await server.close()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
    else {
      const serverRequire = createRequire(import.meta.resolve('@mima/server'))
      const { default: pg } = await import(pathToFileURL(serverRequire.resolve('pg')).href)
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      await client.query(`drop schema if exists ${schema} cascade`)
      await client.end()
    }
  }
  return { server, adminKey, workspaceId, dataDir, api, close }
}

/**
 * Day budgets for agents `cap-0` … `cap-{count-1}` with room for three and a half calls of `unit`
 * USD: each check is a one-call lease from the server, then a refusal the client keeps.
 */
export async function putCapBudgets(api, count, unit, extra = {}) {
  for (let index = 0; index < count; index++)
    await api('PUT', 'budgets', {
      scope: 'agent',
      scope_value: `cap-${index}`,
      period: 'day',
      limit_usd: 3.5 * unit,
      ...extra,
    })
}
