import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runInProcess } from './run-in-process.test-helper'

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'scanner', 'test', 'fixtures')

describe('mima scan', () => {
  it('prints the summary, the unattested list with file:line:column, the attested count and the compliance hint', async () => {
    const result = await runInProcess(['scan', join(FIXTURES, 'attestation')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /^3 unattested {2}· {2}6 attested {2}· {2}0 low-confidence {2}· {2}66% coverage/,
    )
    expect(result.stdout).toMatch(/UNATTESTED[^\n]*\n(?:.*\n)*.*attested\.ts:54:28 +openai chat/)
    expect(result.stdout).toContain('6 attested call site(s)')
    expect(result.stdout).toContain('would generate evidence across:')
    expect(result.stdout).toMatch(/Quickest win: push one \w+ record/)
  })

  it("lists MCP servers from code and from MCP clients' configuration files, governed or not", async () => {
    const root = mkdtempSync(join(tmpdir(), 'mima-scan-mcp-'))
    mkdirSync(join(root, '.cursor'))
    writeFileSync(
      join(root, '.cursor', 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          raw: { command: 'npx', args: ['-y', 'github-mcp'] },
          safe: { command: 'mima', args: ['mcp', 'proxy', '--config', 'm.yaml', '--', 'npx', 'files-mcp'] },
        },
      }),
    )
    const result = await runInProcess(['scan', root])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('MCP servers (2):')
    expect(result.stdout).toMatch(
      /\.cursor\/mcp\.json:1 +stdio npx -y github-mcp +\(cursor "raw" not governed\)/,
    )
    expect(result.stdout).toMatch(/cursor "safe" governed by mima mcp proxy/)

    writeFileSync(
      join(root, 'client.ts'),
      [
        "import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'",
        "export const transport = new StdioClientTransport({ command: 'node', args: ['server.js'] })",
      ].join('\n'),
    )
    const json = await runInProcess(['scan', root, '--json'])
    expect(json.code).toBe(0)
    const { mcp_servers: servers } = JSON.parse(json.stdout)
    expect(servers).toEqual(
      expect.arrayContaining([
        {
          file: expect.stringMatching(/\.cursor\/mcp\.json$/),
          line: 1,
          source: 'config',
          transport: 'stdio',
          target: 'npx -y github-mcp',
          name: 'raw',
          client: 'cursor',
          governed: false,
        },
        expect.objectContaining({ source: 'config', name: 'safe', client: 'cursor', governed: true }),
        {
          file: expect.stringMatching(/client\.ts$/),
          line: 2,
          source: 'code',
          transport: 'stdio',
          target: 'node server.js',
          name: null,
          client: null,
          governed: null,
        },
      ]),
    )
    expect(servers).toHaveLength(3)
  })

  it('--strict exits 1 on unattested high-confidence calls, 0 when there are none', async () => {
    expect((await runInProcess(['scan', join(FIXTURES, 'attestation'), '--strict'])).code).toBe(1)
    const clean = await runInProcess(['scan', join(FIXTURES, 'lookalikes'), '--strict'])
    expect(clean.code).toBe(0)
    expect(clean.stdout).toMatch(/^No AI call sites found in 1 files/)
  })

  it('names files it could not analyse on stderr and in --json, and --strict fails on them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mima-scan-deep-'))
    // Attested, so only the unanalysed file can fail --strict.
    writeFileSync(
      join(root, 'ok.ts'),
      "import OpenAI from 'openai'\nimport { mima } from './mima'\nexport const ask = mima.attest({ toolName: 'ask' }, async () => new OpenAI().responses.create({ model: 'm', input: 'x' }))\n",
    )
    writeFileSync(
      join(root, 'deep.ts'),
      `import OpenAI from 'openai'\nexport const x = ${'('.repeat(5000)}1${')'.repeat(5000)}\n`,
    )
    const plain = await runInProcess(['scan', root])
    expect(plain.code).toBe(0)
    expect(plain.stderr).toMatch(
      /1 file\(s\) not fully analysed[^\n]*\n {2}\S*deep\.ts: not analysed: brackets nest 5000 levels deep/,
    )
    const strict = await runInProcess(['scan', root, '--strict'])
    expect(strict.code).toBe(1)
    const json = await runInProcess(['scan', root, '--json'])
    expect(JSON.parse(json.stdout).problems).toEqual([
      {
        file: expect.stringMatching(/deep\.ts$/),
        message: expect.stringMatching(/^not analysed: brackets nest 5000/),
        severity: 'error',
      },
    ])
  })

  it('--json prints {findings: [{file, line, column, library, operation, attested, confidence, kind}], mcp_servers}', async () => {
    const result = await runInProcess(['scan', join(FIXTURES, 'handles'), '--json'])
    expect(result.code).toBe(0)
    const printed = JSON.parse(result.stdout)
    expect(Object.keys(printed)).toEqual(['findings', 'mcp_servers'])
    expect(printed.mcp_servers).toEqual([])
    const records = printed.findings
    expect(records[0]).toEqual({
      file: expect.stringMatching(/handles\/handles\.ts$/),
      line: 11,
      column: 12,
      library: 'openai',
      operation: 'chat',
      attested: false,
      confidence: 'high',
      kind: 'model',
    })
  })

  it('--bom cyclonedx writes the AI bill of materials', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mima-bom-')), 'bom.json')
    const result = await runInProcess([
      'scan',
      join(FIXTURES, 'sdks'),
      '--json',
      '--bom',
      'cyclonedx',
      '-o',
      file,
    ])
    expect(result.code).toBe(0)
    const bom = JSON.parse(readFileSync(file, 'utf8'))
    expect(bom.bomFormat).toBe('CycloneDX')
    expect(bom.specVersion).toBe('1.6')
    // The project is named by its package.json, else by its directory.
    expect(bom.metadata.component.name).toBe('sdks')
    const commonjs = join(mkdtempSync(join(tmpdir(), 'mima-bom-')), 'bom.json')
    expect(
      (await runInProcess(['scan', join(FIXTURES, 'commonjs'), '--bom', 'cyclonedx', '-o', commonjs])).code,
    ).toBe(0)
    expect(JSON.parse(readFileSync(commonjs, 'utf8')).metadata.component.name).toBe('commonjs-fixture')
  })

  it('exits 1 on a missing path and 2 on a bad --bom format', async () => {
    const missing = await runInProcess(['scan', join(FIXTURES, 'no-such-directory')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('path not found')
    expect((await runInProcess(['scan', FIXTURES, '--bom', 'spdx'])).code).toBe(2)
  })
})
