// Defect class 4 of issue #13: `mima verify` did not bind served records to their leaves. Each
// case edits the database directly (as an attacker with database access would) and `mima verify`
// must fail and name the record and the leaf; the server answers a damaged ledger with a report.
import { randomUUID } from 'node:crypto'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BACKENDS, client } from './support/http'
import { runVerify } from './support/verify'

const HASH = 'd'.repeat(64)

describe.each(BACKENDS)('ledger tampering on %s is detected and named', (backend) => {
  let server: TestServer
  /** This test's workspace on the shared server: every tampering below is scoped to it. */
  let target: { baseUrl: string; adminKey: string; workspaceId: string }
  let attestations: Array<{ id: string; leaf: number }>
  let evidence: Array<{ id: string; leaf: number }>

  const sql = (text: string, params: unknown[] = []) => server.server.database.query(text, params)

  // One server per backend; each test gets a fresh workspace, so no test sees another's damage.
  beforeAll(async () => {
    server = await startTestServer({ database: backend })
  })
  afterAll(async () => {
    await server?.close()
  })

  beforeEach(async () => {
    const created = await client(server.baseUrl, server.adminKey).post('/api/workspaces', {
      name: `tamper-${randomUUID()}`,
    })
    expect(created.status, created.text).toBe(201)
    target = { baseUrl: server.baseUrl, adminKey: created.json.admin_key.key, workspaceId: created.json.id }
    const api = client(target.baseUrl, target.adminKey)
    const base = `/api/workspaces/${target.workspaceId}/governance`
    attestations = []
    evidence = []
    for (let index = 0; index < 4; index += 1) {
      const response = await api.post(`${base}/attestations/external`, {
        system_name: 'payments',
        tool_name: `tool-${index}`,
        input_hash: HASH,
        output_hash: HASH,
        idempotency_key: randomUUID(),
      })
      expect(response.status).toBe(201)
      attestations.push({ id: response.json.attestation_id, leaf: response.json.leaf_index })
    }
    for (let index = 0; index < 2; index += 1) {
      const response = await api.post(`${base}/grc/evidence`, {
        record_type: 'change_event',
        system_name: 'payments',
        payload: {
          type: 'deployment',
          by: 'ci',
          description: `v${index}`,
          environment: 'production',
          system: 'payments',
        },
      })
      expect(response.status, response.text).toBe(201)
      evidence.push({ id: response.json.record_id ?? response.json.id, leaf: response.json.leaf_index })
    }
    const clean = await runVerify(target)
    expect(clean.failures).toEqual([])
    expect(clean.exitCode).toBe(0)
  })

  const ws = () => target.workspaceId
  const first = () => attestations[0] as { id: string; leaf: number }

  async function expectNamed(args: readonly string[], ...patterns: RegExp[]): Promise<void> {
    const run = await runVerify(target, args)
    expect(run.exitCode, run.stdout).toBe(1)
    expect(run.verified).toBe(false)
    for (const pattern of patterns) {
      expect(
        run.failures.some((detail) => pattern.test(detail)),
        `${pattern} in ${run.stdout}`,
      ).toBe(true)
    }
  }

  it('names an edited attestation record, in full and with --record', async () => {
    await sql(
      `update attestations set record = json_build_object('system_name','payments','tool_name','evil','input_hash',input_hash,'output_hash',output_hash)
        where workspace_id = $1 and attestation_id = $2`,
      [ws(), first().id],
    )
    const named = new RegExp(`attestation ${first().id} \\(leaf ${first().leaf}\\) was edited`)
    await expectNamed([], named)
    await expectNamed(['--quick', '--record', first().id], named)
  })

  it('names an edited system_name column, in full and with --record', async () => {
    await sql('update attestations set system_name = $3 where workspace_id = $1 and attestation_id = $2', [
      ws(),
      first().id,
      'not-payments',
    ])
    const named = new RegExp(
      `attestation ${first().id} \\(leaf ${first().leaf}\\) was edited: its stored system_name`,
    )
    await expectNamed([], named)
    await expectNamed(['--quick', '--record', first().id], named)
  })

  it('names a deleted attestation even when no record is named', async () => {
    const victim = attestations[2] as { id: string; leaf: number }
    await sql('delete from attestations where workspace_id = $1 and attestation_id = $2', [ws(), victim.id])
    await expectNamed(
      [],
      new RegExp(`leaf ${victim.leaf} commits to attestation ${victim.id}, which is missing`),
    )
  })

  it('names a record whose leaf_index was re-pointed at another record', async () => {
    const other = attestations[3] as { id: string; leaf: number }
    await sql('update attestations set leaf_index = $3 where workspace_id = $1 and attestation_id = $2', [
      ws(),
      first().id,
      other.leaf,
    ])
    const moved = new RegExp(
      `attestation ${first().id} was moved: .*leaf ${other.leaf} is attestation ${other.id}`,
    )
    await expectNamed([], moved)
    // --record follows the record's own leaf_index column (the proof route reads it).
    await expectNamed(['--quick', '--record', first().id], new RegExp(`record ${first().id} was moved`))
  })

  it('names an edited evidence payload', async () => {
    const victim = evidence[0] as { id: string; leaf: number }
    await sql(
      `update grc_evidence set payload = jsonb_set(payload, '{by}', '"mallory"') where workspace_id = $1 and record_id = $2`,
      [ws(), victim.id],
    )
    const named = new RegExp(`evidence ${victim.id} \\(leaf ${victim.leaf}\\) was edited: its stored payload`)
    await expectNamed([], named)
    await expectNamed(['--quick', '--record', victim.id], named)
  })

  it('reports deleted last leaves instead of answering 500', async () => {
    const { rows } = await sql('select tree_size from ledger_heads where workspace_id = $1', [ws()])
    const size = Number((rows[0] as { tree_size: number }).tree_size)
    await sql('delete from ledger_leaves where workspace_id = $1 and leaf_index >= $2', [ws(), size - 2])
    const proof = await client(target.baseUrl, target.adminKey).get(
      `/api/workspaces/${ws()}/ledger/proofs/inclusion?leaf_index=${size - 1}`,
    )
    expect(proof.status, proof.text).toBe(409)
    expect(proof.json.error.details.reason).toBe('ledger_damaged')
    await expectNamed([], new RegExp(`truncated: leaves ${size - 2}–${size - 1}`))
  })

  it('names two swapped leaves and a leaf edited with its hash recomputed', async () => {
    const a = attestations[1] as { id: string; leaf: number }
    const b = attestations[2] as { id: string; leaf: number }
    await sql('update ledger_leaves set leaf_index = -1 where workspace_id = $1 and leaf_index = $2', [
      ws(),
      a.leaf,
    ])
    await sql('update ledger_leaves set leaf_index = $3 where workspace_id = $1 and leaf_index = $2', [
      ws(),
      b.leaf,
      a.leaf,
    ])
    await sql('update ledger_leaves set leaf_index = $2 where workspace_id = $1 and leaf_index = -1', [
      ws(),
      b.leaf,
    ])
    await expectNamed(
      [],
      new RegExp(`attestation ${a.id} was moved: .*leaf ${a.leaf} is attestation ${b.id}`),
      new RegExp(`attestation ${b.id} was moved: .*leaf ${b.leaf} is attestation ${a.id}`),
    )

    // Put them back, then rewrite one leaf's data and recompute its hash.
    await sql('update ledger_leaves set leaf_index = -1 where workspace_id = $1 and leaf_index = $2', [
      ws(),
      a.leaf,
    ])
    await sql('update ledger_leaves set leaf_index = $3 where workspace_id = $1 and leaf_index = $2', [
      ws(),
      b.leaf,
      a.leaf,
    ])
    await sql('update ledger_leaves set leaf_index = $2 where workspace_id = $1 and leaf_index = -1', [
      ws(),
      b.leaf,
    ])
    const victim = attestations[3] as { id: string; leaf: number }
    await sql(
      `update ledger_leaves
          set leaf_data = replace(leaf_data, '"record_hash":"', '"record_hash":"00'),
              leaf_hash = sha256(convert_to(chr(0) || replace(leaf_data, '"record_hash":"', '"record_hash":"00'), 'UTF8'))
        where workspace_id = $1 and leaf_index = $2`,
      [ws(), victim.leaf],
    ).catch(async () => {
      // chr(0) is not text in PostgreSQL: hash the bytes instead.
      await sql(
        `update ledger_leaves
            set leaf_data = replace(leaf_data, '"record_hash":"', '"record_hash":"00'),
                leaf_hash = sha256('\\x00'::bytea || convert_to(replace(leaf_data, '"record_hash":"', '"record_hash":"00'), 'UTF8'))
          where workspace_id = $1 and leaf_index = $2`,
        [ws(), victim.leaf],
      )
    })
    await expectNamed([], new RegExp(`attestation ${victim.id} \\(leaf ${victim.leaf}\\) was edited`))
  })
})
