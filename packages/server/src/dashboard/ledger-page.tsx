import type { SignedTreeHead } from '@mima/core'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { LedgerLeaf } from '../ledger/ledger'
import { DataTable, Layout, ShortId, Time } from './dashboard-layout'
import type { LedgerVerification } from './dashboard-queries'
import { EvidenceAssets } from './evidence/evidence-kit'
import { ProofBox } from './evidence/record-pages'
import type { DashboardSession } from './session-store'

function Check(props: { ok: boolean; children?: string }): JSX.Element {
  return <li class={props.ok ? 'ok' : 'fail'}>{props.children}</li>
}

/** Ledger: the signed head, "verify now" and the latest leaves. */
export function LedgerPage(props: {
  session: DashboardSession
  head: SignedTreeHead
  leaves: readonly LedgerLeaf[]
  verification?: LedgerVerification | undefined
}): JSX.Element {
  const { head, verification } = props
  return (
    <Layout session={props.session} section="ledger" title="Ledger">
      <EvidenceAssets proofs />
      <h1>Ledger</h1>
      <ProofBox
        id="consistency"
        heading="Consistency with what this browser saw"
        attributes={{
          'data-consistency-url': '/dashboard/ledger/consistency',
          'data-workspace': head.workspace_id,
        }}
      >
        <dt>Last head seen here</dt>
        <dd class="last-seen">…</dd>
      </ProofBox>
      <section class="card" id="tree-head">
        <h2>Signed tree head</h2>
        <dl class="kv">
          <dt>Tree size</dt>
          <dd id="tree-size">{head.tree_size}</dd>
          <dt>Root hash</dt>
          <dd class="mono" id="root-hash">
            {head.root_hash}
          </dd>
          <dt>Signed at</dt>
          <dd>
            <Time value={head.timestamp} />
          </dd>
          <dt>Signature</dt>
          <dd class="mono">{`${head.algorithm} ${head.signature}`}</dd>
          <dt>Server key</dt>
          <dd class="mono">{head.public_key}</dd>
        </dl>
        <form method="post" action="/dashboard/ledger/verify">
          <p>
            <button class="primary" type="submit" id="verify-now">
              Verify now
            </button>{' '}
            <span class="muted small">
              checks the head's signature, re-hashes every stored leaf and recomputes the root on the server
            </span>
          </p>
        </form>
        {verification === undefined ? null : (
          <div class={`notice ${verification.ok ? 'ok' : 'error'}`} id="verification" role="status">
            <strong>{verification.ok ? 'Ledger verified.' : 'Ledger verification FAILED.'}</strong>
            <ul class="check">
              <Check ok={verification.signatureValid}>
                {`Tree head of ${verification.head.tree_size} leaves signed by the server key`}
              </Check>
              <Check
                ok={
                  verification.leafMismatches === 0 &&
                  verification.leavesChecked === verification.head.tree_size
                }
              >
                {verification.leafMismatches === 0
                  ? `${verification.leavesChecked} of ${verification.head.tree_size} leaves re-hashed from their stored data`
                  : `${verification.leafMismatches} leaves do not match their data (first at index ${verification.firstMismatch ?? '?'})`}
              </Check>
              <Check ok={verification.rootMatches}>
                {verification.rootMatches
                  ? `Recomputed root equals the signed root ${verification.recomputedRoot}`
                  : `Recomputed root ${verification.recomputedRoot} differs from the signed root ${verification.head.root_hash}`}
              </Check>
            </ul>
          </div>
        )}
      </section>
      <section class="card">
        <h2>Latest leaves</h2>
        <DataTable
          id="leaves"
          headings={['Index', 'Kind', 'Record', 'Leaf hash']}
          rows={props.leaves}
          row={(leaf) => (
            <tr>
              <td>{leaf.leaf_index}</td>
              <td>
                <code>{leaf.kind}</code>
              </td>
              <td>
                <ShortId id={leaf.record_id} />
              </td>
              <td class="mono">
                <ShortId id={leaf.leaf_hash} />
              </td>
            </tr>
          )}
          empty="The tree is empty."
        />
      </section>
    </Layout>
  )
}
