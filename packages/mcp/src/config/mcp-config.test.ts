import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { parseMcpConfig } from './mcp-config'

const directory = mkdtempSync(join(tmpdir(), 'mima-mcp-config-'))
const file = join(directory, 'mima-mcp.yaml')

function issuesOf(source: string): { field: string; line: number | undefined; message: string }[] {
  try {
    parseMcpConfig(source, file)
  } catch (error) {
    expect(MimaError.isInstance(error) && error.code).toBe('config_invalid')
    return (error as MimaError).details?.issues as never
  }
  throw new Error('expected the configuration to be refused')
}

// "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded.
const LAUGHS = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
  .concat(
    [...'bcdefghi'].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
  )
  .join('\n')

describe('parseMcpConfig', () => {
  it('reads servers, tools, policies and defaults', () => {
    writeFileSync(
      join(directory, 'policy.yaml'),
      'name: github-policy\ndeny_tools: [mcp.github.delete_repo]\n',
    )
    const config = parseMcpConfig(
      [
        'version: 1',
        'mima:',
        '  base_url: http://127.0.0.1:8787',
        '  fail_mode: open',
        '  pin_file: pins.json',
        'servers:',
        '  github:',
        '    agent: coding-agent',
        '    command: npx',
        '    args: [-y, "@modelcontextprotocol/server-github"]',
        '    policy: ./policy.yaml',
        '    allow: [list_*, create_issue]',
        '    hide: [delete_repo]',
        '    tools:',
        '      create_issue: { risk: high, requires_approval: true }',
        '  search:',
        '    agent: researcher',
        '    url: https://mcp.example.com/mcp',
        '    headers: { authorization: Bearer abc }',
        '    policy: { defaults: { egress: { action: redact } } }',
      ].join('\n'),
      file,
    )
    expect(config.mima).toMatchObject({
      baseUrl: 'http://127.0.0.1:8787',
      failMode: 'open',
      systemName: 'mcp-proxy',
    })
    expect(config.mima.pinFile).toBe(join(directory, 'pins.json'))
    const [github, search] = config.servers
    expect(github).toMatchObject({
      name: 'github',
      agent: 'coding-agent',
      upstream: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] },
      allow: ['list_*', 'create_issue'],
      hide: ['delete_repo'],
      tools: { create_issue: { risk: 'high', requiresApproval: true } },
      descriptionCheck: true,
      onFlaggedTool: 'hide',
    })
    expect(github?.policy?.name).toBe('github-policy')
    expect(search?.upstream).toEqual({
      url: 'https://mcp.example.com/mcp',
      headers: { authorization: 'Bearer abc' },
    })
    expect(search?.policy?.defaults?.egress?.action).toBe('redact')
  })

  it('reports every problem at once, with field and line', () => {
    const issues = issuesOf(
      [
        'mima:',
        '  api_key: mima_secret',
        '  fail_mode: sometimes',
        'servers:',
        '  github:',
        '    command: npx',
        '    url: http://x',
        '    tools:',
        '      create_issue: { risk: extreme, requires_approval: "yes" }',
        '    colour: blue',
      ].join('\n'),
    )
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'mima.api_key',
          line: 2,
          message: expect.stringContaining('MIMA_API_KEY'),
        }),
        expect.objectContaining({
          field: 'mima.fail_mode',
          line: 3,
          message: 'must be one of: closed, open',
        }),
        expect.objectContaining({ field: 'servers.github.agent', message: 'is required' }),
        expect.objectContaining({
          field: 'servers.github',
          message: 'give either `command` or `url`, not both',
        }),
        expect.objectContaining({ field: 'servers.github.tools.create_issue.risk', line: 9 }),
        expect.objectContaining({ field: 'servers.github.tools.create_issue.requires_approval', line: 9 }),
        expect.objectContaining({ field: 'servers.github.colour', line: 10 }),
      ]),
    )
  })

  it('refuses YAML that does not parse, a missing servers section and an unreadable policy', () => {
    expect(issuesOf('servers: [unclosed')[0]?.field).toBe('(yaml)')
    expect(issuesOf(`${LAUGHS}\nservers: *i\n`)).toEqual([
      { field: '(yaml)', line: undefined, message: expect.stringMatching(/cannot be expanded.*alias/i) },
    ])
    expect(issuesOf('version: 1\n')).toEqual([expect.objectContaining({ field: 'servers' })])
    expect(issuesOf('servers:\n  a:\n    agent: x\n    policy: ./missing.yaml\n')).toEqual([
      expect.objectContaining({
        field: 'servers.a.policy',
        line: 4,
        message: expect.stringContaining('cannot be read'),
      }),
    ])
  })

  it('names the line of a bad policy inside the policy file', () => {
    writeFileSync(join(directory, 'bad-policy.yaml'), 'defaults:\n  ingress: { action: explode }\n')
    const [issue] = issuesOf('servers:\n  a:\n    agent: x\n    policy: ./bad-policy.yaml\n')
    expect(issue?.field).toBe('servers.a.policy')
    expect(issue?.message).toContain('bad-policy.yaml')
  })
})
