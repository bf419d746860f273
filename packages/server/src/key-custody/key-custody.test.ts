import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMigrations } from '../storage/migrations'
import { SERVER_MIGRATIONS } from '../storage/server-migrations'
import { openTestDatabase, TEST_BACKENDS } from '../storage/test-databases'
import { isSealed, loadCustodiedKey, loadKeyMaterial, SIGNING_KEY_SETTING } from './key-custody'

const MASTER = 'ab'.repeat(32)

describe.each(TEST_BACKENDS)('signing key custody on %s', (backend) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>
  let directory: string
  beforeAll(async () => {
    opened = await openTestDatabase(backend, 'mima_custody', 2)
    await runMigrations(opened.database, SERVER_MIGRATIONS)
    directory = await mkdtemp(join(tmpdir(), 'mima-custody-'))
  })
  afterAll(async () => {
    await opened?.close()
    await rm(directory, { recursive: true, force: true })
  })

  const stored = async (): Promise<string | undefined> => {
    const { rows } = await opened.database.query<{ value: string }>(
      'select value from server_settings where name = $1',
      [SIGNING_KEY_SETTING],
    )
    return rows[0]?.value
  }

  it('encrypts a plaintext key in place once a master key is set, and refuses to start without it', async () => {
    const plain = await loadCustodiedKey(opened.database, {})
    expect(plain.custody).toBe('database-plaintext')
    expect(isSealed((await stored()) as string)).toBe(false)

    const sealed = await loadCustodiedKey(opened.database, { masterKey: MASTER })
    expect(sealed.custody).toBe('database-encrypted')
    expect(sealed.key.publicKeyHex).toBe(plain.key.publicKeyHex)
    const value = (await stored()) as string
    expect(isSealed(value)).toBe(true)
    // The dump holds no key bytes.
    expect(value).not.toContain(plain.pkcs8.toString('hex'))

    await expect(loadCustodiedKey(opened.database, {})).rejects.toThrow(/no master key is configured/)
    await expect(loadCustodiedKey(opened.database, { masterKey: 'cd'.repeat(32) })).rejects.toThrow(
      /does not decrypt with this master key/,
    )
    expect((await loadCustodiedKey(opened.database, { masterKey: MASTER })).key.publicKeyHex).toBe(
      plain.key.publicKeyHex,
    )
  })

  it('creates <data dir>.master-key (0600) for PGlite data directories', async () => {
    await opened.database.query('delete from server_settings where name = $1', [SIGNING_KEY_SETTING])
    const dataDir = join(directory, 'data')
    const first = await loadCustodiedKey(opened.database, { dataDir, masterKey: undefined })
    expect(first.custody).toBe('database-encrypted')
    expect(first.created).toBe(true)
    // The next start finds the same file and key.
    expect((await loadCustodiedKey(opened.database, { dataDir })).key.publicKeyHex).toBe(
      first.key.publicKeyHex,
    )
    const file = `${dataDir}.master-key`
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/)
  })

  it('takes the signing key from outside the database: value, file or command', async () => {
    const { privateKey } = generateKeyPairSync('ed25519')
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32).toString('hex')
    const fromValue = await loadCustodiedKey(opened.database, { signingKey: seed })
    expect(fromValue.custody).toBe('external')
    const file = join(directory, 'signing.pem')
    await import('node:fs/promises').then((fs) => fs.writeFile(file, pem, { mode: 0o600 }))
    const fromFile = await loadCustodiedKey(opened.database, { signingKeyFile: file })
    const fromCommand = await loadCustodiedKey(opened.database, { signingKeyCommand: `cat '${file}'` })
    expect(fromFile.key.publicKeyHex).toBe(fromValue.key.publicKeyHex)
    expect(fromCommand.key.publicKeyHex).toBe(fromValue.key.publicKeyHex)
    // Features that derive keys (webhook secrets, approval tokens) use the external key too.
    expect((await loadKeyMaterial(opened.database)).equals(fromCommand.pkcs8)).toBe(true)
    await expect(loadCustodiedKey(opened.database, { signingKey: 'not a key' })).rejects.toThrow(
      /not an Ed25519 private key/,
    )
  })
})
