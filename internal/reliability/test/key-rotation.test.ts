// Key custody: rotating the signing key does not break verification. A server restarted with a
// new external key records a handover signed by the old key; `mima verify` follows it from the key
// it pinned, and the audit pack exported before the rotation still verifies against the old key.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPostgresDatabase, type RunningServer, silentLogger, startServer } from '@mima/server'
import { testDatabaseUrl } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './support/http'
import { runMimaInProcess, runVerify } from './support/verify'

describe.each(BACKENDS)('signing-key rotation on %s', (backend) => {
  const adminKey = `mima_rot_${randomBytes(16).toString('hex')}`
  const schema = `mima_rot_${randomBytes(5).toString('hex')}`
  let directory: string
  let running: RunningServer | undefined

  const start = (signingKey?: string, port = 0): Promise<RunningServer> =>
    startServer({
      port,
      logger: silentLogger,
      bootstrapApiKey: adminKey,
      onBootstrap: () => {},
      keyCustody: signingKey === undefined ? {} : { signingKey },
      ...(backend === 'postgres'
        ? { databaseUrl: testDatabaseUrl() as string, databaseSchema: schema }
        : { dataDir: join(directory, 'data') }),
    })

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mima-rotation-'))
  })
  afterAll(async () => {
    await running?.close()
    await rm(directory, { recursive: true, force: true })
    if (backend === 'postgres') {
      const admin = await createPostgresDatabase({
        connectionString: testDatabaseUrl() as string,
        maxConnections: 1,
      })
      await admin.query(`drop schema if exists ${schema} cascade`)
      await admin.close()
    }
  })

  it('follows a handover signed by the pinned key, and old packs still verify', async () => {
    running = await start()
    const ws = running.bootstrap?.workspaceId as string
    const target = () => ({ baseUrl: (running as RunningServer).url, adminKey, workspaceId: ws })
    const home = join(directory, 'home')
    const pinned = await runVerify(target(), ['--quick'], home)
    expect(pinned.exitCode, pinned.stdout).toBe(0)
    const oldKey = (await client(target().baseUrl).get('/api/ledger/public-key')).json.public_key as string
    const pack = join(directory, 'pack-before')
    const exported = await runMimaInProcess(['audit-pack', '--out', pack], {
      HOME: home,
      MIMA_BASE_URL: target().baseUrl,
      MIMA_API_KEY: adminKey,
      MIMA_WORKSPACE_ID: ws,
    })
    expect(exported.code, exported.stderr).toBe(0)
    const port = running.port
    await running.close()

    const { privateKey } = generateKeyPairSync('ed25519')
    const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32).toString('hex')
    // The same address, so `mima verify` finds the key it pinned for this server.
    running = await start(seed, port)
    const served = (await client(target().baseUrl).get('/api/ledger/public-key')).json
    expect(served.public_key).not.toBe(oldKey)
    expect(served.rotations).toEqual([expect.objectContaining({ from: oldKey, to: served.public_key })])

    const after = await runVerify(target(), ['--quick'], home)
    expect(after.exitCode, after.stdout).toBe(0)
    expect(after.stdout).toMatch(/rotated from the pinned/)
    // A key nobody handed over to is still refused.
    const stranger = await runVerify(target(), ['--quick', '--public-key', 'ab'.repeat(32)])
    expect(stranger.exitCode).toBe(1)
    // The pack exported before the rotation names, and verifies against, the old key.
    const old = await runVerify(target(), ['--pack', pack, '--public-key', oldKey])
    expect(old.failures).toEqual([])
  }, 300_000) // two server starts and two audit packs: it took 126 s in a CI run at load 39
})
