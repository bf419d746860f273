import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ed25519Verify, hashValue, type SignedTreeHead } from '@mima/core'
import { readZip } from '../archive/zip'
import { RefusedError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, stringValue } from '../cli/parse-args'
import { openSession, type Session } from '../cli/session'
import {
  type CheckResult,
  type ConsistencyProof,
  checkConsistency,
  checkInclusion,
  checkLeaves,
  checkTreeHead,
  type InclusionProof,
  type LedgerLeafRecord,
} from '../ledger/ledger-checks'
import { ledgerStatePath, readLedgerState, writeLedgerState } from '../ledger/ledger-state'
import { checkNamedRecord, damagedLedgerCheck } from '../ledger/named-record'
import { checkRecordBinding } from '../ledger/record-binding'
import { fetchServedRecords } from '../ledger/served-records'
import { bar } from '../output/format'
import type { Output } from '../output/output'

const HEX_KEY = /^[0-9a-f]{64}$/

/** Fetches every leaf of the first `treeSize` leaves, page by page. */
export async function fetchLeaves(
  session: Session,
  treeSize: number,
  output?: Output,
): Promise<LedgerLeafRecord[]> {
  const leaves: LedgerLeafRecord[] = []
  // Progress only on an interactive terminal, on stderr, and only for ledgers worth waiting for.
  const progress = output !== undefined && !output.json && process.stderr.isTTY === true && treeSize > 10_000
  // Pages are ranges of leaf indexes: a damaged ledger (deleted leaves) leaves gaps, never repeats.
  for (let from = 0; from < treeSize; ) {
    const limit = Math.min(10_000, treeSize - from)
    const page = await session.api.request<{ leaves: LedgerLeafRecord[]; next_from: number | null }>(
      'GET',
      session.api.workspacePath('ledger/leaves'),
      { query: { from, limit }, timeoutMs: 60_000 },
    )
    leaves.push(...page.leaves.filter((leaf) => leaf.leaf_index >= from && leaf.leaf_index < from + limit))
    from += limit
    if (progress)
      process.stderr.write(`\rFetching ledger leaves ${bar((from / treeSize) * 100)} ${from}/${treeSize}`)
  }
  if (progress) process.stderr.write('\r\u001b[2K')
  return leaves
}

/** `GET /api/ledger/public-key`. */
export async function fetchServerKey(session: Session): Promise<string> {
  const response = await session.api.request<{ public_key: string }>('GET', '/api/ledger/public-key')
  return response.public_key
}

function report(
  output: Output,
  title: string,
  checks: readonly CheckResult[],
  extra: Record<string, unknown>,
): ExitCode {
  const failed = checks.filter((check) => !check.ok)
  if (output.json) {
    output.printJson({ verified: failed.length === 0, ...extra, checks })
  } else {
    const { colors } = output
    output.line(title)
    for (const check of checks) {
      output.line(
        `  ${check.ok ? colors.green('✓') : colors.red('✗')} ${check.check.padEnd(12)} ${check.detail}`,
      )
    }
    output.line('')
    output.line(
      failed.length === 0
        ? colors.green('Result: VERIFIED')
        : colors.red(`Result: FAILED (${failed.length} check${failed.length === 1 ? '' : 's'} failed)`),
    )
  }
  return failed.length === 0 ? EXIT_CODES.ok : EXIT_CODES.failed
}

async function verifyOnline(context: CommandContext): Promise<ExitCode> {
  const { values, output } = context
  const session = await openSession(context, { timeoutMs: 30_000 })
  const statePath = ledgerStatePath(context.home, session.config.baseUrl, session.workspaceId)
  const state = await readLedgerState(statePath)
  const checks: CheckResult[] = []

  const flagKey = stringValue(values, 'public-key')?.toLowerCase()
  if (flagKey !== undefined && !HEX_KEY.test(flagKey)) {
    throw new UsageError('--public-key must be 64 hex digits (the server’s Ed25519 key)')
  }
  const served = await fetchServerKey(session)
  let pinned = flagKey ?? state?.public_key
  if (pinned === undefined) {
    pinned = served
    checks.push({
      check: 'server key',
      ok: true,
      detail: `${served.slice(0, 16)}… pinned on first use (pass --public-key to pin explicitly)`,
    })
  } else if (pinned !== served) {
    checks.push({
      check: 'server key',
      ok: false,
      detail: `the server now presents ${served.slice(0, 16)}…, not the pinned ${pinned.slice(0, 16)}… (${statePath})`,
    })
  } else {
    checks.push({ check: 'server key', ok: true, detail: `${pinned.slice(0, 16)}… matches the pinned key` })
  }

  const head = await session.api.request<SignedTreeHead>('GET', session.api.workspacePath('ledger/tree-head'))
  checks.push(await checkTreeHead(head, pinned, session.workspaceId))

  const previous = state?.last_head
  if (previous) {
    let proof: ConsistencyProof | undefined
    if (previous.tree_size > 0 && previous.tree_size < head.tree_size) {
      proof = await session.api.request<ConsistencyProof>(
        'GET',
        session.api.workspacePath('ledger/proofs/consistency'),
        {
          query: { first: previous.tree_size, second: head.tree_size },
        },
      )
    }
    checks.push(checkConsistency(previous, head, proof))
  } else {
    checks.push({
      check: 'consistency',
      ok: true,
      detail: 'first verification on this machine: this head becomes the baseline',
    })
  }

  if (!booleanValue(values, 'quick')) {
    const leaves = await fetchLeaves(session, head.tree_size, output)
    checks.push(await checkLeaves(leaves, head))
    // Every served record is recomputed into its leaf, and every record leaf must be served.
    checks.push(...checkRecordBinding(leaves, await fetchServedRecords(session), head.tree_size))
  }

  const records = (values.record as string[] | undefined) ?? []
  for (const recordId of records) checks.push(...(await checkNamedRecord(session, recordId, head)))
  if (records.length === 0 && head.tree_size > 0) {
    // Without --record, prove the newest leaf: the server's proofs must agree with its signed head.
    try {
      const proof = await session.api.request<InclusionProof>(
        'GET',
        session.api.workspacePath('ledger/proofs/inclusion'),
        { query: { leaf_index: head.tree_size - 1, tree_size: head.tree_size } },
      )
      checks.push(checkInclusion('the newest record', proof, head))
    } catch (error) {
      checks.push(damagedLedgerCheck(error, `the newest leaf (${head.tree_size - 1})`))
    }
  }

  const allOk = checks.every((check) => check.ok)
  if (allOk) {
    await writeLedgerState(statePath, {
      base_url: session.config.baseUrl,
      workspace_id: session.workspaceId,
      public_key: pinned,
      last_head: head,
      verified_at: new Date().toISOString(),
    })
  }
  return report(output, `Ledger · workspace ${session.workspaceId} · ${session.config.baseUrl}`, checks, {
    workspace_id: session.workspaceId,
    tree_head: head,
    state_path: statePath,
  })
}

/** The manifest at the root of an audit pack (see `mima audit-pack`). */
export interface PackManifest {
  format: 'mima-audit-pack/1'
  created_at: string
  base_url: string
  workspace_id: string
  public_key: string
  tree_size: number
  files: Record<string, string>
}

/** Where a pack's files are read from: a directory or a ZIP archive. */
interface PackSource {
  readonly path: string
  read(name: string): Promise<Buffer | undefined>
}

/** Opens an audit pack: a directory, or a `.zip` written by `mima audit-pack`. */
export async function openPack(path: string): Promise<PackSource> {
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(path)
  } catch {
    throw new RefusedError(`no audit pack at ${path}`)
  }
  if (info.isDirectory()) {
    return {
      path,
      read: (name) => readFile(join(path, name)).catch(() => undefined),
    }
  }
  let entries: Map<string, Buffer>
  try {
    entries = new Map(readZip(await readFile(path)).map((entry) => [entry.name, entry.data]))
  } catch (error) {
    throw new RefusedError(`${path} is not a readable audit pack: ${(error as Error).message}`)
  }
  return { path, read: async (name) => entries.get(name) }
}

async function readJsonFile<T>(pack: PackSource, name: string): Promise<T> {
  const bytes = await pack.read(name)
  if (bytes === undefined) throw new RefusedError(`${pack.path}: ${name} is missing`)
  try {
    return JSON.parse(bytes.toString('utf8')) as T
  } catch {
    throw new RefusedError(`${pack.path}: ${name} is not valid JSON`)
  }
}

/** Verifies an audit pack (directory or ZIP) offline: no server, no credentials. */
export async function verifyPack(
  path: string,
  publicKeyFlag: string | undefined,
): Promise<{ checks: CheckResult[]; manifest: PackManifest }> {
  const pack = await openPack(path)
  const manifest = await readJsonFile<PackManifest>(pack, 'manifest.json')
  if (manifest.format !== 'mima-audit-pack/1')
    throw new RefusedError(`${path} is not a Mima audit pack (format ${String(manifest.format)})`)
  const checks: CheckResult[] = []
  const mismatched: string[] = []
  for (const [name, expected] of Object.entries(manifest.files ?? {})) {
    const bytes = await pack.read(name)
    if (bytes === undefined) {
      mismatched.push(`${name} (missing)`)
      continue
    }
    if (createHash('sha256').update(bytes).digest('hex') !== expected) mismatched.push(name)
  }
  checks.push({
    check: 'files',
    ok: mismatched.length === 0,
    detail:
      mismatched.length === 0
        ? `${Object.keys(manifest.files ?? {}).length} files match the manifest's SHA-256`
        : `changed since export: ${mismatched.join(', ')}`,
  })
  const key = publicKeyFlag ?? manifest.public_key
  // A pack the server exported carries an Ed25519 signature of manifest.json by its ledger key:
  // then not even a consistent rewrite of files and manifest goes unnoticed.
  const signature = await pack.read('manifest.sig.json')
  if (signature !== undefined) {
    const manifestBytes = (await pack.read('manifest.json')) ?? Buffer.alloc(0)
    let ok = false
    try {
      const parsed = JSON.parse(signature.toString('utf8')) as { algorithm?: string; signature?: string }
      ok =
        parsed.algorithm === 'ed25519' &&
        typeof parsed.signature === 'string' &&
        /^[0-9a-f]{128}$/.test(parsed.signature) &&
        ed25519Verify(new Uint8Array(manifestBytes), Buffer.from(parsed.signature, 'hex'), key)
    } catch {
      ok = false
    }
    checks.push({
      check: 'manifest',
      ok,
      detail: ok
        ? 'manifest.json is signed by the server key'
        : 'manifest.sig.json does not verify with the server key: the manifest was altered',
    })
  }
  const head = await readJsonFile<SignedTreeHead>(pack, 'tree-head.json')
  checks.push(await checkTreeHead(head, key, manifest.workspace_id))
  const leavesText = (await pack.read('leaves.jsonl'))?.toString('utf8') ?? ''
  const leaves = leavesText
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LedgerLeafRecord)
  checks.push(await checkLeaves(leaves, head))
  const proofs = await readJsonFile<Array<InclusionProof & { record_id: string }>>(pack, 'proofs.json')
  const byIndex = new Map(leaves.map((leaf) => [leaf.leaf_index, leaf]))
  let proven = 0
  const failures: CheckResult[] = []
  for (const proof of Array.isArray(proofs) ? proofs : []) {
    const result = checkInclusion(
      `record ${proof.record_id}`,
      proof,
      head,
      byIndex.get(proof.leaf_index)?.leaf_data,
    )
    if (result.ok) proven++
    else failures.push(result)
  }
  checks.push(
    failures.length === 0
      ? { check: 'inclusion', ok: true, detail: `${proven} record proofs verify against the signed root` }
      : failures[0]!,
  )
  checks.push(await checkPackRecords(pack, manifest, leaves))
  if (publicKeyFlag === undefined) {
    checks.push({
      check: 'server key',
      ok: true,
      detail: `taken from the pack (${manifest.public_key.slice(0, 16)}…); pass --public-key to check against a key you trust`,
    })
  } else {
    checks.push({
      check: 'server key',
      ok: publicKeyFlag === manifest.public_key,
      detail:
        publicKeyFlag === manifest.public_key
          ? 'matches the key you gave'
          : `the pack names ${manifest.public_key.slice(0, 16)}…, not the key you gave`,
    })
  }
  return { checks, manifest }
}

/**
 * Every evidence record and attestation in the pack must be a leaf of the signed tree: same record
 * id, and the leaf index the server gave it. A record added to the pack afterwards has no leaf.
 */
async function checkPackRecords(
  pack: PackSource,
  manifest: PackManifest,
  leaves: readonly LedgerLeafRecord[],
): Promise<CheckResult> {
  const byId = new Map(leaves.map((leaf) => [leaf.record_id, leaf]))
  let checked = 0
  let bound = 0
  for (const [file, idField] of [
    ['evidence.json', 'record_id'],
    ['attestations.json', 'attestation_id'],
  ] as const) {
    if (manifest.files?.[file] === undefined) continue
    const records = await readJsonFile<Array<Record<string, unknown>>>(pack, file)
    for (const record of Array.isArray(records) ? records : []) {
      const id = String(record[idField] ?? record.id)
      const leaf = byId.get(id)
      if (!leaf) return { check: 'records', ok: false, detail: `${file}: ${id} is not in the ledger` }
      if (typeof record.leaf_index === 'number' && record.leaf_index !== leaf.leaf_index) {
        return {
          check: 'records',
          ok: false,
          detail: `${file}: ${id} claims leaf ${record.leaf_index}, the ledger has it at ${leaf.leaf_index}`,
        }
      }
      // Where the server kept the record exactly as received, its canonical hash is in the leaf.
      if (typeof record.record === 'object' && record.record !== null) {
        const committed = (JSON.parse(leaf.leaf_data) as { record_hash?: string }).record_hash
        if (hashValue(record.record) !== committed) {
          return {
            check: 'records',
            ok: false,
            detail: `${file}: ${id} differs from the record its leaf commits to`,
          }
        }
        bound++
      }
      checked++
    }
  }
  return {
    check: 'records',
    ok: true,
    detail: `${checked} evidence records and attestations are leaves of the signed tree (${bound} re-hashed to their leaf's record_hash)`,
  }
}

async function runVerify(context: CommandContext): Promise<ExitCode> {
  const pack = stringValue(context.values, 'pack')
  if (pack === undefined) return verifyOnline(context)
  const key = stringValue(context.values, 'public-key')?.toLowerCase()
  if (key !== undefined && !HEX_KEY.test(key))
    throw new UsageError('--public-key must be 64 hex digits (the server’s Ed25519 key)')
  const { checks, manifest } = await verifyPack(pack, key)
  return report(
    context.output,
    `Audit pack ${pack} · workspace ${manifest.workspace_id} · exported ${manifest.created_at}`,
    checks,
    {
      pack,
      workspace_id: manifest.workspace_id,
    },
  )
}

/** `mima verify`. */
export const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: "Check the workspace's ledger (signed heads, consistency, inclusion) or an audit pack",
  usage: ['verify [--record ID]... [--quick] [--public-key HEX]', 'verify --pack PATH [--public-key HEX]'],
  description: [
    "Checks the workspace's Merkle ledger without trusting the server:",
    '  server key    the key that signs tree heads is pinned on first use (or with --public-key)',
    '  tree head     the current head is signed by that key and names this workspace',
    '  consistency   the head extends the last head this machine verified (nothing removed or rewritten;',
    '                kept in ~/.mima/ledger/)',
    '  leaves        every leaf is re-hashed and the root recomputed (skip with --quick)',
    '  inclusion     each --record ID (or, without one, the newest record) is proven to be in the tree',
    'With --pack it checks an audit pack offline instead. Exit 0 verified, 1 a check failed, 3 server error.',
  ].join('\n'),
  options: {
    record: {
      type: 'string',
      multiple: true,
      valueName: 'ID',
      description: 'Prove this record (attestation, evidence, ...) is in the ledger; repeatable',
    },
    quick: { type: 'boolean', description: 'Skip re-hashing every leaf' },
    'public-key': {
      type: 'string',
      valueName: 'HEX',
      description: "The server's Ed25519 public key you trust",
    },
    pack: {
      type: 'string',
      valueName: 'PATH',
      description: 'Verify an audit pack (.zip or directory) offline (no credentials)',
    },
  },
  json: true,
  examples: [
    'mima verify',
    'mima verify --record 01934f…  --quick',
    'mima verify --pack ./mima-audit-pack-2026-11-21 --public-key 3b6a27…',
  ],
  run: runVerify,
}
