import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BACKENDS,
  type Receiver,
  startReceiver,
  startTestServer,
  type TestServer,
} from '../webhooks/webhook-fixture'

const POLICY = `version: 1
defaults:
  ingress: { action: redact }
  egress: { action: pass_through }
tool_access:
  payments.refund: { direction: ingress, action: confirm }
  weather.current: { action: redact, allow_pii: { "PII:email": pass_through } }
deny_tools: [shell.exec]
`

describe.each(BACKENDS)('central policies and server precheck (%s)', (backend) => {
  let server: TestServer
  let receiver: Receiver
  let ingestKey: string
  let ws: string

  beforeAll(async () => {
    server = await startTestServer(backend)
    receiver = await startReceiver()
    ingestKey = await server.createKey('ingest')
    ws = `/workspaces/${server.workspaceId}`
    const created = await server.api(server.adminKey, 'POST', `${ws}/governance/webhooks`, {
      url: receiver.url,
      events: ['policy.check.failed'],
      secret: 'whsec_policy_test_secret_0123456789',
    })
    expect(created.status).toBe(201)
  }, 180_000)

  afterAll(async () => {
    await receiver?.close()
    await server?.close()
  })

  it('stores versions: a new number per change, the same version for the same content', async () => {
    const first = await server.api(server.adminKey, 'POST', `${ws}/policies/support/versions`, {
      source: POLICY,
    })
    expect(first.status).toBe(201)
    expect(first.json).toMatchObject({
      name: 'support',
      version: 1,
      created: true,
      created_by: expect.any(String),
    })
    const again = await server.api(server.adminKey, 'POST', `${ws}/policies/support/versions`, {
      source: POLICY,
    })
    expect(again.status).toBe(200)
    expect(again.json).toMatchObject({ version: 1, created: false })
    const changed = await server.api(server.adminKey, 'POST', `${ws}/policies/support/versions`, {
      source: POLICY.replace('[shell.exec]', '[shell.exec, bash.exec]'),
    })
    expect(changed.json).toMatchObject({ version: 2, created: true })

    const list = await server.api(ingestKey, 'GET', `${ws}/policies`)
    expect(list.json.policies).toEqual([
      expect.objectContaining({ name: 'support', latest_version: 2, versions: 2 }),
    ])
    const versions = await server.api(ingestKey, 'GET', `${ws}/policies/support/versions`)
    expect(versions.json.versions.map((version: { version: number }) => version.version)).toEqual([2, 1])
    const show = await server.api(ingestKey, 'GET', `${ws}/policies/support?version=1`)
    expect(show.json).toMatchObject({ version: 1, source: POLICY, document: { name: 'support', version: 1 } })
    expect(show.json.document.deny_tools).toEqual(['shell.exec'])
  })

  it('serves the newest version with an ETag, and 304 when the client has it', async () => {
    const latest = await server.api(ingestKey, 'GET', `${ws}/policies/support`)
    const etag = latest.headers.get('etag') as string
    expect(latest.json.version).toBe(2)
    const response = await fetch(`${server.url}/api${ws}/policies/support`, {
      headers: { authorization: `Bearer ${ingestKey}`, 'if-none-match': etag },
    })
    expect(response.status).toBe(304)
  })

  it('refuses a bad policy with its line and field, and stores nothing', async () => {
    const bad = await server.api(server.adminKey, 'POST', `${ws}/policies/broken/versions`, {
      source: 'version: 1\ntool_access:\n  x: { action: explode }\n',
      file: 'broken.yaml',
    })
    expect(bad.status).toBe(422)
    expect(bad.json.error.code).toBe('policy_invalid')
    expect(bad.json.error.details.issues).toEqual([
      expect.objectContaining({ field: 'tool_access.x.action', line: 3 }),
    ])
    expect(bad.json.error.message).toContain('broken.yaml:3:')
    expect((await server.api(ingestKey, 'GET', `${ws}/policies/broken`)).status).toBe(404)
    expect(
      (await server.api(ingestKey, 'POST', `${ws}/policies/support/versions`, { source: POLICY })).status,
    ).toBe(403)
    // "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded.
    const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
      .concat(
        [...'bcdefghi'].map(
          (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`,
        ),
      )
      .join('\n')
    const bomb = await server.api(server.adminKey, 'POST', `${ws}/policies/laughs/versions`, {
      source: `version: 1\n${laughs}\n`,
    })
    expect(bomb.status).toBe(422)
    expect(bomb.json.error.details.issues).toEqual([
      expect.objectContaining({ field: '(syntax)', message: expect.stringMatching(/cannot be expanded/) }),
    ])
    expect((await server.api(ingestKey, 'GET', `${ws}/policies/laughs`)).status).toBe(404)
    const nul = await server.api(server.adminKey, 'POST', `${ws}/policies/nul/versions`, {
      policy: { name: 'a\u0000b' },
    })
    expect(nul.status).toBe(422)
    const badName = await server.api(
      server.adminKey,
      'POST',
      `${ws}/policies/${encodeURIComponent('../x')}/versions`,
      {
        source: POLICY,
      },
    )
    expect(badName.status).toBe(422)
    expect((await server.api(server.adminKey, 'POST', `${ws}/policies/support/versions`, '[1]')).status).toBe(
      400,
    )
  })

  it('prechecks on the server with the GovernsAI request shape, and records the decision without text', async () => {
    const redact = await server.api(ingestKey, 'POST', `${ws}/policy/precheck`, {
      policy: 'support',
      tool: 'model.chat',
      raw_text: 'mail ana@example.com please',
      corr_id: 'req-1',
    })
    expect(redact.status).toBe(200)
    expect(redact.json).toMatchObject({
      decision: 'redact',
      redacted: 'mail <EMAIL_1> please',
      raw_text_out: 'mail <EMAIL_1> please',
      policy_id: 'support',
      policy_version: '2',
      rule_id: 'defaults.ingress',
      detector_kinds: ['email'],
      reasons: ['pii.redacted:email'],
    })
    expect(redact.json.text_commitment).toMatch(/^hmac-sha256:[0-9a-f]{64}$/)
    // The decision and the policy version in force are ledger leaves, with inclusion proofs.
    for (const recordId of [redact.json.decision_id, 'policy:support@2']) {
      const proof = await server.api(
        ingestKey,
        'GET',
        `${ws}/ledger/proofs/inclusion?record_id=${encodeURIComponent(recordId)}`,
      )
      expect(proof.status, recordId).toBe(200)
      expect(proof.json.leaf_index).toEqual(expect.any(Number))
    }
    const post = await server.api(ingestKey, 'POST', `${ws}/policy/postcheck`, {
      policy: 'support',
      text: 'ana@example.com',
    })
    expect(post.json).toMatchObject({ decision: 'allow', direction: 'egress', redacted: null })
    const builtIn = await server.api(ingestKey, 'POST', `${ws}/policy/precheck`, {
      raw_text: 'ana@example.com',
    })
    expect(builtIn.json).toMatchObject({ decision: 'redact', policy_id: 'default' })
    const decisions = await server.api(ingestKey, 'GET', `${ws}/policy/decisions?policy=support`)
    expect(decisions.json.decisions[1]).toMatchObject({
      decision: 'redact',
      correlation_id: 'req-1',
      source: 'server',
    })
    expect(JSON.stringify(decisions.json)).not.toContain('ana@example.com')
    expect(
      (await server.api(ingestKey, 'POST', `${ws}/policy/precheck`, { policy: 'nope', raw_text: 'x' }))
        .status,
    ).toBe(404)
    expect((await server.api(ingestKey, 'POST', `${ws}/policy/precheck`, { raw_text: 42 })).status).toBe(422)
    expect(
      (await server.api(ingestKey, 'POST', `${ws}/policy/precheck`, { raw_text: 'a\u0000b' })).status,
    ).toBe(422)
  })

  it('a deny raises policy.check.failed to subscribed webhooks', async () => {
    const before = receiver.requests.length
    const denied = await server.api(ingestKey, 'POST', `${ws}/policy/precheck`, {
      policy: 'support',
      tool: 'shell.exec',
    })
    expect(denied.json).toMatchObject({
      decision: 'deny',
      reasons: ['tool.denied:shell.exec'],
      rule_id: 'deny_tools',
    })
    // Earlier denials may still be arriving: wait for the delivery that names this decision.
    let request: Awaited<ReturnType<Receiver['waitFor']>>[number] | undefined
    for (let count = before + 1; request === undefined; count += 1) {
      request = (await receiver.waitFor(count)).find((received) =>
        received.body.includes(denied.json.decision_id),
      )
    }
    expect(request.headers['x-mima-event']).toBe('policy.check.failed')
    const body = JSON.parse(request?.body ?? '{}')
    expect(JSON.stringify(body)).toContain(denied.json.decision_id)
    expect(JSON.stringify(body)).toContain('tool.denied:shell.exec')
  })

  it('a confirm opens an approval and answers its dashboard link', async () => {
    const confirm = await server.api(ingestKey, 'POST', `${ws}/policy/precheck`, {
      policy: 'support',
      tool: 'payments.refund',
      raw_text: 'refund order 7',
    })
    expect(confirm.json).toMatchObject({ decision: 'confirm', requires_confirmation: true })
    const approvalId = confirm.json.confirmation.approval_id as string
    expect(confirm.json.confirmation_url).toBe(`${server.url}/dashboard/approvals#approval-${approvalId}`)
    const approval = await server.api(ingestKey, 'GET', `${ws}/governance/approvals/${approvalId}`)
    expect(approval.json).toMatchObject({ status: 'pending', action_type: 'payments.refund' })
  })

  it('takes decision records from clients, refusing any that carries text', async () => {
    const record = {
      decision_id: 'client-1',
      decided_at: new Date().toISOString(),
      policy_id: 'support',
      policy_version: '2',
      rule_id: 'deny_tools',
      decision: 'deny',
      direction: 'ingress',
      reasons: ['tool.denied:bash.exec'],
      detector_kinds: [],
      findings: 0,
      tool: 'bash.exec',
    }
    const accepted = await server.api(ingestKey, 'POST', `${ws}/policy/decisions`, { decisions: [record] })
    expect(accepted.status).toBe(201)
    expect(accepted.json).toEqual({ accepted: 1, inserted: 1 })
    const retry = await server.api(ingestKey, 'POST', `${ws}/policy/decisions`, { decisions: [record] })
    expect(retry.json).toEqual({ accepted: 1, inserted: 0 })
    const withText = await server.api(ingestKey, 'POST', `${ws}/policy/decisions`, {
      decisions: [{ ...record, decision_id: 'client-2', text: 'ana@example.com' }],
    })
    expect(withText.status).toBe(422)
    expect(withText.json.error.details.field).toBe('decisions[0].text')
    const badDecision = await server.api(ingestKey, 'POST', `${ws}/policy/decisions`, {
      decisions: [{ ...record, decision_id: 'client-3', decision: 'maybe' }],
    })
    expect(badDecision.status).toBe(422)
  })

  it('keeps agent scopes and the tool registry for the dashboard', async () => {
    const agent = await server.api(ingestKey, 'PUT', `${ws}/policy/agents/billing-agent`, {
      allowed_tools: ['read_invoice'],
      allowed_apis: ['GET https://api.stripe.com/v1/*'],
      hidden_tools: ['delete_user'],
    })
    expect(agent.status).toBe(200)
    const badApi = await server.api(ingestKey, 'PUT', `${ws}/policy/agents/billing-agent`, {
      allowed_apis: ['stripe.com'],
    })
    expect(badApi.status).toBe(422)
    const agents = await server.api(ingestKey, 'GET', `${ws}/policy/agents`)
    expect(agents.json.agents).toEqual([
      expect.objectContaining({ agent: 'billing-agent', hidden_tools: ['delete_user'] }),
    ])
    const tool = await server.api(ingestKey, 'PUT', `${ws}/policy/tools/payments.refund`, {
      risk_level: 'high',
      requires_approval: true,
      description: 'Refunds a payment',
    })
    expect(tool.json).toMatchObject({ name: 'payments.refund', risk_level: 'high', requires_approval: true })
    expect(
      (await server.api(ingestKey, 'PUT', `${ws}/policy/tools/x`, { risk_level: 'extreme' })).status,
    ).toBe(422)
    const listed = await server.api(ingestKey, 'GET', `${ws}/policy/tools?requires_approval=true`)
    expect(listed.json.tools.map((row: { name: string }) => row.name)).toEqual(['payments.refund'])
  })
})

describe('the dashboard page per policy', () => {
  let server: TestServer

  beforeAll(async () => {
    server = await startTestServer('pglite')
  }, 180_000)
  afterAll(() => server?.close())

  it('lists policies and shows one with its versions and recent decisions, escaping what clients sent', async () => {
    const ws = `/workspaces/${server.workspaceId}`
    await server.api(server.adminKey, 'POST', `${ws}/policies/support/versions`, { source: POLICY })
    await server.api(server.adminKey, 'POST', `${ws}/policies/support/versions`, {
      source: POLICY.replace('[shell.exec]', '[shell.exec, "<script>alert(1)</script>"]'),
    })
    await server.api(server.adminKey, 'POST', `${ws}/policy/precheck`, {
      policy: 'support',
      tool: 'shell.exec',
      raw_text: 'ana@example.com',
    })
    const login = await fetch(`${server.url}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: server.adminKey }),
    })
    const cookie = /mima_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] as string
    const get = (path: string) => fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' })
    const agentKey = await server.createKey('ingest')
    await server.api(agentKey, 'PUT', `${ws}/policy/agents/billing-agent`, {
      allowed_tools: ['read_invoice'],
      hidden_tools: ['delete_user'],
    })
    await server.api(agentKey, 'PUT', `${ws}/policy/tools/payments.refund`, {
      risk_level: 'high',
      requires_approval: true,
    })
    const list = await get('/dashboard/policies')
    expect(list.status).toBe(200)
    const listHtml = await list.text()
    expect(listHtml).toContain('href="/dashboard/policies/support"')
    expect(listHtml).toContain('aria-current="page"')
    expect(listHtml).toContain('data-agent="billing-agent"')
    expect(listHtml).toContain('delete_user')
    expect(listHtml).toContain('data-tool="payments.refund"')
    const page = await get('/dashboard/policies/support')
    const html = await page.text()
    expect(html).toContain('Version 2')
    expect(html).toContain('data-version="1"')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toMatch(/data-decision-id="[^"]+"/)
    expect(html).toContain('tool.denied:shell.exec')
    expect(html).not.toContain('ana@example.com')
    const first = await (await get('/dashboard/policies/support?version=1')).text()
    expect(first).toContain('Version 1')
    expect((await get('/dashboard/policies/nope')).status).toBe(404)
    expect((await fetch(`${server.url}/dashboard/policies`, { redirect: 'manual' })).status).toBe(303)
  })
})
