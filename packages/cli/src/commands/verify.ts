import type { SignedTreeHead } from '@mima/core'
import { UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, stringValue } from '../cli/parse-args'
import { openSession, type Session } from '../cli/session'
import { type KeyRotation, rotationChain } from '../ledger/key-rotation'
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
import { openPack, type PackManifest, readJsonFile, verifyPack } from './verify-pack'

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
  return (await fetchServerKeys(session)).public_key
}

/** `GET /api/ledger/public-key` with the signed handovers from earlier keys. */
async function fetchServerKeys(session: Session): Promise<{ public_key: string; rotations: KeyRotation[] }> {
  const response = await session.api.request<{ public_key: string; rotations?: KeyRotation[] }>(
    'GET',
    '/api/ledger/public-key',
  )
  return {
    public_key: response.public_key,
    rotations: Array.isArray(response.rotations) ? response.rotations : [],
  }
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
  const { public_key: served, rotations } = await fetchServerKeys(session)
  const previousPin = flagKey ?? state?.public_key
  // A rotation the pinned key signed (possibly through several keys) moves the pin to the new key.
  const chain =
    previousPin !== undefined && previousPin !== served
      ? rotationChain(previousPin, served, rotations)
      : undefined
  const pinned: string = chain !== undefined ? served : (previousPin ?? served)
  if (chain !== undefined && previousPin !== undefined) {
    checks.push({
      check: 'server key',
      ok: true,
      detail: `rotated from the pinned ${previousPin.slice(0, 16)}… to ${served.slice(0, 16)}… (${chain.length} handover${chain.length === 1 ? '' : 's'} signed by the retiring key)`,
    })
  } else if (previousPin === undefined) {
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

export type { PackManifest }

/** The key `mima verify` pinned on this machine for the pack's server and workspace, if any. */
async function pinnedKeyFor(home: string, path: string): Promise<string | undefined> {
  try {
    const manifest = await readJsonFile<PackManifest>(await openPack(path), 'manifest.json')
    if (typeof manifest.base_url !== 'string' || typeof manifest.workspace_id !== 'string') return undefined
    return (await readLedgerState(ledgerStatePath(home, manifest.base_url, manifest.workspace_id)))
      ?.public_key
  } catch {
    return undefined
  }
}

async function runVerify(context: CommandContext): Promise<ExitCode> {
  const pack = stringValue(context.values, 'pack')
  if (pack === undefined) return verifyOnline(context)
  const key = stringValue(context.values, 'public-key')?.toLowerCase()
  if (key !== undefined && !HEX_KEY.test(key))
    throw new UsageError('--public-key must be 64 hex digits (the server’s Ed25519 key)')
  const manifestKey = await pinnedKeyFor(context.home, pack)
  const { checks, manifest } = await verifyPack(pack, { publicKey: key, pinnedKey: manifestKey })
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
