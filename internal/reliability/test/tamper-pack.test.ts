// Defect class 5 of issue #13: an audit pack's signature could be removed. Delete
// manifest.sig.json, re-hash the manifest, and an edited evidence.csv, evidence payload,
// summary.json or a removed evidence record verified. Now: with a key given or pinned, a missing
// signature fails; and every such edit is named from the records bound to the ledger anyway.
import { createHash, randomUUID } from 'node:crypto'
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './support/http'
import { runMimaInProcess, runVerify } from './support/verify'

describe.each(BACKENDS)('audit-pack tampering on %s is detected and named', (backend) => {
  let server: TestServer
  let home: string
  let pack: string
  let publicKey: string
  let env: Record<string, string>

  beforeAll(async () => {
    server = await startTestServer({ database: backend })
    const api = client(server.baseUrl, server.adminKey)
    const base = `/api/workspaces/${server.workspaceId}/governance`
    for (let index = 0; index < 3; index += 1) {
      const response = await api.post(`${base}/grc/evidence`, {
        record_type: 'change_event',
        system_name: 'payments',
        payload: {
          type: 'deployment',
          by: 'ci',
          description: `v${index}`,
          environment: 'production',
          system: 'payments',
        },
      })
      expect(response.status, response.text).toBe(201)
    }
    const attested = await api.post(`${base}/attestations/external`, {
      system_name: 'payments',
      tool_name: 'refund',
      input_hash: 'e'.repeat(64),
      output_hash: 'e'.repeat(64),
      idempotency_key: randomUUID(),
    })
    expect(attested.status).toBe(201)
    home = await mkdtemp(join(tmpdir(), 'mima-pack-'))
    env = {
      HOME: home,
      MIMA_BASE_URL: server.baseUrl,
      MIMA_API_KEY: server.adminKey,
      MIMA_WORKSPACE_ID: server.workspaceId,
    }
    pack = join(home, 'pack')
    const exported = await runMimaInProcess(['audit-pack', '--out', pack, '--json'], env)
    expect(exported.code, exported.stdout + exported.stderr).toBe(0)
    publicKey = JSON.parse(exported.stdout).public_key
    const clean = await runVerify(server, ['--pack', pack, '--public-key', publicKey])
    expect(clean.failures).toEqual([])
  })
  afterAll(async () => {
    await server?.close()
    if (home !== undefined) await rm(home, { recursive: true, force: true })
  })

  /** A copy of the pack with `edit` applied, the signature removed and the manifest re-hashed. */
  async function forge(name: string, edit: (directory: string) => Promise<void>): Promise<string> {
    const directory = join(home, name)
    await cp(pack, directory, { recursive: true })
    await edit(directory)
    await unlink(join(directory, 'manifest.sig.json'))
    const manifestPath = join(directory, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
    for (const file of Object.keys(manifest.files)) {
      manifest.files[file] = createHash('sha256')
        .update(await readFile(join(directory, file)))
        .digest('hex')
    }
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
    return directory
  }

  async function expectNamed(directory: string, pattern: RegExp): Promise<void> {
    // With the key given: the missing signature alone fails it.
    const keyed = await runVerify(server, ['--pack', directory, '--public-key', publicKey])
    expect(keyed.exitCode, keyed.stdout).toBe(1)
    expect(
      keyed.failures.some((detail) => /manifest\.sig\.json is missing/.test(detail)),
      keyed.stdout,
    ).toBe(true)
    // Without any key, the edit itself is named from the records bound to the ledger.
    const unkeyed = await runVerify(server, ['--pack', directory])
    expect(unkeyed.exitCode, unkeyed.stdout).toBe(1)
    expect(
      unkeyed.failures.some((detail) => pattern.test(detail)),
      `${pattern} in ${unkeyed.stdout}`,
    ).toBe(true)
  }

  // biome-ignore lint/suspicious/noExplicitAny: the test edits pack JSON field by field
  const editJson = async (path: string, edit: (value: any) => void) => {
    const value = JSON.parse(await readFile(path, 'utf8'))
    edit(value)
    await writeFile(path, `${JSON.stringify(value)}\n`)
  }

  it('names an edited evidence.csv', async () => {
    const forged = await forge('csv', async (directory) => {
      const path = join(directory, 'evidence.csv')
      await writeFile(path, (await readFile(path, 'utf8')).replace('v1', 'v9'))
    })
    await expectNamed(forged, /evidence\.csv row .* differs from evidence/)
  })

  it('names an edited evidence payload', async () => {
    let id = ''
    const forged = await forge('payload', async (directory) => {
      await editJson(join(directory, 'evidence.json'), (records) => {
        records[0].payload.by = 'mallory'
        id = records[0].record_id
      })
    })
    await expectNamed(forged, new RegExp(`evidence ${id} \\(leaf \\d+\\) was edited: its stored payload`))
  })

  it('names a removed evidence record', async () => {
    let id = ''
    const forged = await forge('removed', async (directory) => {
      await editJson(join(directory, 'evidence.json'), (records) => {
        id = records[1].record_id
        records.splice(1, 1)
      })
    })
    await expectNamed(forged, new RegExp(`commits to evidence ${id}, which is missing`))
  })

  it('names an edited summary.json', async () => {
    const forged = await forge('summary', async (directory) => {
      await editJson(join(directory, 'summary.json'), (summary) => {
        summary.evidence.total = 99
      })
    })
    await expectNamed(forged, /summary\.json evidence\.total is 99/)
  })

  it('refuses a file the manifest does not cover, and a missing signature against a pinned key', async () => {
    const added = join(home, 'added')
    await cp(pack, added, { recursive: true })
    await writeFile(join(added, 'extra-evidence.json'), '[]\n')
    const report = await runVerify(server, ['--pack', added])
    expect(
      report.failures.some((detail) => /extra-evidence\.json \(not in the manifest\)/.test(detail)),
      report.stdout,
    ).toBe(true)

    // `mima verify` pins the server key on this machine; a pack checked there needs its signature.
    const pinnedHome = await mkdtemp(join(tmpdir(), 'mima-pinned-'))
    try {
      expect((await runVerify(server, ['--quick'], pinnedHome)).exitCode).toBe(0)
      const unsigned = await forge('unsigned', async () => {})
      const pinned = await runVerify(server, ['--pack', unsigned], pinnedHome)
      expect(pinned.exitCode, pinned.stdout).toBe(1)
      expect(pinned.failures.some((detail) => /manifest\.sig\.json is missing/.test(detail))).toBe(true)
    } finally {
      await rm(pinnedHome, { recursive: true, force: true })
    }
  })
})
