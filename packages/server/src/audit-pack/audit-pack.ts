import { createHash } from 'node:crypto'
import type { SignedTreeHead } from '@mima/core'
import { evaluateGates } from '@mima/grc'
import { listGates, listSystems, readReadiness } from '../grc/grc-store'
import type { Ledger, LedgerLeaf } from '../ledger/ledger'
import { MAX_LEAVES_PER_PAGE } from '../ledger/ledger-routes'
import type { ServerKey } from '../ledger/server-key'
import { buildArticle12Report } from '../reports/article12-report'
import { chainVerification } from '../reports/compliance-report'
import { reportToMarkdown } from '../reports/report-markdown'
import { buildSummaryReport } from '../reports/summary-report'
import type { Queryable } from '../storage/database'
import { VERSION } from '../version'
import { createZip } from './zip-writer'

/** Format tag in `manifest.json` and `summary.json`. */
export const AUDIT_PACK_FORMAT = 'mima-audit-pack/1'

/** What {@link buildAuditPack} needs. */
export interface BuildAuditPackOptions {
  database: Queryable
  ledger: Ledger
  /** The server's Ed25519 ledger key: it signs `manifest.json`. */
  serverKey: ServerKey
  workspaceId: string
  /** Generation time (default now). */
  now?: Date
  /** The server's base URL as the client reached it (recorded in the manifest). */
  baseUrl?: string
  /**
   * Write `proofs.json` (default true). Proofs grow as n·log n; for a very large ledger
   * `leaves.jsonl` and the signed root already let an auditor check every record.
   */
  includeProofs?: boolean
}

/** A built audit pack. */
export interface AuditPack {
  /** The ZIP archive. */
  zip: Buffer
  /** Lowercase hex SHA-256 of `manifest.json` (header `x-bundle-hash`). */
  bundleHash: string
  /** Lowercase hex Ed25519 signature of `manifest.json` by the ledger key (header `x-pack-sig`). */
  signature: string
  /** Ledger records the pack covers: the signed tree size (header `x-record-count`). */
  recordCount: number
  treeHead: SignedTreeHead
  /** File name → SHA-256, as in `manifest.json`. */
  files: Record<string, string>
}

interface EvidenceRow {
  record_id: string
  record_type: string
  system_name: string
  identity: string | null
  resource: string | null
  environment: string | null
  occurred_at: string | null
  payload: unknown
  /** The record exactly as received; its `hashValue` is the leaf's `record_hash` (null for older rows). */
  record: unknown
  mapped_controls: string[]
  client_sig_status: string
  source: string
  leaf_index: number | string
  received_at: Date | string
}

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex')
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`
// A JSON array with one compact item a line: valid JSON, diffable, and small for many items.
const jsonLines = (items: readonly unknown[]): string =>
  items.length === 0 ? '[]\n' : `[\n${items.map((item) => JSON.stringify(item)).join(',\n')}\n]\n`

/**
 * RFC 9162 inclusion paths (leaf upward) of every leaf, computed from the leaf hashes in
 * O(n log n), and the root they make (checked against the signed head before the pack is served).
 */
export function inclusionPathsOf(
  leafHashes: readonly string[],
  options: { paths?: boolean } = {},
): { root: string; paths: string[][] } {
  const withPaths = options.paths ?? true
  if (leafHashes.length === 0) return { root: sha256Hex(new Uint8Array(0)), paths: [] }
  const hashes = leafHashes.map((hash) => Buffer.from(hash, 'hex'))
  const paths: string[][] = withPaths ? leafHashes.map(() => []) : []
  const node = (left: Buffer, right: Buffer): Buffer =>
    createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest()
  // Subtree [start, end): returns its hash and appends, to every leaf inside, the sibling hashes
  // from the leaf upward (children first, so each path ends up ordered leaf → root).
  const build = (start: number, end: number): Buffer => {
    if (end - start === 1) return hashes[start] as Buffer
    let split = 1
    while (split * 2 < end - start) split *= 2
    const left = build(start, start + split)
    const right = build(start + split, end)
    if (withPaths) {
      const leftHex = left.toString('hex')
      const rightHex = right.toString('hex')
      for (let index = start; index < start + split; index++) paths[index]?.push(rightHex)
      for (let index = start + split; index < end; index++) paths[index]?.push(leftHex)
    }
    return node(left, right)
  }
  return { root: build(0, hashes.length).toString('hex'), paths }
}

// A field a spreadsheet would run as a formula gets a leading apostrophe (CSV injection).
function csvField(value: unknown): string {
  let text =
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const CSV_COLUMNS = [
  'record_id',
  'record_type',
  'system_name',
  'identity',
  'resource',
  'environment',
  'occurred_at',
  'received_at',
  'mapped_controls',
  'client_sig_status',
  'source',
  'leaf_index',
  'payload',
] as const

function readme(workspaceId: string, head: SignedTreeHead, generatedAt: string): string {
  return `# Mima audit pack

Workspace \`${workspaceId}\`, generated ${generatedAt} by mima-server ${VERSION}.
It covers the workspace's ledger up to ${head.tree_size} records (root \`${head.root_hash}\`),
signed by the server's Ed25519 key \`${head.public_key}\`.

## Files

- \`summary.json\`: counts, readiness and gate status at generation time.
- \`evidence.csv\`: evidence received in the last 12 months (spreadsheet view; a field starting
  with = + - @ gets a leading ' so spreadsheets do not run it).
- \`evidence.json\`: every evidence record in the covered ledger, with its \`leaf_index\` and the record
  exactly as received (\`record\`), whose canonical SHA-256 is the leaf's \`record_hash\`.
- \`readiness.json\`, \`gates.json\`: readiness per framework; gate policies and their check.
- \`report-article12.json\`, \`report-article12.md\`: the EU AI Act Article 12 record-keeping report
  over the whole workspace (the same as \`mima report article12\`).
- \`report-summaries.json\`: the summary report of each AI system (\`mima report summary --system\`).
- \`tree-head.json\`: the signed tree head.
- \`leaves.jsonl\`: every ledger leaf in order (\`leaf_index\`, \`leaf_hash\`, \`kind\`, \`record_id\`,
  \`leaf_data\`).
- \`proofs.json\`: an RFC 9162 inclusion proof per leaf against the signed head.
- \`manifest.json\`: the SHA-256 of every file above; \`manifest.sig.json\`: the server's
  signature of manifest.json.

## Verify offline

    npx @mima/cli verify --pack <this .zip or its unpacked folder> --public-key <the server key you trust>

runs every check below. By hand:

1. \`manifest.sig.json\`: \`signature\` is an Ed25519 signature, by \`public_key\`, of the exact bytes
   of \`manifest.json\`; \`bundle_hash\` is their SHA-256. Pin the server key you trust
   (\`GET /api/ledger/public-key\`) instead of taking the one in the pack.
2. Each file's SHA-256 must equal its entry in \`manifest.json\` \`files\`.
3. \`tree-head.json\`: \`verifySignedTreeHead(head, publicKey)\` from @mima/core (Ed25519 over the
   canonical JSON of \`{ root_hash, timestamp, tree_size, v: "mima-sth/1", workspace_id }\`).
4. Every \`leaf_hash\` is \`SHA-256(0x00 || leaf_data)\`; \`rootFromLeafHashes(leaf hashes)\` must give
   \`root_hash\`: an edited, removed or reordered record changes it.
5. Each entry of \`proofs.json\` passes \`verifyInclusionProof({ leafHash, leafIndex, treeSize,
   proof: inclusion_path, rootHash })\`: one record can be checked without the others.
6. An evidence record's leaf is the one with its \`record_id\`, at its \`leaf_index\`.
`
}

/** Most systems whose summary report a pack carries. */
const MAX_SUMMARIES = 100

/** The Article 12 report of the workspace and the summary report of each of its systems. */
async function workspaceReports(database: Queryable, ledger: Ledger, workspaceId: string, now: Date) {
  const chain = await chainVerification(database, ledger, workspaceId)
  const article12 = await buildArticle12Report({ database, ledger, workspaceId, filters: {}, now, chain })
  const fromAttestations = await database.query<{ system_name: string }>(
    'select distinct system_name from attestations where workspace_id = $1 order by 1 limit $2',
    [workspaceId, MAX_SUMMARIES],
  )
  const names = new Set([
    ...(await listSystems(database, workspaceId)).map((system) => system.system_name),
    ...fromAttestations.rows.map((row) => row.system_name),
  ])
  const summaries = []
  for (const systemName of [...names].sort().slice(0, MAX_SUMMARIES)) {
    summaries.push(
      await buildSummaryReport({ database, ledger, workspaceId, filters: { systemName }, now, chain }),
    )
  }
  return { article12, summaries }
}

/**
 * Builds a workspace's audit pack: a ZIP (stored, no compression) with the evidence, readiness and
 * gates, the signed tree head, every leaf and an inclusion proof per leaf, and a manifest of
 * SHA-256 hashes signed with the server's ledger key, so an auditor verifies it all offline.
 */
export async function buildAuditPack(options: BuildAuditPackOptions): Promise<AuditPack> {
  const { database, ledger, workspaceId } = options
  const now = options.now ?? new Date()
  const generatedAt = now.toISOString()
  const head = await ledger.treeHead(database, workspaceId)
  const leaves: LedgerLeaf[] = []
  while (leaves.length < head.tree_size) {
    const page = await ledger.leaves(
      database,
      workspaceId,
      leaves.length,
      Math.min(MAX_LEAVES_PER_PAGE, head.tree_size - leaves.length),
    )
    if (page.length === 0) break
    leaves.push(...page)
  }
  const includeProofs = options.includeProofs ?? true
  const { root, paths } = inclusionPathsOf(
    leaves.map((leaf) => leaf.leaf_hash),
    { paths: includeProofs },
  )
  if (leaves.length !== head.tree_size || root !== head.root_hash) {
    throw new Error(
      `Audit pack: the stored leaves (${leaves.length}) do not reproduce the signed root of ${head.tree_size} leaves.`,
    )
  }

  const { rows } = await database.query<EvidenceRow>(
    `select record_id, record_type, system_name, identity, resource, environment, occurred_at, payload,
            record, mapped_controls, client_sig_status, source, leaf_index, received_at
       from grc_evidence where workspace_id = $1 and leaf_index < $2 order by leaf_index`,
    [workspaceId, head.tree_size],
  )
  const evidence = rows.map((row) => ({
    ...row,
    leaf_index: Number(row.leaf_index),
    received_at: new Date(row.received_at).toISOString(),
  }))
  const yearAgo = new Date(now)
  yearAgo.setUTCFullYear(yearAgo.getUTCFullYear() - 1)
  const recent = evidence.filter((record) => Date.parse(record.received_at) >= yearAgo.getTime())
  const csv = [
    CSV_COLUMNS.join(','),
    ...recent.map((record) =>
      CSV_COLUMNS.map((column) =>
        csvField(column === 'mapped_controls' ? record.mapped_controls.join(';') : record[column]),
      ).join(','),
    ),
  ]
    .map((line) => `${line}\r\n`)
    .join('')

  const [readiness, policies] = await Promise.all([
    readReadiness(database, { workspaceId }),
    listGates(database, workspaceId),
  ])
  const gateCheck = evaluateGates({ policies, readiness })
  const reports = await workspaceReports(database, ledger, workspaceId, now)

  const byKind: Record<string, number> = {}
  for (const leaf of leaves) byKind[leaf.kind] = (byKind[leaf.kind] ?? 0) + 1
  const byRecordType: Record<string, number> = {}
  for (const record of evidence)
    byRecordType[record.record_type] = (byRecordType[record.record_type] ?? 0) + 1

  const summary = {
    format: AUDIT_PACK_FORMAT,
    workspace_id: workspaceId,
    generated_at: generatedAt,
    server_version: VERSION,
    ledger: {
      tree_size: head.tree_size,
      root_hash: head.root_hash,
      signed_at: head.timestamp,
      public_key: head.public_key,
      records_by_kind: byKind,
    },
    evidence: {
      total: evidence.length,
      last_12_months: recent.length,
      by_record_type: byRecordType,
    },
    readiness: {
      overall_pct: readiness.overall_pct,
      frameworks: readiness.frameworks.map((framework) => ({
        framework: framework.framework,
        score_pct: framework.score_pct,
        controls_covered: framework.controls_covered,
        controls_required: framework.controls_required,
      })),
    },
    gates: { passed: gateCheck.passed, policies: policies.length },
  }

  const files: Record<string, string> = {
    'README.md': readme(workspaceId, head, generatedAt),
    'summary.json': json(summary),
    'evidence.csv': csv,
    'evidence.json': jsonLines(evidence),
    'readiness.json': json(readiness),
    'gates.json': json({ policies, check: gateCheck }),
    'report-article12.json': json(reports.article12),
    'report-article12.md': reportToMarkdown(reports.article12),
    'report-summaries.json': json(reports.summaries),
    'tree-head.json': json(head),
    'leaves.jsonl': leaves.map((leaf) => `${JSON.stringify(leaf)}\n`).join(''),
  }
  if (includeProofs) {
    files['proofs.json'] = jsonLines(
      leaves.map((leaf, index) => ({
        record_id: leaf.record_id,
        kind: leaf.kind,
        leaf_index: leaf.leaf_index,
        tree_size: head.tree_size,
        leaf_hash: leaf.leaf_hash,
        inclusion_path: paths[index] ?? [],
      })),
    )
  }
  const hashes = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha256Hex(text)]))
  const manifest = json({
    format: AUDIT_PACK_FORMAT,
    created_at: generatedAt,
    base_url: options.baseUrl ?? null,
    workspace_id: workspaceId,
    generated_at: generatedAt,
    tree_size: head.tree_size,
    root_hash: head.root_hash,
    public_key: options.serverKey.publicKeyHex,
    hash_algorithm: 'sha256',
    files: hashes,
    custody:
      'Generated by the Mima server from its database at generated_at. Every record is a leaf of the ' +
      "workspace's append-only Merkle ledger; the signed tree head commits to all of them and each " +
      'inclusion proof ties one record to it. manifest.sig.json holds the Ed25519 signature of this file.',
  })
  const bundleHash = sha256Hex(manifest)
  const signature = options.serverKey.sign(manifest).toString('hex')
  const manifestSignature = json({
    algorithm: 'ed25519',
    public_key: options.serverKey.publicKeyHex,
    signed: 'the exact bytes of manifest.json',
    bundle_hash: bundleHash,
    signature,
  })
  const zip = createZip(
    [
      ...Object.entries(files).map(([name, data]) => ({ name, data })),
      { name: 'manifest.json', data: manifest },
      { name: 'manifest.sig.json', data: manifestSignature },
    ],
    { modified: now },
  )
  return { zip, bundleHash, signature, recordCount: head.tree_size, treeHead: head, files: hashes }
}
