import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHome, runMimaInProcess } from './run-mima'

let server: TestServer
let admin: Record<string, string>
let agent: Record<string, string>

beforeAll(async () => {
  server = await startTestServer()
  const common = { MIMA_BASE_URL: server.baseUrl, MIMA_WORKSPACE_ID: server.workspaceId }
  admin = { ...common, MIMA_API_KEY: server.adminKey }
  agent = { ...common, MIMA_API_KEY: await server.createKey('ingest', 'support-bot') }
})

afterAll(() => server?.close())

const V1 = 'version: 1\ndefaults:\n  ingress: { action: redact }\ndeny_tools: [shell.exec]\n'

describe('mima policy', { timeout: 120_000 }, () => {
  it('uploads versions, lists, shows and diffs them, and refuses a bad file with its line', async () => {
    const home = await createHome()
    const file = join(home, 'support-bot.yaml')
    await writeFile(file, V1)
    const first = await runMimaInProcess(['policy', 'upload', file], { home, env: admin })
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('Policy support-bot version 1 stored')
    await writeFile(file, V1.replace('[shell.exec]', '[shell.exec, bash.exec]'))
    const second = await runMimaInProcess(['policy', 'upload', file, '--json'], { home, env: admin })
    expect(JSON.parse(second.stdout)).toMatchObject({ name: 'support-bot', version: 2, created: true })

    const list = await runMimaInProcess(['policy', 'list'], { home, env: agent })
    expect(list.stdout).toMatch(/support-bot\s+2\s+2/)
    const show = await runMimaInProcess(['policy', 'show', 'support-bot', '--version', '1'], {
      home,
      env: agent,
    })
    expect(show.stdout.trim()).toBe(V1.trim())
    const diff = await runMimaInProcess(['policy', 'diff', 'support-bot'], {
      home,
      env: { ...agent, NO_COLOR: '1' },
    })
    expect(diff.code, diff.stderr).toBe(0)
    expect(diff.stdout).toContain('-deny_tools: [shell.exec]\n+deny_tools: [shell.exec, bash.exec]')

    const bad = join(home, 'bad.yaml')
    await writeFile(bad, 'version: 1\ntool_access:\n  x: { action: explode }\n')
    const refused = await runMimaInProcess(['policy', 'upload', bad, '--name', 'support-bot'], {
      home,
      env: admin,
    })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('bad.yaml:3:')
    expect(refused.stderr).toContain('tool_access.x.action: must be one of')
    const versions = await runMimaInProcess(['policy', 'list', '--json'], { home, env: agent })
    expect(JSON.parse(versions.stdout).policies[0].latest_version).toBe(2)
    const missing = await runMimaInProcess(['policy', 'show', 'nope'], { home, env: agent })
    expect(missing.code).toBe(1)
    const usage = await runMimaInProcess(['policy', 'show', '../etc'], { home, env: agent })
    expect(usage.code).toBe(2)
  })

  it('prechecks text from stdin: redacted text out, exit 1 on deny', async () => {
    const home = await createHome()
    const redact = await runMimaInProcess(['policy', 'precheck', '--policy', 'support-bot'], {
      home,
      env: agent,
      stdin: 'write to ana@example.com\n',
    })
    expect(redact.code, redact.stderr).toBe(0)
    expect(redact.stdout).toBe('write to <EMAIL_1>\n')
    expect(redact.stderr).toContain('redact · support-bot v2 · rule defaults.ingress · pii.redacted:email')
    const deny = await runMimaInProcess(
      ['policy', 'precheck', '--policy', 'support-bot', '--tool', 'bash.exec', '--json'],
      {
        home,
        env: agent,
        stdin: 'ls',
      },
    )
    expect(deny.code).toBe(1)
    expect(JSON.parse(deny.stdout)).toMatchObject({ decision: 'deny', reasons: ['tool.denied:bash.exec'] })
  })
})
