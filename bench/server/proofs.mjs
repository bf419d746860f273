// bench/server's proof figures: inclusion proofs and full ledger verification on a tree of
// `leaves` leaves, filled in SQL (leaf hashes and complete-subtree nodes) rather than ingested.
import { createHash } from 'node:crypto'
import { bytesToHex, rootFromLeafHashes, verifyInclusionProof, verifySignedTreeHead } from '@mima/core'
import { fmt, json } from './support.mjs'

async function fillTree(database, workspaceId, size) {
  await database.query('delete from ledger_leaves where workspace_id = $1', [workspaceId])
  await database.query('delete from ledger_nodes where workspace_id = $1', [workspaceId])
  const chunk = 250_000
  for (let start = 0; start < size; start += chunk) {
    await database.query(
      `insert into ledger_leaves (workspace_id, leaf_index, leaf_hash, kind, record_id, leaf_data)
       select $1, i, sha256('\\x00'::bytea || convert_to('bench-' || i, 'UTF8')), 'bench', 'bench-' || i, 'bench-' || i
       from generate_series($2::bigint, $3::bigint) as i`,
      [workspaceId, start, Math.min(size, start + chunk) - 1],
    )
  }
  for (let level = 1; 2 ** level <= size; level += 1) {
    const source =
      level === 1
        ? `(select leaf_index as node_index, leaf_hash as hash from ledger_leaves where workspace_id = $1)`
        : `(select node_index, hash from ledger_nodes where workspace_id = $1 and level = ${level - 1})`
    await database.query(
      `insert into ledger_nodes (workspace_id, level, node_index, hash)
       select $1, ${level}, l.node_index / 2, sha256('\\x01'::bytea || l.hash || r.hash)
       from ${source} l join ${source} r on r.node_index = l.node_index + 1
       where l.node_index % 2 = 0`,
      [workspaceId],
    )
  }
  // The head: the frontier of complete subtrees (largest first) and the root folded from the right.
  const frontier = []
  let start = 0
  for (let level = 52; level >= 0; level -= 1) {
    if (start + 2 ** level <= size) {
      frontier.push({ level, index: start / 2 ** level })
      start += 2 ** level
    }
  }
  const hashes = []
  for (const { level, index } of frontier) {
    const { rows } =
      level === 0
        ? await database.query(
            'select leaf_hash as hash from ledger_leaves where workspace_id = $1 and leaf_index = $2',
            [workspaceId, index],
          )
        : await database.query(
            'select hash from ledger_nodes where workspace_id = $1 and level = $2 and node_index = $3',
            [workspaceId, level, index],
          )
    hashes.push(Buffer.from(rows[0].hash))
  }
  let root = hashes[hashes.length - 1]
  for (let index = hashes.length - 2; index >= 0; index -= 1) {
    root = createHash('sha256')
      .update(Buffer.from([1]))
      .update(hashes[index])
      .update(root)
      .digest()
  }
  await database.query(
    `update ledger_heads set tree_size = $2, frontier = decode($3, 'hex'), root_hash = decode($4, 'hex') where workspace_id = $1`,
    [workspaceId, size, Buffer.concat(hashes).toString('hex'), root.toString('hex')],
  )
}

export async function benchProofsAndVerification(run, label, leaves) {
  const { server, adminKey } = run
  const created = await json(`${server.url}/api/workspaces`, {
    body: JSON.stringify({ name: 'proof bench' }),
    headers: { authorization: `Bearer ${adminKey}` },
  })
  const workspaceId = created.id
  const headers = { authorization: `Bearer ${created.admin_key.key}` }
  const fillStarted = performance.now()
  await fillTree(server.database, workspaceId, leaves)
  console.log(
    `  (${label}: filled a ${fmt(leaves)}-leaf tree in ${fmt((performance.now() - fillStarted) / 1000, 1)} s)`,
  )
  const ledger = `${server.url}/api/workspaces/${workspaceId}/ledger`
  const head = await json(`${ledger}/tree-head`, { method: 'GET', headers })
  if (!(await verifySignedTreeHead(head, server.ledger.publicKey)))
    throw new Error('tree head does not verify')

  // Inclusion proofs for random leaves: the ledger call itself, and the HTTP round trip.
  const indexes = Array.from({ length: 300 }, () => Math.floor(Math.random() * leaves))
  for (const index of indexes.slice(0, 30))
    await server.ledger.inclusionProof(server.database, workspaceId, index)
  const direct = []
  for (const index of indexes) {
    const started = performance.now()
    const proof = await server.ledger.inclusionProof(server.database, workspaceId, index)
    direct.push(performance.now() - started)
    if (
      !verifyInclusionProof({
        leafHash: proof.leaf_hash,
        leafIndex: index,
        treeSize: head.tree_size,
        proof: proof.inclusion_path,
        rootHash: head.root_hash,
      })
    ) {
      throw new Error(`proof for leaf ${index} does not verify`)
    }
  }
  const overHttp = []
  for (const index of indexes) {
    const started = performance.now()
    await json(`${ledger}/proofs/inclusion?leaf_index=${index}`, { method: 'GET', headers })
    overHttp.push(performance.now() - started)
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

  // Full verification: every leaf hash fetched in compact pages of 100,000 (GET …/ledger/leaf-hashes),
  // root recomputed with @mima/core's streaming rootFromLeafHashes and compared with the signed head.
  const verifyStarted = performance.now()
  const collected = []
  async function* pages() {
    for (let from = 0; from !== null; ) {
      const page = await json(`${ledger}/leaf-hashes?from=${from}&limit=100000`, { method: 'GET', headers })
      const bytes = Buffer.from(page.leaf_hashes, 'hex')
      for (let index = 0; index < page.count; index += 1) {
        const hash = bytes.subarray(index * 32, index * 32 + 32)
        collected.push(hash)
        yield hash
      }
      from = page.next_from
    }
  }
  const result = await rootFromLeafHashes(pages())
  const endToEndRate = result.treeSize / ((performance.now() - verifyStarted) / 1000)
  if (bytesToHex(result.rootHash) !== head.root_hash)
    throw new Error('recomputed root differs from the signed head')
  const computeStarted = performance.now()
  const again = await rootFromLeafHashes(collected)
  const computeRate = again.treeSize / ((performance.now() - computeStarted) / 1000)
  return { proofDirect: median(direct), proofHttp: median(overHttp), endToEndRate, computeRate }
}
