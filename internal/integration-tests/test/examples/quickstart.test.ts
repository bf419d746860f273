import { execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { createFakeLlmServer, type FakeLlmServer } from '@mima-internal/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..')
const EXAMPLE_BIN = join(repositoryRoot, 'examples', 'quickstart', 'dist', 'quickstart.js')
const CLI_BIN = join(repositoryRoot, 'packages', 'cli', 'dist', 'bin.js')

/** Builds the example and the packages it uses (turbo, cached): it runs its built output, as after `pnpm build`. */
function buildExample(): void {
  execFileSync(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      '--filter=@mima-example/quickstart...',
      '--filter=@mima/cli',
      '--output-logs=errors-only',
    ],
    { cwd: repositoryRoot, stdio: 'inherit' },
  )
  for (const bin of [EXAMPLE_BIN, CLI_BIN])
    if (!existsSync(bin)) throw new Error(`${bin} is missing after the build`)
}

interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** `pnpm --filter @mima-example/quickstart start -- <args>` from the repository root, as a user runs it. */
function runQuickstart(env: Record<string, string>, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      'pnpm',
      ['--silent', '--filter', '@mima-example/quickstart', 'start', ...args],
      // A clean environment: only what a user's shell would give plus the documented variables.
      { cwd: repositoryRoot, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('examples/quickstart run as a user would', () => {
  let server: TestServer
  let llm: FakeLlmServer
  let home: string
  let approverKey: string
  let run: RunResult

  const api = (path: string): string => `${server.baseUrl}/api/workspaces/${server.workspaceId}${path}`
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(api(path), { headers: { authorization: `Bearer ${server.adminKey}` } })
    expect(response.status).toBe(200)
    return (await response.json()) as T
  }

  beforeAll(async () => {
    buildExample()
    server = await startTestServer()
    llm = await createFakeLlmServer({ reply: '72' })
    approverKey = await server.createKey('approver', 'bob')
    home = await mkdtemp(join(tmpdir(), 'mima-quickstart-'))
    run = await runQuickstart(
      {
        HOME: home, // the guard log, the outbox and ~/.mima/config.json stay in a temporary directory
        MIMA_BASE_URL: server.baseUrl,
        MIMA_API_KEY: server.adminKey,
        MIMA_WORKSPACE_ID: server.workspaceId,
        OPENAI_BASE_URL: llm.openaiBaseUrl,
        OPENAI_API_KEY: 'sk-fake',
      },
      ['--auto-approve-with', approverKey],
    )
  }, 240_000)

  afterAll(async () => {
    await llm?.close()
    await server?.close()
    if (home !== undefined) await rm(home, { recursive: true, force: true })
  })

  it('without OPENAI_API_KEY ends with a one-line hint (exit 2), not an OpenAIError stack', async () => {
    const noKey = await runQuickstart(
      {
        HOME: home,
        MIMA_BASE_URL: server.baseUrl,
        MIMA_API_KEY: server.adminKey,
        MIMA_WORKSPACE_ID: server.workspaceId,
      },
      [],
    )
    expect(noKey.code).toBe(2)
    expect(noKey.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Set OPENAI_API_KEY .*`pnpm demo`/),
    ])
  })

  it('exits 0 and prints every step and a passing summary', () => {
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0)
    expect(run.stdout).toContain('✓ attested call "score" answered: "72"')
    expect(run.stdout).toMatch(/… approval \S+ is waiting for a decision/)
    expect(run.stdout).toContain('auto-approved with the second key')
    expect(run.stdout).toContain('✓ approval')
    expect(run.stdout).toMatch(/signed tree head {3}size \d+, root [0-9a-f]{16}…: signature valid/)
    expect(run.stdout).toContain('inclusion proofs   score verified, refund verified')
    expect(run.stdout).toContain('guard              1 attested, 1 unattested call(s) flagged')
    expect(run.stdout).toContain('All checks passed.')
  })

  it('the guard flagged exactly the one unattested call (warn mode: a MimaGuardWarning on stderr)', async () => {
    const warnings = run.stderr.split('\n').filter((line) => line.includes('MimaGuardWarning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /Unattested AI call: openai\.chat\.completions\.create at dist\/quickstart\.js:\d+:\d+\./,
    )
    // Both calls reached the OpenAI-compatible endpoint: warn mode never breaks a call.
    expect(llm.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(2)
    // The guard also recorded it in ~/.mima/guard_log.jsonl (no tracer, no daemon).
    const log = (await readFile(join(home, '.mima', 'guard_log.jsonl'), 'utf8')).trim().split('\n')
    const events = log.map((line) => JSON.parse(line) as { attested: boolean; call: string; action: string })
    expect(events.filter((event) => !event.attested)).toEqual([
      expect.objectContaining({ attested: false, call: 'openai.chat.completions.create', action: 'warned' }),
    ])
  })

  it('stored two verified attestations on the server, the refund linked to the decided approval', async () => {
    type Attestation = { attestation_id: string; trust_tier: string; tool_name: string; model_id?: string }
    const { attestations } = await get<{ attestations: Attestation[] }>(
      '/governance/attestations?system_name=loan-scorer',
    )
    expect(attestations.map((a) => a.tool_name).sort()).toEqual(['refund', 'score'])
    for (const attestation of attestations) expect(attestation.trust_tier).toBe('verified')
    const refund = attestations.find((a) => a.tool_name === 'refund') as Attestation
    expect(attestations.find((a) => a.tool_name === 'score')?.model_id).toBe('gpt-4o-mini')

    const { approvals } = await get<{ approvals: Array<Record<string, unknown>> }>(
      '/governance/approvals?status=all',
    )
    expect(approvals).toHaveLength(1)
    const approval = approvals[0] as Record<string, unknown>
    expect(approval).toMatchObject({ status: 'approved', action_type: 'refund', decided_by: 'bob' })
    expect(approval.consumed_at).not.toBeNull()
    expect(run.stdout).toContain(`approval ${String(approval.approval_id)} approved by bob`)
    const { rows } = await server.server.database.query<{ consumed_by: string | null }>(
      'select consumed_by from approvals where workspace_id = $1 and approval_id = $2',
      [server.workspaceId, approval.approval_id],
    )
    expect(rows[0]?.consumed_by).toBe(refund.attestation_id)
  })

  it('stored the change_event evidence', async () => {
    const { records } = await get<{ records: Array<Record<string, unknown>> }>(
      '/governance/grc/evidence?record_type=change_event',
    )
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ record_type: 'change_event', system_name: 'loan-scorer' })
    expect(records[0]?.mapped_controls).toEqual(expect.arrayContaining(['soc2_type2:CC8.1']))
    expect(run.stdout).toContain(`✓ change_event ${String(records[0]?.record_id)} → `)
  })
})

describe('examples/quickstart waiting for a person', () => {
  let server: TestServer
  let llm: FakeLlmServer
  let home: string

  beforeAll(async () => {
    buildExample()
    server = await startTestServer()
    llm = await createFakeLlmServer()
    home = await mkdtemp(join(tmpdir(), 'mima-quickstart-'))
  }, 240_000)

  afterAll(async () => {
    await llm?.close()
    await server?.close()
    if (home !== undefined) await rm(home, { recursive: true, force: true })
  })

  it('prints the approval id, waits, and goes on once an approver decides with `mima approvals decide`', async () => {
    const approverKey = await server.createKey('approver', 'carol')
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      MIMA_BASE_URL: server.baseUrl,
      MIMA_API_KEY: server.adminKey,
      MIMA_WORKSPACE_ID: server.workspaceId,
      OPENAI_BASE_URL: llm.openaiBaseUrl,
      OPENAI_API_KEY: 'sk-fake',
    }
    const child = spawn('pnpm', ['--silent', '--filter', '@mima-example/quickstart', 'start'], {
      cwd: repositoryRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const approvalId = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        const match = /approve it with: {2}pnpm mima approvals decide (\S+) approve/.exec(stdout)
        if (match?.[1] !== undefined) resolve(match[1])
      })
      void exited.then((code) =>
        reject(new Error(`quickstart exited (${code}) before waiting:\n${stdout}\n${stderr}`)),
      )
    })
    // Nothing ran past the gate yet: no refund attestation while the request is pending.
    const pending = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/approvals/${approvalId}`,
      { headers: { authorization: `Bearer ${server.adminKey}` } },
    )
    expect(((await pending.json()) as { status: string }).status).toBe('pending')

    // What the README tells the person to run (the CLI, with the approver's key). Asynchronously:
    // the server runs in this process.
    const decided = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [CLI_BIN, 'approvals', 'decide', approvalId, 'approve'],
        { env: { ...env, MIMA_API_KEY: approverKey }, encoding: 'utf8' },
        (error, out, err) =>
          error === null ? resolve(out) : reject(new Error(`${error.message}\n${out}${err}`)),
      ),
    )
    expect(decided).toMatch(/Approved\b[\s\S]*decided by: +carol/)
    const code = await exited
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0)
    expect(stdout).toContain(`✓ approval ${approvalId} approved by carol`)
    expect(stdout).toContain('All checks passed.')
  }, 120_000)
})
