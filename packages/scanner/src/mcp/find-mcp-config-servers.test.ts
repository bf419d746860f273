import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scan } from '../scan/scan'

function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'mima-scan-mcp-'))
  mkdirSync(join(root, '.cursor'))
  mkdirSync(join(root, '.vscode'))
  mkdirSync(join(root, 'src'))
  mkdirSync(join(root, 'node_modules', 'x', '.vscode'), { recursive: true })
  writeFileSync(
    join(root, 'claude_desktop_config.json'),
    JSON.stringify(
      {
        mcpServers: {
          files: {
            command: 'mima',
            args: [
              'mcp',
              'proxy',
              '--config',
              'mima-mcp.yaml',
              '--',
              'npx',
              '-y',
              '@modelcontextprotocol/server-filesystem',
              '.',
            ],
          },
          github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] },
        },
      },
      null,
      2,
    ),
  )
  writeFileSync(
    join(root, '.cursor', 'mcp.json'),
    '{\n  "mcpServers": {\n    "search": { "url": "https://mcp.example.com/mcp" }\n  }\n}\n',
  )
  // VS Code allows comments and trailing commas.
  writeFileSync(
    join(root, '.vscode', 'mcp.json'),
    [
      '{',
      '  // governed',
      '  "servers": {',
      '    "notes": {',
      '      "type": "stdio",',
      '      "command": "npx",',
      '      "args": ["-y", "-p", "@mima/cli", "-p", "@mima/mcp", "mima", "mcp", "proxy", "--config", "m.yaml", "--", "notes-server"],',
      '    },',
      '  },',
      '}',
    ].join('\n'),
  )
  writeFileSync(
    join(root, 'node_modules', 'x', '.vscode', 'mcp.json'),
    '{"servers":{"hidden":{"command":"x"}}}',
  )
  writeFileSync(join(root, 'mima-mcp.yaml'), 'servers:\n  files:\n    agent: assistant\n')
  writeFileSync(
    join(root, 'src', 'agent.ts'),
    [
      "import { Client } from '@modelcontextprotocol/sdk/client/index.js'",
      "import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'",
      'const client = new Client({ name: "app", version: "1.0.0" })',
      "await client.connect(new StdioClientTransport({ command: 'npx', args: ['-y', 'weather-mcp'] }))",
      '',
    ].join('\n'),
  )
  return root
}

describe('MCP servers in configuration files', () => {
  it('reports servers from Claude Desktop, Cursor, VS Code and mima-mcp.yaml, with whether Mima governs them', async () => {
    const root = project()
    const result = await scan(['.'], { cwd: root, workers: 0 })
    const config = result.mcpServers.filter((server) => server.source === 'config')
    expect(
      config
        .map(
          (server) =>
            `${server.client}:${server.name}:${server.transport}:${server.governed}@${server.file}:${server.line}`,
        )
        .sort(),
    ).toEqual(
      [
        'claude-desktop:files:stdio:true@claude_desktop_config.json:3',
        'claude-desktop:github:stdio:false@claude_desktop_config.json:17',
        'cursor:search:http:false@.cursor/mcp.json:3',
        'mima-mcp:files:stdio:true@mima-mcp.yaml:2',
        'vscode:notes:stdio:true@.vscode/mcp.json:4',
      ].sort(),
    )
    expect(config.find((server) => server.name === 'github')?.target).toBe(
      'npx -y @modelcontextprotocol/server-github',
    )
    expect(config.find((server) => server.name === 'search')?.target).toBe('https://mcp.example.com/mcp')
    // The code's own client is still reported.
    expect(result.mcpServers.filter((server) => server.source === undefined)).toEqual([
      expect.objectContaining({ transport: 'stdio', file: 'src/agent.ts', line: 4 }),
    ])
  })

  it('skips configuration files built to exhaust the reader, and still scans the code', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mima-mcp-hostile-'))
    // "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded.
    const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
      .concat(
        [...'bcdefghi'].map(
          (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`,
        ),
      )
      .join('\n')
    writeFileSync(join(root, 'mima-mcp.yaml'), `${laughs}\nservers: *i\n`)
    mkdirSync(join(root, '.cursor'))
    writeFileSync(
      join(root, '.cursor', 'mcp.json'),
      `{"mcpServers": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    )
    writeFileSync(
      join(root, 'ask.ts'),
      "import OpenAI from 'openai'\nexport const ask = () => new OpenAI().responses.create({ model: 'm', input: 'x' })\n",
    )
    const result = await scan(['.'], { cwd: root, workers: 0 })
    expect(result.mcpServers).toEqual([])
    expect(result.findings.map((finding) => finding.file)).toEqual(['ask.ts'])
  })
})
