import { createHash } from 'node:crypto'
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { SignedTreeHead } from '@mima/core'
import { readZip, writeZip } from '../archive/zip'
import { CliError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, stringValue } from '../cli/parse-args'
import { openSession, type Session } from '../cli/session'
import { ApiError } from '../http/api-client'
import { inclusionPaths } from '../ledger/inclusion-paths'
import { fetchLeaves, fetchServerKey, type PackManifest } from './verify'

/** Follows `next_cursor` pages of a list endpoint; `undefined` when the server has no such endpoint. */
async function fetchAllPages(session: Session, path: string, key: string): Promise<unknown[] | undefined> {
  const items: unknown[] = []
  let cursor: string | undefined
  for (let page = 0; page < 10_000; page++) {
    let response: Record<string, unknown>
    try {
      response = await session.api.request<Record<string, unknown>>('GET', session.api.workspacePath(path), {
        query: { limit: 500, cursor },
        timeoutMs: 60_000,
      })
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return undefined
      throw error
    }
    const list = response[key]
    if (!Array.isArray(list)) return items
    items.push(...list)
    const next = response.next_cursor
    if (typeof next !== 'string' || next === '' || list.length === 0) return items
    cursor = next
  }
  return items
}

async function optionalJson(session: Session, path: string): Promise<unknown> {
  try {
    return await session.api.request('GET', session.api.workspacePath(path))
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined
    throw error
  }
}

function readme(manifest: Omit<PackManifest, 'files'>): string {
  return `# Mima audit pack

Workspace \`${manifest.workspace_id}\`, exported ${manifest.created_at} from ${manifest.base_url}.
The ledger had ${manifest.tree_size} leaves; the server's Ed25519 tree-head key is
\`${manifest.public_key}\`.

## Check it

    npx @mima/cli verify --pack <this .zip or directory> --public-key <the server key you trust>

Or by hand, with any RFC 9162 implementation:

1. \`manifest.json\` lists the SHA-256 of every other file.
2. \`tree-head.json\` is signed: Ed25519 over the UTF-8 bytes of the RFC 8785 canonical JSON of
   \`{ root_hash, timestamp, tree_size, v: "mima-sth/1", workspace_id }\`.
3. \`leaves.jsonl\` holds every leaf in order. Each \`leaf_hash\` is \`SHA-256(0x00 || leaf_data)\`;
   \`leaf_data\` is canonical JSON naming the record (\`kind\`, \`record_id\`, \`record_hash\`,
   \`accepted_at\`). The RFC 9162 root over all leaf hashes (nodes \`SHA-256(0x01 || left || right)\`)
   must equal \`root_hash\` in the signed head: any edited, removed or reordered record changes it.
4. \`proofs.json\` has an inclusion proof per leaf, to check single records against the root.
5. \`evidence.json\` and \`attestations.json\` (when the server lists them) hold the records themselves;
   find each one's leaf by \`record_id\`.
`
}

/** The server's own pack (`GET …/governance/audit-pack`, a ZIP with a signed manifest), if it has one. */
async function downloadServerPack(session: Session): Promise<Buffer | undefined> {
  try {
    const response = await session.api.requestRaw('GET', session.api.workspacePath('governance/audit-pack'), {
      headers: { accept: 'application/zip' },
      timeoutMs: 300_000,
    })
    return Buffer.from(await response.arrayBuffer())
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return undefined
    throw error
  }
}

async function saveServerPack(
  context: CommandContext,
  zip: Buffer,
  out: string,
  asZip: boolean,
): Promise<ExitCode> {
  const { output } = context
  let entries: ReturnType<typeof readZip>
  try {
    entries = readZip(zip)
  } catch (error) {
    throw new CliError(
      'server_error',
      EXIT_CODES.unavailable,
      `the server sent a damaged audit pack: ${(error as Error).message}`,
    )
  }
  const entry = (name: string): string | undefined =>
    entries.find((candidate) => candidate.name === name)?.data.toString('utf8')
  const manifest = JSON.parse(entry('manifest.json') ?? '{}') as Partial<PackManifest> & {
    root_hash?: string
  }
  const evidence = entry('evidence.json')
  if (asZip) {
    await mkdir(dirname(out), { recursive: true })
    await writeFile(out, zip, { flag: 'wx' })
  } else {
    await mkdir(out, { recursive: true })
    for (const file of entries) {
      const target = resolve(out, file.name)
      if (!target.startsWith(`${out}/`))
        throw new CliError(
          'server_error',
          EXIT_CODES.unavailable,
          `unsafe file name in the pack: ${file.name}`,
        )
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, file.data)
    }
  }
  const summary = {
    path: out,
    source: 'server',
    workspace_id: manifest.workspace_id ?? null,
    tree_size: manifest.tree_size ?? null,
    root_hash: manifest.root_hash ?? null,
    public_key: manifest.public_key ?? null,
    evidence: evidence === undefined ? null : (JSON.parse(evidence) as unknown[]).length,
    attestations: null,
    files: entries.map((file) => file.name),
  }
  if (output.json) {
    output.printJson(summary)
    return EXIT_CODES.ok
  }
  output.line(`${output.colors.green('✓')} Audit pack written to ${out} (exported and signed by the server)`)
  output.line(`  Ledger        ${summary.tree_size} leaves, root ${summary.root_hash}`)
  output.line(`  Server key    ${summary.public_key}`)
  output.line(`  Evidence      ${summary.evidence ?? 'not included'} records`)
  output.line(`Check it offline: mima verify --pack ${out} --public-key ${summary.public_key}`)
  return EXIT_CODES.ok
}

async function runAuditPack(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const session = await openSession(context, { timeoutMs: 60_000 })
  const createdAt = new Date()
  const out = resolve(
    stringValue(values, 'out') ??
      `mima-audit-pack-${session.workspaceId.slice(0, 8)}-${createdAt.toISOString().slice(0, 10)}.zip`,
  )
  const asZip = out.toLowerCase().endsWith('.zip')
  if (asZip) {
    if (await stat(out).catch(() => undefined)) {
      throw new UsageError(`${out} already exists`, { hint: 'Choose another --out file.' })
    }
  } else {
    const existing = await readdir(out).catch(() => undefined)
    if (existing && existing.length > 0) {
      throw new UsageError(`${out} already exists and is not empty`, {
        hint: 'Choose another --out directory.',
      })
    }
  }
  if (!output.json)
    output.info(`Exporting workspace ${session.workspaceId} from ${session.config.baseUrl} ...`)
  if (!booleanValue(values, 'from-ledger')) {
    const downloaded = await downloadServerPack(session)
    if (downloaded !== undefined) return saveServerPack(context, downloaded, out, asZip)
    if (!output.json)
      output.info('This server has no audit-pack endpoint: building the pack from its ledger API.')
  }
  const publicKey = await fetchServerKey(session)
  const head = await session.api.request<SignedTreeHead>('GET', session.api.workspacePath('ledger/tree-head'))
  const leaves = await fetchLeaves(session, head.tree_size, output)
  const paths = inclusionPaths(leaves.map((leaf) => leaf.leaf_hash))
  const proofs = leaves.map((leaf, index) => ({
    record_id: leaf.record_id,
    kind: leaf.kind,
    leaf_index: leaf.leaf_index,
    tree_size: head.tree_size,
    leaf_hash: leaf.leaf_hash,
    inclusion_path: paths[index] ?? [],
  }))
  const evidence = await fetchAllPages(session, 'governance/grc/evidence', 'records')
  const attestations = await fetchAllPages(session, 'governance/attestations', 'attestations')
  const readiness = await optionalJson(session, 'governance/grc/readiness')
  const gates = await optionalJson(session, 'governance/grc/gates')

  const files: Record<string, string> = {
    'tree-head.json': `${JSON.stringify(head, null, 2)}\n`,
    'leaves.jsonl': leaves.map((leaf) => `${JSON.stringify(leaf)}\n`).join(''),
    'proofs.json': `${JSON.stringify(proofs, null, 2)}\n`,
  }
  if (evidence !== undefined) files['evidence.json'] = `${JSON.stringify(evidence, null, 2)}\n`
  if (attestations !== undefined) files['attestations.json'] = `${JSON.stringify(attestations, null, 2)}\n`
  if (readiness !== undefined) files['readiness.json'] = `${JSON.stringify(readiness, null, 2)}\n`
  if (gates !== undefined) files['gates.json'] = `${JSON.stringify(gates, null, 2)}\n`
  const base = {
    format: 'mima-audit-pack/1' as const,
    created_at: createdAt.toISOString(),
    base_url: session.config.baseUrl,
    workspace_id: session.workspaceId,
    public_key: publicKey,
    tree_size: head.tree_size,
  }
  files['README.md'] = readme(base)
  const manifest: PackManifest = {
    ...base,
    files: Object.fromEntries(
      Object.entries(files).map(([name, text]) => [name, createHash('sha256').update(text).digest('hex')]),
    ),
  }
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`
  if (asZip) {
    const entries = [
      { name: 'manifest.json', data: Buffer.from(manifestText) },
      ...Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text) })),
    ]
    await mkdir(dirname(out), { recursive: true })
    await writeFile(out, writeZip(entries, createdAt), { flag: 'wx' })
  } else {
    await mkdir(out, { recursive: true })
    for (const [name, text] of Object.entries(files)) await writeFile(join(out, name), text)
    await writeFile(join(out, 'manifest.json'), manifestText)
  }

  const summary = {
    path: out,
    source: 'ledger',
    workspace_id: session.workspaceId,
    tree_size: head.tree_size,
    root_hash: head.root_hash,
    public_key: publicKey,
    evidence: evidence?.length ?? null,
    attestations: attestations?.length ?? null,
    files: Object.keys(manifest.files).concat('manifest.json'),
  }
  if (output.json) {
    output.printJson(summary)
    return EXIT_CODES.ok
  }
  output.line(`${output.colors.green('✓')} Audit pack written to ${out}`)
  output.line(`  Ledger        ${head.tree_size} leaves, root ${head.root_hash}`)
  output.line(`  Server key    ${publicKey}`)
  output.line(
    `  Evidence      ${evidence === undefined ? 'not listed by this server' : `${evidence.length} records`}`,
  )
  output.line(
    `  Attestations  ${attestations === undefined ? 'not listed by this server' : `${attestations.length} records`}`,
  )
  output.line(`Check it offline: mima verify --pack ${out} --public-key ${publicKey}`)
  return EXIT_CODES.ok
}

/** `mima audit-pack`. */
export const auditPackCommand: CommandSpec = {
  name: 'audit-pack',
  summary: 'Export evidence, attestations, tree head and proofs for an offline audit',
  usage: ['audit-pack [--out FILE.zip | --out DIR]'],
  description:
    "Saves the server's audit pack (GET …/governance/audit-pack: a ZIP whose manifest the server signs with\n" +
    'its ledger key) or, with --from-ledger or on a server without that endpoint, builds one from the\n' +
    'ledger API. Either holds the signed tree head, every ledger leaf, an inclusion proof per record, the\n' +
    'evidence, readiness and gates, a manifest with the SHA-256 of each file and a README explaining\n' +
    'the checks. An auditor runs them offline with `mima verify --pack PATH`.',
  options: {
    out: {
      type: 'string',
      valueName: 'PATH',
      description: 'A .zip file to write, or a directory to create',
      defaultLabel: 'mima-audit-pack-<ws>-<date>.zip',
    },
    'from-ledger': {
      type: 'boolean',
      description:
        "Build the pack from the ledger API instead of the server's audit-pack endpoint (no server signature)",
    },
  },
  json: true,
  examples: [
    'mima audit-pack',
    'mima audit-pack --out ./audit-2026-q4.zip',
    'mima audit-pack --out ./audit-2026-q4        # a directory',
    'mima verify --pack ./audit-2026-q4.zip --public-key 3b6a27…',
  ],
  run: runAuditPack,
}
