#!/usr/bin/env node
// `pnpm demo`: the whole product on this machine, offline, with no OPENAI_API_KEY. Starts the
// server (a fresh embedded database), a built-in fake OpenAI-compatible model endpoint, runs
// examples/quickstart against them, and seeds a realistic workspace (systems, attestations,
// evidence, approvals with one waiting, a gate, an unattested call, readiness that moves), so the
// dashboard has something to show on first open. Ctrl-C stops it; --once seeds and exits.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const root = join(import.meta.dirname, '..')
const USAGE = 'Usage: pnpm demo [--port N] [--data-dir DIR] [--once]'

let flags
try {
  flags = parseArgs({
    args: process.argv.slice(2).filter((argument) => argument !== '--'),
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      once: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
} catch (error) {
  console.error(`demo: ${error.message}\n${USAGE}`)
  process.exit(2)
}
if (flags.help) {
  console.log(USAGE)
  process.exit(0)
}
const port = Number(flags.port ?? 8080)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo: --port must be a port number, got ${flags.port}\n${USAGE}`)
  process.exit(2)
}

const built = (path) => {
  const file = join(root, path)
  if (!existsSync(file)) {
    console.error(`demo: ${path} is missing: run \`pnpm demo\` (it builds first) or \`pnpm build\`.`)
    process.exit(2)
  }
  return file
}
const server = await import(built('packages/server/dist/index.js'))
const quickstart = built('examples/quickstart/dist/quickstart.js')

// A scratch directory for this run: the database (unless --data-dir), and the quickstart's HOME
// (its guard log and outbox), so the demo never touches the user's ~/.mima.
const scratch = mkdtempSync(join(tmpdir(), 'mima-demo-'))
const dataDir = flags['data-dir'] ?? join(scratch, 'data')

const model = await startFakeModel()
let running
try {
  running = await server.startServer({
    port,
    host: '127.0.0.1',
    dataDir,
    logger: server.createServerLogger({ level: 'warn' }),
    onBootstrap: () => {},
  })
} catch (error) {
  model.close()
  rmSync(scratch, { recursive: true, force: true })
  console.error(`demo: ${error.message}`)
  process.exit(error.code === 'address_in_use' || error.code === 'data_dir_locked' ? 2 : 1)
}

async function stop(code) {
  await running.close().catch(() => {})
  model.close()
  rmSync(scratch, { recursive: true, force: true })
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))

try {
  await runDemo()
} catch (error) {
  console.error(`demo: ${error.message}`)
  await stop(1)
}
if (flags.once) await stop(0)

async function runDemo() {
  const url = running.url
  const adminKey = running.bootstrap?.adminKey
  if (adminKey === undefined) {
    throw new Error(`${dataDir} already holds a workspace: give the demo a fresh --data-dir (or none).`)
  }
  const workspaceId = running.bootstrap.workspaceId
  const api = (path, init = {}, key = adminKey) =>
    fetch(`${url}/api/workspaces/${workspaceId}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    }).then(async (response) => {
      const body = await response.json().catch(() => ({}))
      if (!response.ok)
        throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`)
      return body
    })
  const createKey = async (name, role) =>
    (await api('/keys', { method: 'POST', body: JSON.stringify({ name, role }) })).key
  const agentKey = await createKey('loan-scorer-agent', 'ingest')
  const approverKey = await createKey('bob@example.com', 'approver')
  const readinessBefore = await api('/governance/grc/readiness')

  console.log(`demo: server on ${url}, fake model on ${model.url} (offline, no OPENAI_API_KEY)`)
  console.log('demo: running examples/quickstart …\n')
  await runQuickstart({ url, workspaceId, agentKey, approverKey })

  console.log('\ndemo: seeding a realistic workspace …')
  const seeded = await seedWorkspace({ url, workspaceId, agentKey, approverKey, api })
  const readinessAfter = await api('/governance/grc/readiness')

  const names = {
    eu_ai_act: 'EU AI Act',
    iso_42001: 'ISO 42001',
    iso_27001: 'ISO 27001',
    soc2_type2: 'SOC 2',
    nist_airf: 'NIST AI RMF',
  }
  const movement = readinessAfter.frameworks.map((after) => {
    const before = readinessBefore.frameworks.find((framework) => framework.framework === after.framework)
    return `${names[after.framework] ?? after.framework} ${before?.score_pct ?? 0}% → ${after.score_pct}%`
  })
  const lines = [
    'Mima demo: ready (offline; no OPENAI_API_KEY needed).',
    '',
    `  dashboard     ${url}/dashboard`,
    `  admin key     ${adminKey}`,
    `  workspace id  ${workspaceId}`,
    '',
    `  seeded        ${seeded.systems} systems, ${seeded.attestations} attestations, ${seeded.evidence} evidence records,`,
    `                ${seeded.approvals} approvals (1 waiting for you), 1 gate, ${seeded.unattested} unattested call(s)`,
    `  readiness     ${movement.slice(0, 3).join(', ')}`,
    `                ${movement.slice(3).join(', ')}`,
    '',
    'Sign in with the admin key; the waiting approval is under Approvals.',
    `CLI: pnpm mima login --url ${url} --api-key <admin key>`,
    flags.once ? 'Stopping (--once).' : 'Ctrl-C stops the demo and deletes its data.',
  ]
  const width = Math.max(...lines.map((line) => line.length))
  console.log(`\n┌${'─'.repeat(width + 2)}┐`)
  for (const line of lines) console.log(`│ ${line.padEnd(width)} │`)
  console.log(`└${'─'.repeat(width + 2)}┘`)
}

/** The quickstart exactly as a user runs it, pointed at the fake model, auto-approving with Bob's key. */
function runQuickstart({ url, workspaceId, agentKey, approverKey }) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [quickstart, '--auto-approve-with', approverKey, '--approval-timeout', '120'],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: scratch,
          MIMA_BASE_URL: url,
          MIMA_API_KEY: agentKey,
          MIMA_WORKSPACE_ID: workspaceId,
          OPENAI_BASE_URL: `${model.url}/v1`,
          OPENAI_API_KEY: 'demo-offline-no-key-needed',
        },
      },
    )
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`examples/quickstart exited with code ${code}`)),
    )
  })
}

async function seedWorkspace({ url, workspaceId, agentKey, approverKey, api }) {
  const { createMima } = await import(built('packages/core/dist/index.js'))
  const { createGrc } = await import(built('packages/grc/dist/index.js'))
  const client = (systemName) =>
    createMima({
      baseUrl: url,
      apiKey: agentKey,
      workspaceId,
      systemName,
      authorisedBy: { identity: 'alice@example.com', role: 'ml-engineer' },
      env: {},
      configFile: false,
      flushOnExit: false,
      outbox: { directory: false },
      onError: 'raise',
    })
  const systems = [
    {
      name: 'loan-scorer',
      tier: 'high',
      useCase: 'Scores consumer loan applications',
      domains: ['credit'],
      model: 'gpt-4o',
    },
    {
      name: 'support-assistant',
      tier: 'limited',
      useCase: 'Drafts answers to customer tickets',
      domains: ['customer_service'],
      model: 'gpt-4o-mini',
    },
    {
      name: 'fraud-screener',
      tier: 'high',
      useCase: 'Flags card transactions for review',
      domains: ['fraud'],
      model: 'claude-sonnet',
    },
  ]
  let attestations = 0
  let evidence = 0
  for (const system of systems) {
    const mima = client(system.name)
    const grc = createGrc(mima)
    await grc
      .aiRiskAssessment({
        systemName: system.name,
        riskTier: system.tier,
        useCase: system.useCase,
        intendedPurpose: system.useCase,
        impactDomains: system.domains,
        art5SelfAssessment: true,
        assessor: 'risk@example.com',
        ...(system.tier === 'high'
          ? { annexIiiCategory: 'essential_services', mitigations: ['human review of every decline'] }
          : {}),
      })
      .catch(() =>
        grc.aiRiskAssessment({
          systemName: system.name,
          riskTier: 'limited',
          useCase: system.useCase,
          intendedPurpose: system.useCase,
          impactDomains: system.domains,
          art5SelfAssessment: true,
          assessor: 'risk@example.com',
        }),
      )
    await grc.modelEvaluation({
      modelId: system.model,
      dataset: `${system.name}-golden-2026q4`,
      accuracy: 0.91,
      evaluatedBy: 'qa@example.com',
      biasMetrics: { demographic_parity_gap: 0.03 },
      robustnessScore: 0.88,
      passedThreshold: true,
    })
    await grc.changeEvent({
      type: 'deployment',
      by: 'ci@example.com',
      description: `Deploy ${system.name} v2.3`,
      environment: 'production',
      system: system.name,
    })
    evidence += 3
    const call = mima.attest({ toolName: 'answer', modelId: system.model }, async (input) => ({
      ok: true,
      input,
    }))
    for (let index = 0; index < 4; index++) await call({ request: index })
    attestations += 4
    await mima.close()
  }
  const mima = client('loan-scorer')
  const grc = createGrc(mima)
  await grc.humanOversight({
    decisionId: 'loan-A-1042',
    aiRecommendation: 'decline',
    humanDecision: 'approve',
    reviewer: 'bob@example.com',
    rationale: 'Income verified by phone',
    modelId: 'gpt-4o',
  })
  await grc.incidentReport({
    title: 'Support assistant quoted a retired fee',
    severity: 'medium',
    description: 'An answer cited the 2024 fee table; prompt updated and answers re-checked.',
    affectedSystems: ['support-assistant'],
  })
  await grc.trainingDataGovernance({
    modelId: 'fraud-screener-v3',
    datasetId: 'card-tx-2026h1',
    recordCount: 1_200_000,
    biasChecksPerformed: true,
    approvedBy: 'data-governance@example.com',
    dataSources: ['card processor exports'],
    dataCategories: ['transaction amounts', 'merchant categories'],
  })
  await grc.accessReview({
    user: 'carol@example.com',
    resource: 'loan-scorer prompts',
    granted: true,
    reviewedBy: 'security@example.com',
  })
  await grc.vendorRisk({
    vendor: 'OpenAI',
    tier: 'medium',
    lastReviewed: new Date().toISOString().slice(0, 10),
  })
  evidence += 5
  await mima.close()

  // Approvals: one decided by Bob, one left waiting for whoever opens the dashboard.
  const decided = await api(
    '/governance/approvals',
    {
      method: 'POST',
      body: JSON.stringify({
        action_type: 'limit_increase',
        context: { customer: 'C-981', amount: 5000 },
        description: 'Raise the credit limit of C-981 to 5,000',
        timeout_seconds: 3600,
      }),
    },
    agentKey,
  )
  await api(
    `/governance/approvals/${decided.id ?? decided.approval_id}/decide`,
    {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve', reason: 'Within policy' }),
    },
    approverKey,
  )
  await api(
    '/governance/approvals',
    {
      method: 'POST',
      body: JSON.stringify({
        action_type: 'refund',
        context: { order: 'order-7731', amount: 1250 },
        description: 'Refund 1,250 on order-7731 (above the 1,000 auto-refund limit)',
        timeout_seconds: 7 * 24 * 3600,
      }),
    },
    agentKey,
  )

  // A readiness gate CI would check (`mima gates check`).
  await api('/governance/grc/gates', {
    method: 'PUT',
    body: JSON.stringify({ framework: 'eu_ai_act', mode: 'required', threshold_pct: 60 }),
  })

  // The quickstart's deliberate unattested call reached the server through the guard (it reports
  // there whenever the process has a Mima connection): the dashboard counts it.
  const { unattested_24h: unattested } = await api('/guard/unattested')
  if (unattested < 1)
    throw new Error('the guard did not report the quickstart’s unattested call to the server')
  return {
    systems: systems.length,
    attestations: attestations + 2,
    evidence: evidence + 1,
    approvals: 3,
    unattested,
  }
}

/** A tiny OpenAI-compatible endpoint: every chat completion answers "72". */
function startFakeModel() {
  return new Promise((resolve) => {
    const http = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
          response.writeHead(404, { 'content-type': 'application/json' })
          response.end(
            JSON.stringify({
              error: { message: `The demo model only answers chat completions, not ${request.url}` },
            }),
          )
          return
        }
        let modelName = 'demo-model'
        try {
          modelName = JSON.parse(body).model ?? modelName
        } catch {}
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            id: `chatcmpl-demo-${Date.now()}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: modelName,
            choices: [{ index: 0, message: { role: 'assistant', content: '72' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 42, completion_tokens: 1, total_tokens: 43 },
          }),
        )
      })
    })
    http.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${http.address().port}`, close: () => http.close() })
    })
  })
}
