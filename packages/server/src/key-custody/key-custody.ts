/**
 * Custody of the server's Ed25519 signing key (tree heads, approval tokens; webhook secrets and
 * GRC HMAC keys are sealed under keys derived from it). Threat model: `docs/key-custody.md`.
 *
 * Where the key comes from, first match wins:
 * 1. **Outside the database**: `MIMA_SIGNING_KEY` (hex seed, PKCS#8 hex or PEM),
 *    `MIMA_SIGNING_KEY_FILE`, or `MIMA_SIGNING_KEY_COMMAND` (a command that prints it: the hook
 *    for a KMS or secret manager). A database dump then holds no signing key at all.
 * 2. **In the database, encrypted** (AES-256-GCM) under a master key that is not in the database:
 *    `MIMA_MASTER_KEY` or `MIMA_MASTER_KEY_FILE`; on PGlite with a data directory and neither set,
 *    `<data dir>.master-key` (created once, mode 0600, beside — not inside — the data directory).
 * 3. **In the database, unencrypted**: PostgreSQL without a master key (kept so existing
 *    deployments start; the server logs a warning) and in-memory PGlite.
 */
import { execFileSync } from 'node:child_process'
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { type ServerKey, serverKeyFromPkcs8 } from '../ledger/server-key'
import type { Queryable } from '../storage/database'
import { recordKeyRotation } from './key-rotation'

/** Where the signing key is kept. */
export type KeyCustody = 'external' | 'database-encrypted' | 'database-plaintext'

/** Key custody settings (see the module comment); {@link keyCustodyFromEnv} reads them from env. */
export interface KeyCustodyOptions {
  /** The signing key itself: a 32-byte Ed25519 seed in hex, PKCS#8 DER in hex, or a PEM. */
  signingKey?: string | undefined
  /** A file holding the signing key (same forms). */
  signingKeyFile?: string | undefined
  /** A command whose standard output is the signing key (run with `sh -c`). */
  signingKeyCommand?: string | undefined
  /** The master key that encrypts the stored signing key: 64 hex digits, or any text of 32+ characters. */
  masterKey?: string | undefined
  /** A file holding the master key. */
  masterKeyFile?: string | undefined
  /** With a PGlite data directory and no master key: create and use `<dataDir>.master-key`. */
  dataDir?: string | undefined
}

/** The key and how it is kept. */
export interface CustodiedKey {
  key: ServerKey
  /** PKCS#8 DER of the private key: what the webhook and HMAC-key boxes derive their keys from. */
  pkcs8: Buffer
  custody: KeyCustody
  /** True when this start generated the key. */
  created: boolean
}

/** The database setting that holds the stored signing key. */
export const SIGNING_KEY_SETTING = 'ledger_private_key_pkcs8'
const SEALED_PREFIX = 'mima-sealed:v1:'
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** Reads {@link KeyCustodyOptions} from `MIMA_SIGNING_KEY[_FILE|_COMMAND]` and `MIMA_MASTER_KEY[_FILE]`. */
export function keyCustodyFromEnv(env: NodeJS.ProcessEnv = process.env): KeyCustodyOptions {
  return {
    signingKey: nonEmpty(env.MIMA_SIGNING_KEY),
    signingKeyFile: nonEmpty(env.MIMA_SIGNING_KEY_FILE),
    signingKeyCommand: nonEmpty(env.MIMA_SIGNING_KEY_COMMAND),
    masterKey: nonEmpty(env.MIMA_MASTER_KEY),
    masterKeyFile: nonEmpty(env.MIMA_MASTER_KEY_FILE),
  }
}

/** PKCS#8 DER of a signing key given as a hex seed, PKCS#8 hex or PEM. */
export function parseSigningKey(text: string, source: string): Buffer {
  const value = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(value, 'hex')])
  try {
    const key = value.startsWith('-----BEGIN')
      ? createPrivateKey(value)
      : /^[0-9a-fA-F]+$/.test(value)
        ? createPrivateKey({ key: Buffer.from(value, 'hex'), format: 'der', type: 'pkcs8' })
        : undefined
    if (key?.asymmetricKeyType === 'ed25519') return key.export({ format: 'der', type: 'pkcs8' })
  } catch {
    // reported below
  }
  throw new Error(
    `${source} is not an Ed25519 private key: give a 32-byte seed as 64 hex digits, PKCS#8 DER in hex, or a PEM.`,
  )
}

function externalKey(options: KeyCustodyOptions): Buffer | undefined {
  if (options.signingKey !== undefined) return parseSigningKey(options.signingKey, 'MIMA_SIGNING_KEY')
  if (options.signingKeyFile !== undefined) {
    return parseSigningKey(
      readFileSync(options.signingKeyFile, 'utf8'),
      `MIMA_SIGNING_KEY_FILE (${options.signingKeyFile})`,
    )
  }
  if (options.signingKeyCommand !== undefined) {
    let output: string
    try {
      output = execFileSync('sh', ['-c', options.signingKeyCommand], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      })
    } catch (error) {
      throw new Error(`MIMA_SIGNING_KEY_COMMAND failed: ${(error as Error).message}`)
    }
    return parseSigningKey(output, 'the output of MIMA_SIGNING_KEY_COMMAND')
  }
  return undefined
}

function masterKeyBytes(text: string, source: string): Buffer {
  const value = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex')
  if (value.length >= 32) return Buffer.from(value, 'utf8')
  throw new Error(`${source} must be 64 hex digits or a passphrase of at least 32 characters.`)
}

/** The master key the options name (creating `<dataDir>.master-key` for PGlite), if any. */
export function resolveMasterKey(options: KeyCustodyOptions): Buffer | undefined {
  if (options.masterKey !== undefined) return masterKeyBytes(options.masterKey, 'MIMA_MASTER_KEY')
  if (options.masterKeyFile !== undefined) {
    return masterKeyBytes(
      readFileSync(options.masterKeyFile, 'utf8'),
      `MIMA_MASTER_KEY_FILE (${options.masterKeyFile})`,
    )
  }
  if (options.dataDir === undefined) return undefined
  const path = `${options.dataDir.replace(/\/+$/, '')}.master-key`
  if (!existsSync(path)) {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  }
  chmodSync(path, 0o600)
  return masterKeyBytes(readFileSync(path, 'utf8'), path)
}

function boxKey(master: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', master, 'mima-master-key', 'server-signing-key', 32))
}

/** Encrypts the PKCS#8 key under the master key (AES-256-GCM). */
export function sealSigningKey(pkcs8: Buffer, master: Buffer): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', boxKey(master), iv)
  const ciphertext = Buffer.concat([cipher.update(pkcs8), cipher.final()])
  return `${SEALED_PREFIX}${[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')).join(':')}`
}

/** True when a stored value is a sealed key. */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX)
}

/** Decrypts a sealed key (throws a clear error for a wrong master key). */
export function openSigningKey(sealed: string, master: Buffer): Buffer {
  const [iv, tag, ciphertext] = sealed.slice(SEALED_PREFIX.length).split(':')
  try {
    const decipher = createDecipheriv('aes-256-gcm', boxKey(master), Buffer.from(iv ?? '', 'base64url'))
    decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(ciphertext ?? '', 'base64url')), decipher.final()])
  } catch {
    throw new Error(
      'The signing key in the database does not decrypt with this master key: start with the master key it was sealed under (MIMA_MASTER_KEY, MIMA_MASTER_KEY_FILE or <data dir>.master-key).',
    )
  }
}

const remembered = new WeakMap<object, Buffer>()

/** Records the key material a started server uses, for the features that derive keys from it. */
export function rememberKeyMaterial(database: object, pkcs8: Buffer): void {
  remembered.set(database, pkcs8)
}

/**
 * The signing key's PKCS#8 bytes for `database`: what the server remembered at start, or the
 * stored key (decrypted with the master key from the environment when sealed).
 */
export async function loadKeyMaterial(database: Queryable, queryable: Queryable = database): Promise<Buffer> {
  const known = remembered.get(database)
  if (known !== undefined) return known
  const { rows } = await queryable.query<{ value: string }>(
    'select value from server_settings where name = $1',
    [SIGNING_KEY_SETTING],
  )
  const value = rows[0]?.value
  if (value === undefined)
    throw new Error('The server key is missing from server_settings (start the server first).')
  if (!isSealed(value)) return Buffer.from(value, 'hex')
  const master = resolveMasterKey(keyCustodyFromEnv())
  if (master === undefined) throw new Error('The stored signing key is encrypted: set MIMA_MASTER_KEY.')
  return openSigningKey(value, master)
}

/**
 * Loads the signing key as the options say (see the module comment), creating and storing one on
 * first start. Safe when several processes start at once.
 */
export async function loadCustodiedKey(
  database: Queryable,
  options: KeyCustodyOptions,
): Promise<CustodiedKey> {
  const external = externalKey(options)
  if (external !== undefined) {
    const key = serverKeyFromPkcs8(external.toString('hex'))
    await recordRotationFromStored(database, options, key)
    rememberKeyMaterial(database, external)
    return { key, pkcs8: external, custody: 'external', created: false }
  }
  const master = resolveMasterKey(options)
  const read = async (): Promise<string | undefined> => {
    const { rows } = await database.query<{ value: string }>(
      'select value from server_settings where name = $1',
      [SIGNING_KEY_SETTING],
    )
    return rows[0]?.value
  }
  let stored = await read()
  let created = false
  if (stored === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519')
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' })
    const value = master === undefined ? pkcs8.toString('hex') : sealSigningKey(pkcs8, master)
    const inserted = await database.query(
      'insert into server_settings (name, value) values ($1, $2) on conflict (name) do nothing',
      [SIGNING_KEY_SETTING, value],
    )
    created = inserted.rowCount === 1
    stored = await read()
    if (stored === undefined) throw new Error('The ledger key could not be stored')
  }
  let pkcs8: Buffer
  if (isSealed(stored)) {
    if (master === undefined) {
      throw new Error(
        'The signing key in the database is encrypted, and no master key is configured: set MIMA_MASTER_KEY or MIMA_MASTER_KEY_FILE (on PGlite, keep <data dir>.master-key beside the data directory).',
      )
    }
    pkcs8 = openSigningKey(stored, master)
  } else {
    pkcs8 = Buffer.from(stored, 'hex')
    if (master !== undefined) {
      // A key stored before a master key was configured: encrypt it in place, once.
      await database.query('update server_settings set value = $2 where name = $1 and value = $3', [
        SIGNING_KEY_SETTING,
        sealSigningKey(pkcs8, master),
        stored,
      ])
    }
  }
  rememberKeyMaterial(database, pkcs8)
  return {
    key: serverKeyFromPkcs8(pkcs8.toString('hex')),
    pkcs8,
    custody: master === undefined ? 'database-plaintext' : 'database-encrypted',
    created,
  }
}

/**
 * When an external key replaces a key stored in the database, the stored key signs the handover
 * (see `key-rotation.ts`), so verifiers that pinned it can follow to the new key. Skipped when the
 * stored key cannot be read (sealed without its master key).
 */
async function recordRotationFromStored(
  database: Queryable,
  options: KeyCustodyOptions,
  successor: ServerKey,
): Promise<void> {
  const { rows } = await database.query<{ value: string }>(
    'select value from server_settings where name = $1',
    [SIGNING_KEY_SETTING],
  )
  const stored = rows[0]?.value
  if (stored === undefined) return
  let pkcs8: Buffer
  try {
    if (isSealed(stored)) {
      const master = resolveMasterKey(options)
      if (master === undefined) return
      pkcs8 = openSigningKey(stored, master)
    } else {
      pkcs8 = Buffer.from(stored, 'hex')
    }
  } catch {
    return
  }
  await recordKeyRotation(database, { key: serverKeyFromPkcs8(pkcs8.toString('hex')), pkcs8 }, successor)
}
