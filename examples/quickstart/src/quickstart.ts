/**
 * Mima quickstart: everything the root README's "In your app" snippet shows, runnable.
 *
 *   MIMA_BASE_URL, MIMA_API_KEY, MIMA_WORKSPACE_ID   the Mima server and a key to write with
 *   OPENAI_BASE_URL, OPENAI_API_KEY (OPENAI_MODEL)   any OpenAI-compatible endpoint
 *   MIMA_SIGNING_KEY                                 Ed25519 seed (64 hex); a fresh one when unset
 *   --auto-approve-with <key> / MIMA_AUTO_APPROVE_KEY   decide the approval with this second key
 *
 * See README.md next to this file.
 */
import { parseArgs } from 'node:util'
import { createApprovals, requireApproval } from '@mima/approvals'
import {
  bytesToHex,
  createMima,
  generateSigningKey,
  hashValue,
  leafHash,
  type SignedTreeHead,
  verifyInclusionProof,
  verifyingKeyHex,
  verifySignedTreeHead,
} from '@mima/core'
import { createGrc } from '@mima/grc'
import { enableGuard, flushGuardReports, guardStatus } from '@mima/guard'
import OpenAI from 'openai'

// 1. The guard first: from here on, any OpenAI/Anthropic call outside mima.attest(...) is flagged.
enableGuard({ mode: 'warn' })

const USAGE =
  'Usage: pnpm --filter @mima-example/quickstart start [--auto-approve-with <approver key>] [--approval-timeout <seconds>]'
// `pnpm … start -- --flag` hands the script a literal `--`: drop it so both spellings work.
const argv = process.argv.slice(2)
if (argv[0] === '--') argv.shift()
let flags: { 'auto-approve-with'?: string; 'approval-timeout'?: string; help?: boolean }
try {
  flags = parseArgs({
    args: argv,
    options: {
      'auto-approve-with': { type: 'string' },
      'approval-timeout': { type: 'string', default: '300' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`)
  process.exit(2)
}
if (flags.help === true) {
  console.log(USAGE)
  process.exit(0)
}

const baseUrl = (process.env.MIMA_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
const autoApproveKey = flags['auto-approve-with'] ?? process.env.MIMA_AUTO_APPROVE_KEY
const approvalTimeout = Number(flags['approval-timeout'] ?? '300')
if (!Number.isInteger(approvalTimeout) || approvalTimeout < 1) {
  console.error(`--approval-timeout must be a whole number of seconds ≥ 1 (got ${flags['approval-timeout']})`)
  process.exit(2)
}
if (process.env.MIMA_API_KEY === undefined || process.env.MIMA_API_KEY === '') {
  console.error('Set MIMA_API_KEY (and MIMA_BASE_URL, MIMA_WORKSPACE_ID): see examples/quickstart/README.md')
  process.exit(2)
}
if (process.env.OPENAI_API_KEY === undefined || process.env.OPENAI_API_KEY === '') {
  console.error(
    'Set OPENAI_API_KEY (and OPENAI_BASE_URL for any OpenAI-compatible endpoint), or run `pnpm demo` for an offline run with a built-in model.',
  )
  process.exit(2)
}
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini'
const signingKey = process.env.MIMA_SIGNING_KEY ?? generateSigningKey()
if (process.env.MIMA_SIGNING_KEY === undefined)
  console.log(`No MIMA_SIGNING_KEY set: signing with a fresh key (public ${verifyingKeyHex(signingKey)})`)

// 2. The client. MIMA_API_KEY and MIMA_WORKSPACE_ID come from the environment (or ~/.mima/config.json).
const mima = createMima({
  baseUrl,
  systemName: 'loan-scorer',
  authorisedBy: { identity: 'alice@example.com', role: 'ml-engineer' },
  signingKey,
  onError: 'raise', // a quickstart should stop loudly; production code usually keeps 'warn'
})
const workspaceId = await mima.workspaceId()
const openai = new OpenAI() // OPENAI_BASE_URL and OPENAI_API_KEY from the environment

interface Application {
  readonly applicant: string
  readonly income: number
  readonly amount: number
}

// 3. An attested AI call: the call runs, then a signed attestation lands in the workspace's ledger.
const score = mima.attest({ toolName: 'score', modelId: model }, async (application: Application) => {
  const completion = await openai.chat.completions.create({
    model,
    messages: [
      { role: 'system', content: 'Score this loan application from 0 to 100. Answer with the number only.' },
      { role: 'user', content: JSON.stringify(application) },
    ],
  })
  return completion.choices[0]?.message.content ?? ''
})
const scored = await score({ applicant: 'A-1042', income: 52_000, amount: 12_000 })
console.log(`✓ attested call "score" answered: ${JSON.stringify(scored)}`)

// 4. A deliberately unattested call: it still works, but the guard warns on stderr (MimaGuardWarning).
await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hi (unattested).' }] })
console.log('✓ unattested call made on purpose: the guard flagged it (see the MimaGuardWarning on stderr)')

// 5. An approval gate: a person (another API key) must approve the refund before it runs.
const order = { id: `order-${Date.now().toString(36)}`, amount: 900 }
const pending = requireApproval(mima, {
  actionType: 'refund',
  context: { order: order.id, amount: order.amount },
  description: `Refund ${order.amount} on ${order.id}`,
  timeoutSeconds: approvalTimeout,
})
pending.catch(() => undefined) // handled below by `await pending`; this only avoids an unhandled rejection meanwhile
const approvalId = await findPendingApproval(order.id)
console.log(`… approval ${approvalId} is waiting for a decision (refund of ${order.amount} on ${order.id})`)
if (autoApproveKey === undefined) {
  console.log(`  approve it with:  pnpm mima approvals decide ${approvalId} approve   (an approver key)`)
  console.log('  or in the dashboard; waiting…')
} else {
  const approver = createApprovals({ baseUrl, apiKey: autoApproveKey, workspaceId })
  await approver.decide(approvalId, 'approve', { reason: 'auto-approved by the quickstart' })
  console.log('  auto-approved with the second key (--auto-approve-with)')
}
const approval = await pending
console.log(`✓ approval ${approval.approvalId} approved by ${approval.approvedBy}`)

// 6. The gated action: the token is redeemed at the server before it runs, once, for this action.
const refund = mima.attest({ toolName: 'refund', approvalToken: approval }, async (o: typeof order) => ({
  refunded: o.amount,
  order: o.id,
}))
await refund(order)
console.log(`✓ refund ran with the approval token (redeemed once, linked to approval ${approval.approvalId})`)

// 7. GRC evidence: a change event, mapped to controls by the server.
const evidence = await createGrc(mima).changeEvent({
  type: 'deployment',
  by: 'ci@example.com',
  description: 'Deploy v1.4',
  environment: 'production',
  system: 'loan-scorer',
})
console.log(`✓ change_event ${evidence.recordId} → ${evidence.mappedControls.join(', ')}`)

await mima.close() // flushes everything (nothing is left in the outbox)
await flushGuardReports()

// 8. Check the ledger: the signed tree head and an inclusion proof for each attestation.
const api = `${baseUrl}/api/workspaces/${workspaceId}`
const scoreAttestation = await latestAttestation('score')
const refundAttestation = await latestAttestation('refund')
// Trust on first use here; in production pin the key (MIMA_LEDGER_PUBLIC_KEY) and compare.
const publicKey =
  process.env.MIMA_LEDGER_PUBLIC_KEY ??
  (await getJson<{ public_key: string }>(`${baseUrl}/api/ledger/public-key`)).public_key
const head = await getJson<SignedTreeHead>(`${api}/ledger/tree-head`)
const headOk = await verifySignedTreeHead(head, publicKey)
const scoreIncluded = await included(scoreAttestation, head)
const refundIncluded = await included(refundAttestation, head)
const decided = await createApprovals(mima).get(approval.approvalId)
const guard = guardStatus().counts

const ok =
  headOk &&
  scoreIncluded &&
  refundIncluded &&
  scoreAttestation.trust_tier === 'verified' &&
  refundAttestation.trust_tier === 'verified' &&
  decided.consumedAt !== undefined

console.log('')
console.log('Summary')
console.log(`  workspace          ${workspaceId}`)
console.log(`  attestations       score ${scoreAttestation.attestation_id} (${scoreAttestation.trust_tier})`)
console.log(
  `                     refund ${refundAttestation.attestation_id} (${refundAttestation.trust_tier})`,
)
console.log(
  `  approval           ${approval.approvalId} ${decided.status} by ${decided.decidedBy}, token ${decided.consumedAt === undefined ? 'NOT consumed' : 'consumed'}`,
)
console.log(
  `  evidence           change_event ${evidence.recordId} (${evidence.mappedControls.length} controls)`,
)
console.log(`  guard              ${guard.attested} attested, ${guard.unattested} unattested call(s) flagged`)
console.log(
  `  signed tree head   size ${head.tree_size}, root ${head.root_hash.slice(0, 16)}…: ${headOk ? 'signature valid' : 'SIGNATURE INVALID'}`,
)
console.log(
  `  inclusion proofs   score ${scoreIncluded ? 'verified' : 'FAILED'}, refund ${refundIncluded ? 'verified' : 'FAILED'}`,
)
console.log(ok ? '\nAll checks passed.' : '\nSome checks FAILED.')
process.exitCode = ok ? 0 : 1

// --- helpers ---------------------------------------------------------------------------------

/** A GET with the client's API key; throws on a non-2xx answer. */
async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${process.env.MIMA_API_KEY}` } })
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as T
}

/** requireApproval waits inside; find the request it made (by this run's order id) to show its id. */
async function findPendingApproval(orderId: string): Promise<string> {
  const approvals = createApprovals(mima)
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const found = (await approvals.list({ status: 'pending' })).find(
      (candidate) => (candidate.context as { order?: unknown } | null)?.order === orderId,
    )
    if (found !== undefined) return found.id
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`The approval request for ${orderId} did not appear on the server`)
}

interface StoredAttestation {
  attestation_id: string
  trust_tier: string
  /** The record exactly as the client sent it (its hash is in the ledger leaf). */
  record: Record<string, unknown>
}

/** The newest attestation of `toolName` for this system. */
async function latestAttestation(toolName: string): Promise<StoredAttestation> {
  const page = await getJson<{ attestations: StoredAttestation[] }>(
    `${api}/governance/attestations?system_name=loan-scorer&tool_name=${toolName}&limit=1`,
  )
  const found = page.attestations[0]
  if (found === undefined) throw new Error(`No "${toolName}" attestation on the server`)
  return found
}

/**
 * Checks that `attestation` is in the tree of `head`: the leaf holds this record's hash, and the
 * inclusion proof from that leaf leads to the signed root.
 */
async function included(attestation: StoredAttestation, head: SignedTreeHead): Promise<boolean> {
  const proof = await getJson<{ leaf_index: number; leaf_hash: string; inclusion_path: string[] }>(
    `${api}/ledger/proofs/inclusion?record_id=${encodeURIComponent(attestation.attestation_id)}&tree_size=${head.tree_size}`,
  )
  const leaf = await getJson<{ leaf_data: string }>(`${api}/ledger/leaves/${proof.leaf_index}`)
  const entry = JSON.parse(leaf.leaf_data) as { record_id: string; record_hash: string }
  const leafMatches =
    bytesToHex(leafHash(leaf.leaf_data)) === proof.leaf_hash &&
    entry.record_id === attestation.attestation_id &&
    entry.record_hash === hashValue(attestation.record)
  return (
    leafMatches &&
    verifyInclusionProof({
      leafHash: proof.leaf_hash,
      leafIndex: proof.leaf_index,
      treeSize: head.tree_size,
      proof: proof.inclusion_path,
      rootHash: head.root_hash,
    })
  )
}
