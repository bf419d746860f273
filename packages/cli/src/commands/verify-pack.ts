import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { ed25519Verify, type SignedTreeHead } from '@mima/core'
import { readZip } from '../archive/zip'
import { RefusedError } from '../cli/cli-error'
import {
  type CheckResult,
  checkInclusion,
  checkLeaves,
  checkTreeHead,
  type InclusionProof,
  type LedgerLeafRecord,
} from '../ledger/ledger-checks'
import { checkRecordBinding, type ServedRecord } from '../ledger/record-binding'
import { checkEvidenceCsv, checkSummary } from './verify-pack-views'

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
export interface PackSource {
  readonly path: string
  read(name: string): Promise<Buffer | undefined>
  /** Every file name in the pack (relative, `/`-separated). */
  list(): Promise<string[]>
}

async function listDirectory(root: string, directory = root): Promise<string[]> {
  const names: string[] = []
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const full = join(directory, entry.name)
    if (entry.isDirectory()) names.push(...(await listDirectory(root, full)))
    else names.push(relative(root, full).split('\\').join('/'))
  }
  return names
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
      list: () => listDirectory(path),
    }
  }
  let entries: Map<string, Buffer>
  try {
    entries = new Map(readZip(await readFile(path)).map((entry) => [entry.name, entry.data]))
  } catch (error) {
    throw new RefusedError(`${path} is not a readable audit pack: ${(error as Error).message}`)
  }
  return { path, read: async (name) => entries.get(name), list: async () => [...entries.keys()] }
}

/** Reads and parses one JSON file of the pack (refused when missing or not JSON). */
export async function readJsonFile<T>(pack: PackSource, name: string): Promise<T> {
  const bytes = await pack.read(name)
  if (bytes === undefined) throw new RefusedError(`${pack.path}: ${name} is missing`)
  try {
    return JSON.parse(bytes.toString('utf8')) as T
  } catch {
    throw new RefusedError(`${pack.path}: ${name} is not valid JSON`)
  }
}

const OWN_FILES = new Set(['manifest.json', 'manifest.sig.json'])

async function checkFiles(pack: PackSource, manifest: PackManifest): Promise<CheckResult> {
  const listed = manifest.files ?? {}
  const problems: string[] = []
  for (const [name, expected] of Object.entries(listed)) {
    const bytes = await pack.read(name)
    if (bytes === undefined) problems.push(`${name} (missing)`)
    else if (createHash('sha256').update(bytes).digest('hex') !== expected) problems.push(name)
  }
  // Every file in the pack must be covered by the manifest: an added file is not evidence.
  for (const name of await pack.list()) {
    if (!OWN_FILES.has(name) && listed[name] === undefined) problems.push(`${name} (not in the manifest)`)
  }
  return {
    check: 'files',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${Object.keys(listed).length} files match the manifest's SHA-256, and the manifest covers every file`
        : `changed since export: ${problems.join(', ')}`,
  }
}

async function checkSignature(
  pack: PackSource,
  key: string,
  keyTrusted: boolean,
): Promise<CheckResult | undefined> {
  const signature = await pack.read('manifest.sig.json')
  if (signature === undefined) {
    // With a key you trust, an unsigned pack proves nothing: anyone can re-hash a manifest.
    if (!keyTrusted) return undefined
    return {
      check: 'manifest',
      ok: false,
      detail:
        'manifest.sig.json is missing: checked against a key you trust, a pack must carry the server’s signature of manifest.json (it was removed, or the pack was built without one)',
    }
  }
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
  return {
    check: 'manifest',
    ok,
    detail: ok
      ? 'manifest.json is signed by the server key'
      : 'manifest.sig.json does not verify with the server key: the manifest was altered',
  }
}

async function readLeaves(pack: PackSource): Promise<LedgerLeafRecord[]> {
  const text = (await pack.read('leaves.jsonl'))?.toString('utf8') ?? ''
  try {
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LedgerLeafRecord)
  } catch {
    throw new RefusedError(`${pack.path}: leaves.jsonl is not JSON lines`)
  }
}

async function checkProofs(
  pack: PackSource,
  leaves: readonly LedgerLeafRecord[],
  head: SignedTreeHead,
): Promise<CheckResult> {
  const proofs = await readJsonFile<Array<InclusionProof & { record_id: string }>>(pack, 'proofs.json')
  const byIndex = new Map(leaves.map((leaf) => [leaf.leaf_index, leaf]))
  let proven = 0
  for (const proof of Array.isArray(proofs) ? proofs : []) {
    const result = checkInclusion(
      `record ${proof.record_id}`,
      proof,
      head,
      byIndex.get(proof.leaf_index)?.leaf_data,
    )
    if (!result.ok) return result
    proven += 1
  }
  return { check: 'inclusion', ok: true, detail: `${proven} record proofs verify against the signed root` }
}

async function packRecords(
  pack: PackSource,
  manifest: PackManifest,
): Promise<{ served: ServedRecord[]; kinds: Set<string>; evidence: Array<Record<string, unknown>> }> {
  const served: ServedRecord[] = []
  const kinds = new Set<string>()
  let evidence: Array<Record<string, unknown>> = []
  for (const [file, kind, idField] of [
    ['evidence.json', 'evidence', 'record_id'],
    ['attestations.json', 'attestation', 'attestation_id'],
  ] as const) {
    if (manifest.files?.[file] === undefined) continue
    kinds.add(kind)
    const records = await readJsonFile<Array<Record<string, unknown>>>(pack, file)
    const list = Array.isArray(records) ? records : []
    if (kind === 'evidence') evidence = list
    for (const record of list) {
      served.push({
        kind,
        id: String(record[idField] ?? record.id),
        leafIndex: Number(record.leaf_index),
        record:
          typeof record.record === 'object' && record.record !== null
            ? (record.record as Record<string, unknown>)
            : null,
        fields: record,
      })
    }
  }
  return { served, kinds, evidence }
}

/** Options for {@link verifyPack}. */
export interface VerifyPackOptions {
  /** `--public-key`: the server key you trust. */
  publicKey?: string | undefined
  /** The key pinned for the pack's server and workspace on this machine (`mima verify`), if any. */
  pinnedKey?: string | undefined
}

/**
 * Verifies an audit pack (directory or ZIP) offline: no server, no credentials. Every file must be
 * in the manifest; with a key you give or pinned, the manifest must carry a valid server
 * signature; every record file is bound to its leaves both ways (an edited, removed or added
 * record is named); `evidence.csv` and `summary.json` must agree with the bound records.
 */
export async function verifyPack(
  path: string,
  options: VerifyPackOptions = {},
): Promise<{ checks: CheckResult[]; manifest: PackManifest }> {
  const pack = await openPack(path)
  const manifest = await readJsonFile<PackManifest>(pack, 'manifest.json')
  if (manifest.format !== 'mima-audit-pack/1')
    throw new RefusedError(`${path} is not a Mima audit pack (format ${String(manifest.format)})`)
  const checks: CheckResult[] = [await checkFiles(pack, manifest)]
  const trusted = options.publicKey ?? options.pinnedKey
  const key = trusted ?? manifest.public_key
  const signature = await checkSignature(pack, key, trusted !== undefined)
  if (signature !== undefined) checks.push(signature)
  const head = await readJsonFile<SignedTreeHead>(pack, 'tree-head.json')
  checks.push(await checkTreeHead(head, key, manifest.workspace_id))
  const leaves = await readLeaves(pack)
  checks.push(await checkLeaves(leaves, head))
  if (manifest.files?.['proofs.json'] !== undefined) checks.push(await checkProofs(pack, leaves, head))
  const { served, kinds, evidence } = await packRecords(pack, manifest)
  if (!kinds.has('evidence') && leaves.some((leaf) => leaf.kind === 'evidence')) {
    checks.push({
      check: 'records',
      ok: false,
      detail: 'evidence.json is missing, but the ledger has evidence leaves',
    })
  }
  checks.push(...checkRecordBinding(leaves, served, 0, { kinds, requireRecords: true }))
  if (manifest.files?.['evidence.csv'] !== undefined) {
    const csv = (await pack.read('evidence.csv'))?.toString('utf8') ?? ''
    checks.push(checkEvidenceCsv(csv, evidence, manifest.created_at))
  }
  if (manifest.files?.['summary.json'] !== undefined) {
    const summary = await readJsonFile<Record<string, unknown>>(pack, 'summary.json')
    checks.push(checkSummary(summary, { head, leaves, evidence, generatedAt: manifest.created_at }))
  }
  checks.push(keyCheck(manifest, options))
  return { checks, manifest }
}

function keyCheck(manifest: PackManifest, options: VerifyPackOptions): CheckResult {
  const trusted = options.publicKey ?? options.pinnedKey
  if (trusted === undefined) {
    return {
      check: 'server key',
      ok: true,
      detail: `taken from the pack (${manifest.public_key.slice(0, 16)}…); pass --public-key to check against a key you trust`,
    }
  }
  const source = options.publicKey === undefined ? 'the key pinned on this machine' : 'the key you gave'
  return {
    check: 'server key',
    ok: trusted === manifest.public_key,
    detail:
      trusted === manifest.public_key
        ? `matches ${source}`
        : `the pack names ${manifest.public_key.slice(0, 16)}…, not ${source}`,
  }
}
